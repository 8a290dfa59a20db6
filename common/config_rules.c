/* config_rules.c: checks of single values that need more than a type (paths, names, URLs) and
 * the rules between keys that config_parse_buffer() applies after the whole file is read. */
#include "common/config_impl.h"

#include <errno.h>
#include <string.h>

#include "common/fleet.h"
#include "common/mac.h"

int config_check_path(const char *value, char *err, size_t errlen)
{
	if (value[0] == '/')
		return 0;
	snprintf(err, errlen, "'%s' is not an absolute path (start it with '/')", value);
	return -EINVAL;
}

static bool config_has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* A file the boot service serves: an http(s) URL, or a path relative to media_dir (or absolute
 * under it; config_check_rules() checks that part). */
int config_check_source(const char *value, char *err, size_t errlen)
{
	if (strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0)
		return strchr(value, ' ') ? (snprintf(err, errlen, "a URL has no spaces"), -EINVAL)
					  : 0;
	if (config_has_dotdot(value) || strpbrk(value, " \t")) {
		snprintf(err, errlen,
			 "'%s': use a path under media_dir (no '..', no spaces) or an http:// URL",
			 value);
		return -EINVAL;
	}
	return 0;
}

int config_check_initrd(const char *value, char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');

	if (eq && (eq == value || memchr(value, '/', (size_t)(eq - value)) || eq[1] == '\0')) {
		snprintf(err, errlen, "initrd '%s': use PATH or NAME=PATH (a NAME has no '/')",
			 value);
		return -EINVAL;
	}
	return config_check_source(eq ? eq + 1 : value, err, errlen);
}

int config_check_iqn(const char *value, char *err, size_t errlen)
{
	return name_check_iqn(value, err, errlen);
}

int config_check_lun_name(const char *value, char *err, size_t errlen)
{
	return name_check_lun(value, err, errlen);
}

int config_check_image_name(const char *value, char *err, size_t errlen)
{
	return name_check_image(value, err, errlen);
}

int config_check_user(const char *value, char *err, size_t errlen)
{
	for (const char *p = value; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || *p == '_' ||
			  (p > value && ((*p >= '0' && *p <= '9') || *p == '-'));
		if (!ok) {
			snprintf(err, errlen,
				 "'%s' is not a user name (lower-case letters, digits, "
				 "'_' and '-', not starting with a digit or '-')",
				 value);
			return -EINVAL;
		}
	}
	return 0;
}

int config_check_ifname(const char *value, char *err, size_t errlen)
{
	if (!strpbrk(value, "/: \t") && strcmp(value, ".") != 0 && strcmp(value, "..") != 0)
		return 0;
	snprintf(err, errlen, "'%s' is not an interface name", value);
	return -EINVAL;
}

int config_check_machine(const char *value, char *err, size_t errlen)
{
	uint8_t mac[6];

	if (strcmp(value, "*") == 0 || mac_parse(value, mac) == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff) or *", value);
	return -EINVAL;
}

int config_check_fleet_pattern(const char *value, char *err, size_t errlen)
{
	return fleet_check_pattern(value, err, errlen);
}

#define RULE_FAIL(...)                                                                             \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

static int config_check_lun_rules(const struct config *cfg, const struct config_lun *lun, char *err,
				  size_t errlen)
{
	const char *f = cfg->filename;
	unsigned l = lun->line;

	if (!lun->chap_user[0] != !lun->chap_secret[0])
		RULE_FAIL("%s:%u: [lun %s] chap_user and chap_secret go together: set both or "
			  "neither",
			  f, l, lun->name);
	if (!lun->mutual_chap_user[0] != !lun->mutual_chap_secret[0])
		RULE_FAIL(
		    "%s:%u: [lun %s] mutual_chap_user and mutual_chap_secret go together: set "
		    "both or neither",
		    f, l, lun->name);
	if (lun->mutual_chap_user[0] && !lun->chap_user[0])
		RULE_FAIL("%s:%u: [lun %s] mutual_chap_user: mutual CHAP needs one-way CHAP too "
			  "(set chap_user and chap_secret)",
			  f, l, lun->name);
	if (lun->mutual_chap_secret[0] && strcmp(lun->mutual_chap_secret, lun->chap_secret) == 0)
		RULE_FAIL("%s:%u: [lun %s] mutual_chap_secret: must differ from chap_secret (RFC "
			  "7143 12.1.3)",
			  f, l, lun->name);
	return 0;
}

static bool config_under_media(const struct config *cfg, const char *path)
{
	size_t n = strlen(cfg->boot.media_dir);

	if (path[0] != '/' || strncmp(path, "http", 4) == 0)
		return true;
	while (n > 0 && cfg->boot.media_dir[n - 1] == '/')
		n--;
	return n && strncmp(path, cfg->boot.media_dir, n) == 0 && path[n] == '/';
}

