/* config.h: the INI configuration (read with inih) as typed structs. One table of keys
 * (config_keys.c) drives parsing, validation, printing and the documentation: every key has a
 * section kind, a type with bounds, an offset into its section struct and a help line.
 *
 * Sections: [server], [boot], [cluster], [lun NAME], [image NAME], [client MAC], [fleet NAME].
 * Unknown sections or keys, bad values, duplicate keys and duplicate sections are errors naming
 * "file:line: [section] key:". Values are taken verbatim (no inline comments); a line starting with
 * '#' or ';' is a comment; an indented line continues the previous key's value (strings: joined
 * with a space; lists: more items). Lists are separated by commas and/or spaces. Booleans: yes/no,
 * true/false, on/off, 1/0.
 *
 * config_parse_buffer() is pure (no I/O, no environment): the fuzzers and unit tests call it.
 * config_load_file() reads a file; config_apply_environment() fills the one default that
 * depends on the environment (data_dir). Not thread-safe (inih's options are globals). */
#ifndef RINGSAN_COMMON_CONFIG_H
#define RINGSAN_COMMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cluster.h"
#include "common/log.h"
#include "common/name.h"

#define CONFIG_MAX_PORTALS  16
#define CONFIG_MAX_DNS	    8
#define CONFIG_MAX_LUNS	    4096
#define CONFIG_MAX_IMAGES   1024
#define CONFIG_MAX_CLIENTS  4096
#define CONFIG_MAX_FLEETS   256
#define CONFIG_MAX_LIST	    256	    /* items in one list value */
#define CONFIG_MAX_FILE	    4194304 /* bytes in a config file */
#define CONFIG_MAX_LINE	    4096    /* characters in one line, without its newline */
#define CONFIG_DEFAULT_IQN  "iqn.2026-11.org.ringsan"
#define CONFIG_DEFAULT_FILE "/etc/ringsan/ringsan.ini"
#define CONFIG_TEXT_MAX	    256 /* descriptions, CHAP names and secrets: bytes with the NUL */

/* A heap array of strings; owned by the config, freed by config_free(). */
struct config_strlist {
	char **items;
	unsigned count;
};

/* A listening address: a literal IPv4 or IPv6 address (no brackets) and a port. */
struct config_portal {
	char host[46]; /* INET6_ADDRSTRLEN */
	uint16_t port;
	bool ipv6;
};

struct config_ipv4 {
	bool set;
	uint8_t addr[4]; /* network order: 10.0.0.1 is {10, 0, 0, 1} */
};

enum boot_mode { BOOT_MODE_PROXY, BOOT_MODE_FULL, BOOT_MODE_OFF };
/* BOOT_ACTION_UNSET only appears in a [client] without `action` before defaults are applied;
 * after config_parse_buffer() every client holds a real action. */
enum boot_action { BOOT_ACTION_UNSET, BOOT_ACTION_BOOT, BOOT_ACTION_INSTALL, BOOT_ACTION_MENU };
enum boot_uefi_loader { BOOT_UEFI_SNPONLY, BOOT_UEFI_IPXE };
/* What an [image] is, beyond a kernel: a preset adds the installer's own arguments. */
enum image_installer { IMAGE_INSTALLER_NONE, IMAGE_INSTALLER_DEBIAN };
/* [lun] cache: how the target reaches the LUN file. */
enum lun_cache { LUN_CACHE_BUFFERED, LUN_CACHE_DIRECT };
/* [fleet] reset: when a machine's overlay loses its changes. */
enum fleet_reset { FLEET_RESET_BOOT, FLEET_RESET_NEVER };

struct config_server {
	char data_dir[PATH_MAX]; /* "" until config_apply_environment() or --data-dir */
	struct config_portal listen[CONFIG_MAX_PORTALS];
	unsigned listen_count;
	char base_iqn[IQN_MAX_LEN + 1];
	uint32_t workers;     /* 0 = one per CPU */
	uint32_t queue_depth; /* CmdSN window per session */
	uint32_t max_sessions;
	uint32_t max_logins;		       /* pre-login connections held at once */
	uint32_t max_logins_per_address;       /* of those, from one source address */
	uint32_t login_timeout;		       /* seconds, for a whole login */
	uint32_t max_recv_data_segment_length; /* bytes */
	uint32_t max_burst_length;	       /* bytes */
	uint32_t first_burst_length;	       /* bytes */
	uint32_t nop_interval;		       /* seconds, 0 = no NOP-In pings */
	uint32_t nop_timeout;		       /* seconds */
	uint32_t nbd_timeout; /* seconds a LUN on NBD waits for replies; 0 = ever */
	char discovery_chap_user[CONFIG_TEXT_MAX];
	char discovery_chap_secret[CONFIG_TEXT_MAX];
	/* LUNs on Ceph RBD (lun.meta backend=rbd:POOL/IMAGE): how librados reaches the cluster. */
	char ceph_conf[PATH_MAX];
	char ceph_user[CONFIG_TEXT_MAX]; /* the NAME of client.NAME */
	char ceph_keyring[PATH_MAX];	 /* "" = librados' own search */
	uint32_t ceph_op_timeout;	 /* seconds an RBD request waits; 0 = forever */
	enum log_level log_level;
	char control_socket[PATH_MAX]; /* "" = DATA_DIR/.control.sock */
	char control_group[33];	       /* "" = root's group */
	char metrics_listen[64];       /* "" = no metrics listener */
	unsigned line;		       /* of the [server] header, 0 when absent */
	uint64_t seen;		       /* bit i: the i-th [server] key of the table was given */
};

