/* config_impl.h: private to config*.c: the key table and the typed value setters. */
#ifndef RINGSAN_COMMON_CONFIG_IMPL_H
#define RINGSAN_COMMON_CONFIG_IMPL_H

#include "common/config.h"

enum config_section_kind {
	CSEC_SERVER,
	CSEC_BOOT,
	CSEC_CLUSTER,
	CSEC_LUN,
	CSEC_IMAGE,
	CSEC_CLIENT,
	CSEC_FLEET,
	CSEC_COUNT
};

enum config_type {
	CT_STRING,     /* char[size]; length min..max (min 0: may be empty); optional check */
	CT_BOOL,       /* bool */
	CT_UINT,       /* uint32_t in min..max, decimal */
	CT_SIZE,       /* uint32_t in min..max, K/M/G units allowed (size_parse) */
	CT_ENUM,       /* an int-sized enum; names in enums */
	CT_LIST,       /* struct config_strlist; check runs on each item */
	CT_PORTALS,    /* struct config_portal[CONFIG_MAX_PORTALS], count (unsigned) at offset2 */
	CT_PORTAL,     /* one struct config_portal */
	CT_IPV4,       /* struct config_ipv4; empty = unset */
	CT_IPV4_LIST,  /* struct config_ipv4[CONFIG_MAX_DNS], count (unsigned) at offset2 */
	CT_IPV4_RANGE, /* FIRST-LAST: struct config_ipv4 at offset and at offset2 */
};

#define CK_SECRET 0x1u /* masked by config_print() */
#define CK_POW2	  0x2u /* CT_UINT/CT_SIZE: the value must be a power of two */
/* CK_ZERO_UNSET: CT_UINT/CT_SIZE: 0 means "not set" (no def; not printed); CT_PORTAL: an empty
 * value means "off" (port 0) and a bare PORT means 127.0.0.1:PORT. */
#define CK_ZERO_UNSET 0x4u

struct config_enum {
	const char *name;
	int value;
};

typedef int config_check_fn(const char *value, char *err, size_t errlen);

struct config_key {
	enum config_section_kind section;
	const char *name;
	enum config_type type;
	size_t offset, offset2, size;
	uint64_t min, max;		 /* CT_STRING: length; CT_UINT/CT_SIZE: value */
	unsigned port;			 /* CT_PORTAL(S): port when the value has none */
	const struct config_enum *enums; /* CT_ENUM, ends with {NULL, 0} */
	config_check_fn *check;
	unsigned flags;
	const char *def;     /* default as config text, parsed by config_defaults(); NULL: none */
	const char *def_doc; /* how the default is described when def is not the whole story */
	const char *help;
};

extern const struct config_key config_keys[];
extern const unsigned config_key_count;
extern const char *const config_section_names[CSEC_COUNT];

/* The table entry for (section, name), or NULL. *index gets its position among the keys of
 * that section (for the `seen` bit masks). */
const struct config_key *config_key_find(enum config_section_kind section, const char *name,
					 unsigned *index);
/* Position of a key among its section's keys (for `seen`). */
unsigned config_key_index(const struct config_key *key);

/* Stores value into the section struct at base. continuation: an indented line adding to the
 * previous value (strings: joined with a space, lists: more items). 0 or -EINVAL/-ENOMEM with
 * err explaining (without the file:line prefix). */
int config_set_value(void *base, const struct config_key *key, const char *value, bool continuation,
		     char *err, size_t errlen);
/* Applies every default of a section kind to a zeroed struct. */
void config_apply_defaults(void *base, enum config_section_kind section);
/* Frees the heap parts (lists) of a section struct. */
void config_free_section(void *base, enum config_section_kind section);
/* Writes a key's current value as config text ("" when unset). */
void config_format_value(const void *base, const struct config_key *key, FILE *out);
/* True when the value is unset/empty (config_print skips those in named sections). */
bool config_value_empty(const void *base, const struct config_key *key);

/* Value checks used by the table (config_rules.c). */
config_check_fn config_check_path, config_check_source, config_check_initrd, config_check_iqn,
    config_check_lun_name, config_check_image_name, config_check_user, config_check_ifname,
    config_check_metrics_listen, config_check_machine, config_check_fleet_pattern,
    cluster_config_check_node;

/* [cluster] (cluster_config.c): fills cluster.parsed from nodes (items already checked), and
 * checks the cluster rules (names and addresses unique, node among nodes, `[lun] node` names
 * nodes). */
void cluster_config_parse(struct config *cfg);
int cluster_config_check_rules(const struct config *cfg, char *err, size_t errlen);

/* Checks the rules between keys after parsing; err gets "file:line: [section] ...". */
int config_check_rules(const struct config *cfg, char *err, size_t errlen);

#endif