static int config_check_image_rules(const struct config *cfg, const struct config_image *img,
				    char *err, size_t errlen)
{
	const char *f = cfg->filename;
	unsigned l = img->line;

	if (!img->kernel[0] == !img->iso[0])
		RULE_FAIL(
		    "%s:%u: [image %s] set exactly one of kernel (with initrd and args) or iso", f,
		    l, img->name);
	if (img->iso[0] && (img->initrd.count || img->args[0]))
		RULE_FAIL("%s:%u: [image %s] initrd and args go with kernel, not with iso", f, l,
			  img->name);
	if (!config_under_media(cfg, img->kernel[0] ? img->kernel : img->iso))
		RULE_FAIL("%s:%u: [image %s] %s: an absolute path must be under [boot] media_dir "
			  "(%s)",
			  f, l, img->name, img->kernel[0] ? "kernel" : "iso",
			  cfg->boot.media_dir[0] ? cfg->boot.media_dir : "not set");
	if (img->preseed[0] && img->installer != IMAGE_INSTALLER_DEBIAN)
		RULE_FAIL("%s:%u: [image %s] preseed needs installer = debian", f, l, img->name);
	if (img->installer != IMAGE_INSTALLER_NONE && !img->kernel[0])
		RULE_FAIL(
		    "%s:%u: [image %s] installer = debian needs kernel (the installer's linux) "
		    "and initrd, not iso",
		    f, l, img->name);
	if (img->preseed[0] && !config_under_media(cfg, img->preseed))
		RULE_FAIL("%s:%u: [image %s] preseed: an absolute path must be under [boot] "
			  "media_dir (%s)",
			  f, l, img->name,
			  cfg->boot.media_dir[0] ? cfg->boot.media_dir : "not set");
	for (unsigned i = 0; i < img->initrd.count; i++) {
		const char *item = img->initrd.items[i], *eq = strchr(item, '=');
		const char *slash = strchr(item, '/');
		const char *path = eq && (!slash || eq < slash) ? eq + 1 : item; /* NAME=PATH */
		if (!config_under_media(cfg, path))
			RULE_FAIL("%s:%u: [image %s] initrd %s: an absolute path must be under "
				  "[boot] media_dir (%s)",
				  f, l, img->name, path,
				  cfg->boot.media_dir[0] ? cfg->boot.media_dir : "not set");
	}
	return 0;
}

/* One fleet: base and machines given, "*" alone, names that fit; no MAC in two fleets or in a
 * fleet and a [client] (which one would it boot?), at most one "*" fleet. */
static int config_check_fleet_rules(const struct config *cfg, unsigned idx, char *err,
				    size_t errlen)
{
	const struct config_fleet *fl = &cfg->fleets[idx];
	const char *f = cfg->filename;
	static const uint8_t widest[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	char name[NAME_MAX_LEN + 1], why[256];
	uint8_t mac[6];

	if (!fl->base[0] || !fl->machines.count)
		RULE_FAIL("%s:%u: [fleet %s] needs base (the golden LUN) and machines (MACs or *)",
			  f, fl->line, fl->name);
	if (fleet_lun_name(fl->lun_name, fl->name, widest, name, sizeof(name), why, sizeof(why)))
		RULE_FAIL("%s:%u: [fleet %s] lun_name: %s", f, fl->line, fl->name, why);
	if (fl->machines.count > 1)
		for (unsigned i = 0; i < fl->machines.count; i++)
			if (strcmp(fl->machines.items[i], "*") == 0)
				RULE_FAIL(
				    "%s:%u: [fleet %s] machines: * stands alone (it means every "
				    "machine without a [client] section)",
				    f, fl->line, fl->name);
	for (unsigned j = 0; j < idx; j++) {
		const struct config_fleet *o = &cfg->fleets[j];
		if (fleet_is_wildcard(fl) && fleet_is_wildcard(o))
			RULE_FAIL("%s:%u: [fleet %s] machines: only one fleet may take * (so has "
				  "[fleet %s])",
				  f, fl->line, fl->name, o->name);
		for (unsigned i = 0; i < fl->machines.count; i++)
			if (mac_parse(fl->machines.items[i], mac) == 0 && fleet_lists_mac(o, mac))
				RULE_FAIL("%s:%u: [fleet %s] machines: %s is in [fleet %s] too", f,
					  fl->line, fl->name, fl->machines.items[i], o->name);
	}
	for (unsigned i = 0; i < fl->machines.count; i++)
		if (mac_parse(fl->machines.items[i], mac) == 0 && config_find_client(cfg, mac))
			RULE_FAIL("%s:%u: [fleet %s] machines: %s has a [client] section too: "
				  "remove one of them",
				  f, fl->line, fl->name, fl->machines.items[i]);
	return 0;
}

int config_check_rules(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_server *s = &cfg->server;
	const char *f = cfg->filename;

	if (s->first_burst_length > s->max_burst_length)
		RULE_FAIL("%s:%u: [server] first_burst_length (%u) is above max_burst_length (%u)",
			  f, s->line, s->first_burst_length, s->max_burst_length);
	if (!s->discovery_chap_user[0] != !s->discovery_chap_secret[0])
		RULE_FAIL("%s:%u: [server] discovery_chap_user and discovery_chap_secret go "
			  "together: set both or neither",
			  f, s->line);
	if (cfg->boot.mode == BOOT_MODE_FULL && !cfg->boot.dhcp_first.set)
		RULE_FAIL("%s:%u: [boot] mode = full needs dhcp_range (the addresses to lease)", f,
			  cfg->boot.line);
	for (unsigned i = 0; i < cfg->lun_count; i++)
		if (config_check_lun_rules(cfg, &cfg->luns[i], err, errlen))
			return -EINVAL;
	for (unsigned i = 0; i < cfg->image_count; i++)
		if (config_check_image_rules(cfg, &cfg->images[i], err, errlen))
			return -EINVAL;
	for (unsigned i = 0; i < cfg->client_count; i++) {
		const struct config_client *c = &cfg->clients[i];
		char mac[MAC_TEXT_LEN];
		if (c->image[0] && !config_find_image(cfg, c->image))
			RULE_FAIL("%s:%u: [client %s] image: there is no [image %s] section", f,
				  c->line, mac_format(c->mac, mac), c->image);
	}
	if (cluster_config_check_rules(cfg, err, errlen))
		return -EINVAL;
	for (unsigned i = 0; i < cfg->fleet_count; i++)
		if (config_check_fleet_rules(cfg, i, err, errlen))
			return -EINVAL;
	return 0;
}