struct config_boot {
	enum boot_mode mode;
	char interface[16]; /* IFNAMSIZ; "" = all */
	struct config_ipv4 server_ip;
	struct config_ipv4 dhcp_first, dhcp_last; /* dhcp_range */
	uint32_t lease_time;			  /* seconds */
	char lease_file[PATH_MAX];		  /* "" = DATA_DIR/.dhcp.leases */
	struct config_ipv4 router;
	struct config_ipv4 dns[CONFIG_MAX_DNS];
	unsigned dns_count;
	struct config_ipv4 netmask;
	struct config_portal http_listen;
	char tftp_root[PATH_MAX]; /* "" = generated under the data dir */
	char ipxe_dir[PATH_MAX];
	enum boot_uefi_loader uefi_loader;
	char media_dir[PATH_MAX];
	char user[33];
	uint32_t menu_timeout; /* seconds */
	enum boot_action default_action;
	/* Admission control (bootsvc/proto/admit.h) */
	uint32_t http_max_pending;	      /* connections without a whole request yet */
	uint32_t http_max_pending_per_source; /* of which from one address */
	uint32_t http_max_active;	      /* connections with a request or kept alive */
	uint32_t http_header_timeout;	      /* seconds for a whole request header */
	uint32_t http_idle_timeout;	      /* seconds a kept-alive connection may idle */
	uint32_t tftp_max_transfers;
	uint32_t tftp_max_per_client;	  /* transfers to one address */
	uint32_t tftp_max_client_timeout; /* seconds; a larger RFC 2349 timeout is declined */
	uint32_t tftp_stall_timeout;	  /* seconds without progress before a transfer fails */
	/* Observability: port 0 = off */
	struct config_portal admin_listen;   /* status page, JSON API and /metrics */
	char admin_token[CONFIG_TEXT_MAX];   /* "" = none; else ?token= must match */
	struct config_portal metrics_listen; /* /metrics only */
	char control_socket[PATH_MAX];	     /* "" = DATA_DIR/.boot.sock */
	unsigned line;
	uint64_t seen;
};

/* [cluster]: several ringsan nodes behind one portal (common/cluster.h). */
struct config_cluster {
	char node[NAME_MAX_LEN + 1]; /* this node; "" = the one whose address we listen on */
	struct config_strlist nodes; /* items NAME=ADDR[:PORT] */
	char shared_dir[PATH_MAX];   /* LUNs on storage every node opens; "" = none */
	uint32_t health_interval;    /* seconds between health checks of each node */
	uint32_t health_timeout;     /* seconds without an answer before a node is down */
	struct cluster_node parsed[CLUSTER_MAX_NODES]; /* nodes, parsed by the rules */
	unsigned n_parsed;
	unsigned line;
	uint64_t seen;
};

#define CONFIG_DEFAULT_SANITIZE_RATE (256u << 20) /* [lun] sanitize_rate when no section */

struct config_lun {
	char name[NAME_MAX_LEN + 1];
	char description[CONFIG_TEXT_MAX];
	bool read_only;
	bool write_cache;
	bool thin;
	uint32_t sanitize_rate;	      /* bytes per second, 0 = no limit */
	uint32_t physical_block_size; /* bytes, a power of two; 0 = the logical block size */
	enum lun_cache cache;	      /* direct: O_DIRECT reads and writes, no page cache */
	struct config_strlist allowed_initiators; /* IQNs; empty = every initiator */
	char chap_user[CONFIG_TEXT_MAX];	  /* "" = no CHAP */
	char chap_secret[CONFIG_TEXT_MAX];
	char mutual_chap_user[CONFIG_TEXT_MAX];
	char mutual_chap_secret[CONFIG_TEXT_MAX];
	struct config_strlist node; /* [cluster] node names: its owner, or the order to serve it */
	unsigned line;
	uint64_t seen;
};

