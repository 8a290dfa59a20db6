/* config_values.c: converts one configuration value by its key's type (see config_impl.h),
 * and back to text for config_print(). */
#include "common/config_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/size.h"

_Static_assert(sizeof(enum log_level) == sizeof(int), "enums are stored as int");
_Static_assert(sizeof(enum boot_mode) == sizeof(int), "enums are stored as int");

#define FIELD(base, key, type)	((type)((char *)(base) + (key)->offset))
#define FIELD2(base, key, type) ((type)((char *)(base) + (key)->offset2))
#define LIST_SEPARATORS		", \t"

static int config_set_string(void *base, const struct config_key *key, const char *value,
			     bool continuation, char *err, size_t errlen)
{
	char *dst = FIELD(base, key, char *);
	size_t have = continuation ? strlen(dst) : 0;
	size_t add = strlen(value) + (have ? 1 : 0);

	for (const char *p = value; *p; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			snprintf(err, errlen, "control characters are not allowed");
			return -EINVAL;
		}
	}
	if (have + add > key->max) {
		snprintf(err, errlen, "too long: at most %llu characters",
			 (unsigned long long)key->max);
		return -EINVAL;
	}
	if (have && *value)
		dst[have++] = ' ';
	memcpy(dst + have, value, strlen(value) + 1);
	if (dst[0] == '\0' && key->min == 0)
		return 0;
	if (strlen(dst) < key->min) {
		snprintf(err, errlen, "must be %llu to %llu characters long",
			 (unsigned long long)key->min, (unsigned long long)key->max);
		return -EINVAL;
	}
	return key->check ? key->check(dst, err, errlen) : 0;
}

static int config_set_bool(bool *dst, const char *value, char *err, size_t errlen)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < 4; i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*dst = strcasecmp(value, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a boolean: use yes/no, true/false, on/off or 1/0",
		 value);
	return -EINVAL;
}

static int config_set_number(void *base, const struct config_key *key, const char *value, char *err,
			     size_t errlen)
{
	uint64_t v = 0;
	char what[128];

	if (key->type == CT_SIZE) {
		if (size_parse(value, &v, what, sizeof(what)) != 0) {
			snprintf(err, errlen, "%s", what);
			return -EINVAL;
		}
	} else {
		const char *p = value;
		for (; *p >= '0' && *p <= '9' && v <= UINT32_MAX; p++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (*p || p == value) {
			snprintf(err, errlen, "'%s' is not a whole number", value);
			return -EINVAL;
		}
	}
	if (v < key->min || v > key->max) {
		snprintf(err, errlen, "'%s' is out of range: use %llu to %llu%s", value,
			 (unsigned long long)key->min, (unsigned long long)key->max,
			 key->type == CT_SIZE ? " bytes (K and M units allowed)" : "");
		return -EINVAL;
	}
	if ((key->flags & CK_POW2) && (v & (v - 1))) {
		snprintf(err, errlen,
			 "'%s' is not a power of two: use %llu, %llu, %llu, ... up to %llu", value,
			 (unsigned long long)key->min, (unsigned long long)key->min * 2,
			 (unsigned long long)key->min * 4, (unsigned long long)key->max);
		return -EINVAL;
	}
	*FIELD(base, key, uint32_t *) = (uint32_t)v;
	return 0;
}

static int config_set_enum(void *base, const struct config_key *key, const char *value, char *err,
			   size_t errlen)
{
	char names[160] = "";

	for (const struct config_enum *e = key->enums; e->name; e++) {
		if (strcmp(e->name, value) == 0) {
			memcpy(FIELD(base, key, int *), &e->value, sizeof(int));
			return 0;
		}
		strcat(names, e == key->enums ? "" : (e[1].name ? ", " : " or "));
		strcat(names, e->name);
	}
	snprintf(err, errlen, "'%s' is not allowed: use %s", value, names);
	return -EINVAL;
}

/* Splits value into items and calls add() for each; stops at the first error. */
static int config_each_item(const char *value,
			    int (*add)(void *, const struct config_key *, const char *, char *,
				       size_t),
			    void *base, const struct config_key *key, char *err, size_t errlen)
{
	char *copy = strdup(value), *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *item = strtok_r(copy, LIST_SEPARATORS, &save); item && ret == 0;
	     item = strtok_r(NULL, LIST_SEPARATORS, &save))
		ret = add(base, key, item, err, errlen);
	free(copy);
	return ret;
}

