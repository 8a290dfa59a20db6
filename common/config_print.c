/* config_print.c: the effective configuration and the key reference as text. */
#include "common/config_impl.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/ipv4.h"
#include "common/mac.h"
#include "common/wire.h"

#define FIELD(base, key, type)	((type)((const char *)(base) + (key)->offset))
#define FIELD2(base, key, type) ((type)((const char *)(base) + (key)->offset2))

static void config_print_ipv4(const struct config_ipv4 *a, FILE *out)
{
	char text[IPV4_TEXT_LEN];

	if (a->set)
		fputs(ipv4_format(get_be32(a->addr), text), out);
}

static void config_print_portal(const struct config_portal *p, FILE *out)
{
	fprintf(out, p->ipv6 ? "[%s]:%u" : "%s:%u", p->host, p->port);
}

static const char *config_enum_name(const struct config_enum *e, int value)
{
	for (; e->name; e++)
		if (e->value == value)
			return e->name;
	return "";
}

void config_format_value(const void *base, const struct config_key *key, FILE *out)
{
	int v;

	switch (key->type) {
	case CT_STRING:
		if ((key->flags & CK_SECRET) && FIELD(base, key, const char *)[0])
			fputs("(secret, not shown)", out);
		else
			fputs(FIELD(base, key, const char *), out);
		break;
	case CT_BOOL:
		fputs(*FIELD(base, key, const bool *) ? "yes" : "no", out);
		break;
	case CT_UINT:
	case CT_SIZE:
		fprintf(out, "%u", *FIELD(base, key, const uint32_t *));
		break;
	case CT_ENUM:
		memcpy(&v, FIELD(base, key, const int *), sizeof(v));
		fputs(config_enum_name(key->enums, v), out);
		break;
	case CT_LIST: {
		const struct config_strlist *l = FIELD(base, key, const struct config_strlist *);
		for (unsigned i = 0; i < l->count; i++)
			fprintf(out, "%s%s", i ? ", " : "", l->items[i]);
		break;
	}
	case CT_PORTALS:
		for (unsigned i = 0; i < *FIELD2(base, key, const unsigned *); i++) {
			fputs(i ? ", " : "", out);
			config_print_portal(&FIELD(base, key, const struct config_portal *)[i],
					    out);
		}
		break;
	case CT_PORTAL:
		config_print_portal(FIELD(base, key, const struct config_portal *), out);
		break;
	case CT_IPV4:
		config_print_ipv4(FIELD(base, key, const struct config_ipv4 *), out);
		break;
	case CT_IPV4_LIST:
		for (unsigned i = 0; i < *FIELD2(base, key, const unsigned *); i++) {
			fputs(i ? ", " : "", out);
			config_print_ipv4(&FIELD(base, key, const struct config_ipv4 *)[i], out);
		}
		break;
	case CT_IPV4_RANGE:
		if (!FIELD(base, key, const struct config_ipv4 *)->set)
			break;
		config_print_ipv4(FIELD(base, key, const struct config_ipv4 *), out);
		fputc('-', out);
		config_print_ipv4(FIELD2(base, key, const struct config_ipv4 *), out);
		break;
	}
}

bool config_value_empty(const void *base, const struct config_key *key)
{
	switch (key->type) {
	case CT_STRING:
		return FIELD(base, key, const char *)[0] == '\0';
	case CT_LIST:
		return FIELD(base, key, const struct config_strlist *)->count == 0;
	case CT_PORTALS:
	case CT_IPV4_LIST:
		return *FIELD2(base, key, const unsigned *) == 0;
	case CT_IPV4:
	case CT_IPV4_RANGE:
		return !FIELD(base, key, const struct config_ipv4 *)->set;
	case CT_PORTAL:
		return FIELD(base, key, const struct config_portal *)->port == 0;
	case CT_UINT:
	case CT_SIZE:
		return (key->flags & CK_ZERO_UNSET) && *FIELD(base, key, const uint32_t *) == 0;
	default:
		return false;
	}
}