struct config_image {
	char name[NAME_MAX_LEN + 1];
	char description[CONFIG_TEXT_MAX];
	char kernel[PATH_MAX];	      /* exactly one of kernel and iso is set */
	struct config_strlist initrd; /* items "PATH" or "NAME=PATH" */
	char args[4096];
	char iso[PATH_MAX]; /* a path under media_dir, or an http:// URL */
	enum image_installer installer;
	char preseed[PATH_MAX]; /* "" or, with installer = debian, a path under media_dir or URL */
	unsigned line;
	uint64_t seen;
};

struct config_client {
	uint8_t mac[6];
	char name[CONFIG_TEXT_MAX];
	char lun[NAME_MAX_LEN + 1]; /* default LUN; "" = ask */
	enum boot_action action;    /* defaults to [boot] default_action */
	char image[NAME_MAX_LEN + 1];
	uint32_t timeout; /* seconds; defaults to [boot] menu_timeout */
	char initiator_iqn[IQN_MAX_LEN + 1];
	unsigned line;
	uint64_t seen;
};

/* [fleet NAME]: machines that each boot their own copy-on-write overlay of one base LUN
 * (common/fleet.h has the matching and naming rules). */
struct config_fleet {
	char name[NAME_MAX_LEN + 1];
	char base[NAME_MAX_LEN + 1];	/* the golden image: a LUN of the data dir */
	struct config_strlist machines; /* MACs (aa:bb:cc:dd:ee:ff), or the one item "*" */
	enum fleet_reset reset;
	char lun_name[NAME_MAX_LEN + 1]; /* pattern with {fleet} and {mac} */
	char description[CONFIG_TEXT_MAX];
	unsigned line;
	uint64_t seen;
};

struct config {
	char filename[PATH_MAX]; /* "" = built-in defaults only */
	struct config_server server;
	struct config_boot boot;
	struct config_cluster cluster;
	struct config_lun *luns; /* in file order */
	unsigned lun_count, lun_cap;
	struct config_image *images;
	unsigned image_count, image_cap;
	struct config_client *clients;
	unsigned client_count, client_cap;
	struct config_fleet *fleets;
	unsigned fleet_count, fleet_cap;
};

/* Fills every default. Owns nothing yet; config_free() is still fine. */
void config_defaults(struct config *cfg);

/* Parses text[0..len) (NUL bytes are an error) on top of config_defaults(), then checks the
 * rules between keys. filename is used in messages only. Returns 0, or -EINVAL with err set
 * to one line "file:line: [section] key: what is wrong", or -ENOMEM. On error cfg holds
 * defaults only (nothing to free). */
int config_parse_buffer(struct config *cfg, const char *text, size_t len, const char *filename,
			char *err, size_t errlen);

/* Reads and parses a file (at most CONFIG_MAX_FILE bytes). -ENOENT etc. when unreadable. */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);

/* If data_dir is unset: $STATE_DIRECTORY (systemd), /var/lib/ringsan for root, else
 * $XDG_STATE_HOME/ringsan or ~/.local/state/ringsan. */
void config_apply_environment(struct config *cfg);
/* The same rule as a pure function (tests): root is "effective uid is 0". */
void config_default_data_dir(char *buf, size_t len, const char *state_directory,
			     const char *xdg_state_home, const char *home, bool root);

void config_free(struct config *cfg);

/* Lookups: NULL when absent. mac is 6 bytes. */
const struct config_lun *config_find_lun(const struct config *cfg, const char *name);
const struct config_image *config_find_image(const struct config *cfg, const char *name);
const struct config_client *config_find_client(const struct config *cfg, const uint8_t mac[6]);
const struct config_fleet *config_find_fleet(const struct config *cfg, const char *name);

/* Prints the effective configuration as INI (secrets masked), every key of [server] and
 * [boot], and the keys that are set in the other sections. */
void config_print(FILE *out, const struct config *cfg);

/* Prints the key reference (section, key, type, default, help) as used by the README. */
void config_print_reference(FILE *out);

/* Parses "ADDR:PORT", "[V6ADDR]:PORT" or "ADDR" (dflt_port). 0 or -EINVAL with err set. Used by
 * command-line flags such as `ringsan serve --listen`. */
int config_parse_portal(struct config_portal *out, const char *text, unsigned dflt_port, char *err,
			size_t errlen);
/* [server] metrics_listen: PORT (bound to 127.0.0.1) or ADDR[:PORT] (default port 9330). */
int config_parse_metrics_listen(struct config_portal *out, const char *text, char *err,
				size_t errlen);

const char *config_boot_action_name(enum boot_action action);
const char *config_boot_mode_name(enum boot_mode mode);
const char *config_fleet_reset_name(enum fleet_reset reset);

/* The index of node name in [cluster] nodes, or -1. */
int cluster_config_node_index(const struct config *cfg, const char *name);
/* The placement input of LUN name (cluster.h): shared or not, its `[lun] node` order. */
void cluster_config_lun(const struct config *cfg, const char *name, bool shared,
			struct cluster_lun *out);

#endif