static int config_add_string_item(void *base, const struct config_key *key, const char *item,
				  char *err, size_t errlen)
{
	struct config_strlist *list = FIELD(base, key, struct config_strlist *);
	char **items;

	if (key->check && key->check(item, err, errlen) != 0)
		return -EINVAL;
	if (list->count >= CONFIG_MAX_LIST) {
		snprintf(err, errlen, "too many items (at most %d)", CONFIG_MAX_LIST);
		return -EINVAL;
	}
	items = realloc(list->items, (list->count + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	list->items = items;
	items[list->count] = strdup(item);
	if (!items[list->count])
		return -ENOMEM;
	list->count++;
	return 0;
}

static int config_parse_ipv4(struct config_ipv4 *out, const char *text, char *err, size_t errlen)
{
	if (inet_pton(AF_INET, text, out->addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address (use a.b.c.d)", text);
		return -EINVAL;
	}
	out->set = true;
	return 0;
}

static int config_parse_port(const char *text, uint16_t *port)
{
	unsigned long v = 0;

	if (*text < '1' || *text > '9' || strlen(text) > 5)
		return -EINVAL;
	for (; *text >= '0' && *text <= '9'; text++)
		v = v * 10 + (unsigned long)(*text - '0');
	if (*text || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:80". */
int config_parse_metrics_listen(struct config_portal *out, const char *text, char *err,
				size_t errlen)
{
	const char *p = text;

	while (*p >= '0' && *p <= '9')
		p++;
	if (*text && !*p && p - text <= 5) { /* a bare port: loopback */
		char buf[32];
		snprintf(buf, sizeof(buf), "127.0.0.1:%s", text);
		return config_parse_portal(out, buf, 0, err, errlen);
	}
	if (config_parse_portal(out, text, 9330, err, errlen) == 0)
		return 0;
	snprintf(err, errlen,
		 "'%s' is not a metrics listener: use PORT (on 127.0.0.1) or ADDR:PORT, e.g. "
		 "127.0.0.1:9330",
		 text);
	return -EINVAL;
}

int config_check_metrics_listen(const char *value, char *err, size_t errlen)
{
	struct config_portal p;
	return value[0] ? config_parse_metrics_listen(&p, value, err, errlen) : 0;
}

int config_parse_portal(struct config_portal *out, const char *text, unsigned dflt_port, char *err,
			size_t errlen)
{
	char host[64], *end;
	const char *port = NULL;
	uint8_t addr[16];

	if (strlen(text) >= sizeof(host))
		goto out_bad;
	strcpy(host, text);
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end || (end[1] != '\0' && end[1] != ':'))
			goto out_bad;
		port = end[1] ? end + 2 : NULL;
		*end = '\0';
		memmove(host, host + 1, strlen(host));
		out->ipv6 = true;
	} else {
		end = strchr(host, ':');
		if (end) {
			*end = '\0';
			port = end + 1;
		}
		out->ipv6 = false;
	}
	if (inet_pton(out->ipv6 ? AF_INET6 : AF_INET, host, addr) != 1)
		goto out_bad;
	out->port = (uint16_t)dflt_port;
	if (port && config_parse_port(port, &out->port) != 0)
		goto out_bad;
	inet_ntop(out->ipv6 ? AF_INET6 : AF_INET, addr, out->host, sizeof(out->host));
	return 0;
out_bad:
	snprintf(err, errlen,
		 "'%s' is not an address: use IPv4[:PORT] or [IPv6][:PORT], e.g. 0.0.0.0:%u or "
		 "[::]:%u",
		 text, dflt_port, dflt_port);
	return -EINVAL;
}

static int config_add_portal(void *base, const struct config_key *key, const char *item, char *err,
			     size_t errlen)
{
	struct config_portal *portals = FIELD(base, key, struct config_portal *);
	unsigned *count = FIELD2(base, key, unsigned *);

	if (*count >= CONFIG_MAX_PORTALS) {
		snprintf(err, errlen, "too many addresses (at most %d)", CONFIG_MAX_PORTALS);
		return -EINVAL;
	}
	if (config_parse_portal(&portals[*count], item, key->port, err, errlen) != 0)
		return -EINVAL;
	(*count)++;
	return 0;
}

static int config_add_ipv4(void *base, const struct config_key *key, const char *item, char *err,
			   size_t errlen)
{
	struct config_ipv4 *addrs = FIELD(base, key, struct config_ipv4 *);
	unsigned *count = FIELD2(base, key, unsigned *);

	if (*count >= CONFIG_MAX_DNS) {
		snprintf(err, errlen, "too many addresses (at most %d)", CONFIG_MAX_DNS);
		return -EINVAL;
	}
	if (config_parse_ipv4(&addrs[*count], item, err, errlen) != 0)
		return -EINVAL;
	(*count)++;
	return 0;
}

static int config_set_range(void *base, const struct config_key *key, const char *value, char *err,
			    size_t errlen)
{
	struct config_ipv4 *first = FIELD(base, key, struct config_ipv4 *);
	struct config_ipv4 *last = FIELD2(base, key, struct config_ipv4 *);
	char text[40];
	char *dash;

	if (strlen(value) >= sizeof(text) || !(dash = strchr(strcpy(text, value), '-'))) {
		snprintf(err, errlen,
			 "'%s' is not a range: use FIRST-LAST, e.g. "
			 "192.168.1.100-192.168.1.199",
			 value);
		return -EINVAL;
	}
	*dash = '\0';
	if (config_parse_ipv4(first, text, err, errlen) ||
	    config_parse_ipv4(last, dash + 1, err, errlen))
		return -EINVAL;
	if (memcmp(first->addr, last->addr, 4) > 0) {
		snprintf(err, errlen, "'%s': the first address is above the last", value);
		return -EINVAL;
	}
	return 0;
}

static void config_clear_list(void *base, const struct config_key *key)
{
	struct config_strlist *list = FIELD(base, key, struct config_strlist *);

	for (unsigned i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int config_set_value(void *base, const struct config_key *key, const char *value, bool continuation,
		     char *err, size_t errlen)
{
	if (continuation && key->type != CT_STRING && key->type != CT_LIST &&
	    key->type != CT_PORTALS && key->type != CT_IPV4_LIST) {
		snprintf(err, errlen,
			 "this key takes one value: an indented line cannot continue it "
			 "(only text and lists can)");
		return -EINVAL;
	}
	switch (key->type) {
	case CT_STRING:
		return config_set_string(base, key, value, continuation, err, errlen);
	case CT_BOOL:
		return config_set_bool(FIELD(base, key, bool *), value, err, errlen);
	case CT_UINT:
	case CT_SIZE:
		return config_set_number(base, key, value, err, errlen);
	case CT_ENUM:
		return config_set_enum(base, key, value, err, errlen);
	case CT_LIST:
		if (!continuation)
			config_clear_list(base, key);
		return config_each_item(value, config_add_string_item, base, key, err, errlen);
	case CT_PORTALS:
	case CT_IPV4_LIST:
		if (!continuation)
			*FIELD2(base, key, unsigned *) = 0;
		return config_each_item(
		    value, key->type == CT_PORTALS ? config_add_portal : config_add_ipv4, base, key,
		    err, errlen);
	case CT_PORTAL:
		if ((key->flags & CK_ZERO_UNSET) && value[0] &&
		    strspn(value, "0123456789") == strlen(value)) { /* a bare PORT: on loopback */
			char at[32];
			snprintf(at, sizeof(at), "127.0.0.1:%.8s", value);
			return config_parse_portal(FIELD(base, key, struct config_portal *), at,
						   key->port, err, errlen);
		}
		if (*value == '\0' && (key->flags & CK_ZERO_UNSET)) {
			memset(FIELD(base, key, struct config_portal *), 0,
			       sizeof(struct config_portal));
			return 0;
		}
		return config_parse_portal(FIELD(base, key, struct config_portal *), value,
					   key->port, err, errlen);
	case CT_IPV4:
		if (*value == '\0') {
			FIELD(base, key, struct config_ipv4 *)->set = false;
			return 0;
		}
		return config_parse_ipv4(FIELD(base, key, struct config_ipv4 *), value, err,
					 errlen);
	case CT_IPV4_RANGE:
		return config_set_range(base, key, value, err, errlen);
	}
	return -EINVAL;
}

void config_apply_defaults(void *base, enum config_section_kind section)
{
	char err[256];

	for (unsigned i = 0; i < config_key_count; i++) {
		const struct config_key *key = &config_keys[i];
		if (key->section == section && key->def)
			config_set_value(base, key, key->def, false, err, sizeof(err));
	}
}

void config_free_section(void *base, enum config_section_kind section)
{
	for (unsigned i = 0; i < config_key_count; i++)
		if (config_keys[i].section == section && config_keys[i].type == CT_LIST)
			config_clear_list(base, &config_keys[i]);
}