/* all: print unset keys too, as comments naming their default. */
static void config_print_section(FILE *out, const void *base, enum config_section_kind kind,
				 bool all)
{
	for (unsigned i = 0; i < config_key_count; i++) {
		const struct config_key *key = &config_keys[i];
		if (key->section != kind)
			continue;
		if (config_value_empty(base, key)) {
			if (all)
				fprintf(out, "# %s = (not set%s%s)\n", key->name,
					key->def_doc ? ": " : "", key->def_doc ? key->def_doc : "");
			continue;
		}
		fprintf(out, "%s = ", key->name);
		config_format_value(base, key, out);
		fputc('\n', out);
	}
}

void config_print(FILE *out, const struct config *cfg)
{
	char mac[MAC_TEXT_LEN];

	fprintf(out, "# effective configuration from %s\n",
		cfg->filename[0] ? cfg->filename : "built-in defaults (no config file)");
	fputs("[server]\n", out);
	config_print_section(out, &cfg->server, CSEC_SERVER, true);
	fputs("\n[boot]\n", out);
	config_print_section(out, &cfg->boot, CSEC_BOOT, true);
	if (cfg->cluster.line) {
		fputs("\n[cluster]\n", out);
		config_print_section(out, &cfg->cluster, CSEC_CLUSTER, true);
	}
	for (unsigned i = 0; i < cfg->lun_count; i++) {
		fprintf(out, "\n[lun %s]\n", cfg->luns[i].name);
		config_print_section(out, &cfg->luns[i], CSEC_LUN, false);
	}
	for (unsigned i = 0; i < cfg->image_count; i++) {
		fprintf(out, "\n[image %s]\n", cfg->images[i].name);
		config_print_section(out, &cfg->images[i], CSEC_IMAGE, false);
	}
	for (unsigned i = 0; i < cfg->client_count; i++) {
		fprintf(out, "\n[client %s]\n", mac_format(cfg->clients[i].mac, mac));
		config_print_section(out, &cfg->clients[i], CSEC_CLIENT, false);
	}
	for (unsigned i = 0; i < cfg->fleet_count; i++) {
		fprintf(out, "\n[fleet %s]\n", cfg->fleets[i].name);
		config_print_section(out, &cfg->fleets[i], CSEC_FLEET, false);
	}
}

static const char *config_type_name(const struct config_key *key)
{
	static const char *const names[] = {
	    [CT_STRING] = "text",	  [CT_BOOL] = "boolean",	  [CT_UINT] = "number",
	    [CT_SIZE] = "size",		  [CT_ENUM] = "choice",		  [CT_LIST] = "list",
	    [CT_PORTALS] = "portals",	  [CT_PORTAL] = "ADDR:PORT",	  [CT_IPV4] = "IPv4",
	    [CT_IPV4_LIST] = "IPv4 list", [CT_IPV4_RANGE] = "IPv4 range",
	};
	if (key->check == config_check_path)
		return "path";
	if (key->flags & CK_SECRET)
		return "secret";
	return names[key->type];
}

void config_print_reference(FILE *out)
{
	for (unsigned i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		const char *def = k->def_doc ? k->def_doc : (k->def ? k->def : "");
		fprintf(out, "| `%s` | %s | %s%s%s | %s |\n", k->name, config_type_name(k),
			def[0] && !k->def_doc ? "`" : "", def, def[0] && !k->def_doc ? "`" : "",
			k->help);
		if (i + 1 < config_key_count && config_keys[i + 1].section != k->section)
			fputc('\n', out);
	}
}

const char *config_boot_action_name(enum boot_action action)
{
	static const char *const names[] = {"unset", "boot", "install", "menu"};
	return (unsigned)action < 4 ? names[action] : "?";
}

const char *config_fleet_reset_name(enum fleet_reset reset)
{
	return reset == FLEET_RESET_NEVER ? "never" : "boot";
}

const char *config_boot_mode_name(enum boot_mode mode)
{
	static const char *const names[] = {"proxy", "full", "off"};
	return (unsigned)mode < 3 ? names[mode] : "?";
}
