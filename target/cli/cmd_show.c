/* cmd_show.c: `ringsan lun info|list`, `ringsan check-config` and `ringsan version`: the
 * commands that only look. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lunfile.h"
#include "common/lunid.h"
#include "common/size.h"
#include "common/uuid.h"
#include "target/block/blk_backend.h"
#include "target/cli/cli.h"
#include "target/obs/obs_render.h"

enum { OPT_JSON = 256, OPT_REFERENCE };

struct show_args {
	bool json;
	bool quiet;
	bool reference;
};

static int show_on_opt(int val, const char *arg, void *ctx)
{
	struct show_args *a = ctx;

	(void)arg;
	if (val == OPT_JSON)
		a->json = true;
	else if (val == 'q')
		a->quiet = true;
	else if (val == OPT_REFERENCE)
		a->reference = true;
	else
		return CLI_USAGE;
	return CLI_OK;
}

/* The state of a sanitize the target keeps beside the LUN (target/scsi/sanitize.c: "RSZ1", then
 * 1 running or 2 failed): "none", "running", "failed" or "unknown". */
static const char *sanitize_state(const struct lunfile *lf)
{
	char path[PATH_MAX + 32];
	unsigned char b[5];
	snprintf(path, sizeof(path), "%s/%s", lf->dir, LUNFILE_SANITIZE);
	FILE *f = fopen(path, "rb");
	if (!f)
		return "none";
	size_t n = fread(b, 1, sizeof(b), f);
	fclose(f);
	if (n == sizeof(b) && memcmp(b, "RSZ1", 4) == 0 && (b[4] == 1 || b[4] == 2))
		return b[4] == 1 ? "running" : "failed";
	return "unknown";
}

/* One LUN as a JSON object; with sessions >= -1 (lun list) also "sessions": the running target's
 * live count, null when it could not be asked. */
static void show_json(const struct cli *cli, const struct lunfile *lf, int sessions)
{
	struct lun_identity id;
	char uuid[UUID_TEXT_LEN];

	lunid_derive(lf->uuid, &id);
	printf("{\"name\": ");
	cli_json_string(stdout, lf->name);
	printf(", \"size\": %llu, \"allocated\": %llu, \"block_size\": %u, \"in_use\": %s, ",
	       (unsigned long long)lf->size, (unsigned long long)lunfile_allocated_bytes(lf),
	       lf->block_size, lunfile_in_use(lf) ? "true" : "false");
	printf("\"uuid\": \"%s\", \"serial\": \"%s\", \"naa\": \"%s\", \"target\": \"%s:%s\", ",
	       uuid_format(lf->uuid, uuid), id.serial, id.naa_text, cli->cfg.server.base_iqn,
	       lf->name);
	printf("\"sanitize\": \"%s\", \"base\": ", sanitize_state(lf));
	if (lunfile_is_overlay(lf))
		cli_json_string(stdout, lunfile_overlay_base(lf));
	else
		printf("null");
	printf(", \"backend\": ");
	if (lunfile_is_backend(lf))
		cli_json_string(stdout, lf->backend);
	else
		printf("null");
	printf(", ");
	printf("\"created\": %llu, \"path\": ", (unsigned long long)lf->created);
	cli_json_string(stdout, lf->path);
	printf(", \"description\": ");
	cli_json_string(stdout, lf->description);
	if (sessions >= 0)
		printf(", \"sessions\": %d", sessions);
	else if (sessions == -1)
		printf(", \"sessions\": null");
	printf("}");
}

int cmd_lun_info(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", OPT_JSON, false}, {NULL}};
	struct show_args a = {0};
	struct lun_identity id;
	struct lunfile lf;
	char err[1024], size[SIZE_FORMAT_MAX], used[SIZE_FORMAT_MAX], uuid[UUID_TEXT_LEN];
	int first, ret = cli_parse(cli, argc, argv, opts, show_on_opt, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (argc - first != 1)
		return cli_usage_error(cli, argc - first ? "give one NAME" : "missing NAME");
	if (cli_load(cli) != CLI_OK)
		return CLI_ERR;
	if (lunfile_open(cli->data_dir, argv[first], LUNFILE_NOLOCK, true, &lf, err, sizeof(err)) !=
	    0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (a.json) {
		show_json(cli, &lf, -2);
		putchar('\n');
		lunfile_close(&lf);
		return CLI_OK;
	}
	lunid_derive(lf.uuid, &id);
	printf("name:        %s\n", lf.name);
	printf("size:        %s (%llu bytes, %llu blocks)\n", size_format(lf.size, size),
	       (unsigned long long)lf.size, (unsigned long long)(lf.size / lf.block_size));
	printf("allocated:   %s (%llu bytes)\n", size_format(lunfile_allocated_bytes(&lf), used),
	       (unsigned long long)lunfile_allocated_bytes(&lf));
	printf("block size:  %u\n", lf.block_size);
	if (lunfile_is_backend(&lf)) {
		printf("backend:     %s (the data lives there; %s holds only the size and the "
		       "lock)\n",
		       lf.backend, LUNFILE_DISK);
	} else if (lunfile_is_overlay(&lf)) {
		printf("overlay of:  %s (reads what it never wrote from that image)\n",
		       lunfile_overlay_base(&lf));
	} else {
		char names[512];
		unsigned n = lunfile_overlay_holders(cli->data_dir, lf.name, names, sizeof(names));
		if (n)
			printf("image of:    %u overlay%s (%s): read-only while they refer to it\n",
			       n, n == 1 ? "" : "s", names);
	}
	printf("description: %s\n", lf.description);
	printf("uuid:        %s\n", uuid_format(lf.uuid, uuid));
	printf("serial:      %s\n", id.serial);
	printf("naa:         %s\n", id.naa_text);
	printf("target:      %s:%s\n", cli->cfg.server.base_iqn, lf.name);
	printf("path:        %s\n", lf.path);
	printf("in use:      %s\n", lunfile_in_use(&lf) ? "yes (locked by another process)" : "no");
	const char *san = sanitize_state(&lf);
	if (strcmp(san, "running") == 0)
		printf(
		    "sanitize:    running (media access answers NOT READY until it ends; a stopped "
		    "target resumes it at start)\n");
	else if (strcmp(san, "failed") == 0)
		printf("sanitize:    failed (media access fails until a SANITIZE succeeds, or EXIT "
		       "FAILURE MODE if it allowed that)\n");
	else if (strcmp(san, "unknown") == 0)
		printf("sanitize:    %s/%s does not parse\n", lf.dir, LUNFILE_SANITIZE);
	printf("config:      %s\n", config_find_lun(&cli->cfg, lf.name)
					? "has a [lun] section"
					: "defaults (no [lun] section)");
	lunfile_close(&lf);
	return CLI_OK;
}

struct list_row {
	char name[NAME_MAX_LEN + 1];
	char size[SIZE_FORMAT_MAX], used[SIZE_FORMAT_MAX];
	unsigned block_size;
	bool in_use;
	char description[LUNFILE_DESC_MAX + 1];
	char base[NAME_MAX_LEN + 1]; /* an overlay's image, else "" */
	int sessions;		     /* logged in now, -1 when the target did not say */
	bool shown;
};

struct list_state {
	const struct cli *cli;
	bool json;
	unsigned count;
	struct list_row *rows;
	struct obs_buf status; /* the running target's status JSON; empty when it is not running */
};

static int list_one(const struct lunfile *lf, void *arg)
{
	struct list_state *st = arg;
	struct list_row *rows, *r;

	int sessions =
	    st->status.len ? obs_status_lun_sessions(st->status.p, st->status.len, lf->name) : -1;
	if (st->json) {
		printf("%s\n  ", st->count++ ? "," : "");
		show_json(st->cli, lf, sessions);
		return 0;
	}
	rows = realloc(st->rows, (st->count + 1) * sizeof(*rows));
	if (!rows)
		return -1;
	st->rows = rows;
	r = &rows[st->count++];
	snprintf(r->name, sizeof(r->name), "%s", lf->name);
	size_format(lf->size, r->size);
	size_format(lunfile_allocated_bytes(lf), r->used);
	r->block_size = lf->block_size;
	r->in_use = lunfile_in_use(lf);
	if (lunfile_is_backend(lf))
		snprintf(r->description, sizeof(r->description), "[%.100s] %.150s", lf->backend,
			 lf->description);
	else
		snprintf(r->description, sizeof(r->description), "%s", lf->description);
	snprintf(r->base, sizeof(r->base), "%s", lunfile_overlay_base(lf));
	r->sessions = sessions;
	r->shown = false;
	return 0;
}

/* A LUN that cannot be opened is listed with the reason, so it does not just vanish. */
static void list_bad(const char *name, const char *why, void *arg)
{
	struct list_state *st = arg;
	struct list_row *rows = realloc(st->rows, (st->count + 1) * sizeof(*rows));

	if (!rows)
		return;
	st->rows = rows;
	struct list_row *r = &rows[st->count++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->size, sizeof(r->size), "?");
	snprintf(r->used, sizeof(r->used), "?");
	r->sessions = -1;
	snprintf(r->description, sizeof(r->description), "DAMAGED: %.200s", why);
}

static void list_row_print(struct list_row *r, const char *indent, int wn, int ws, int wu)
{
	char name[NAME_MAX_LEN + 16];

	char sess[16] = "-";
	snprintf(name, sizeof(name), "%s%s", indent, r->name);
	if (r->sessions >= 0)
		snprintf(sess, sizeof(sess), "%d", r->sessions);
	printf("%-*s  %*s  %*s  %5u  %-6s  %8s  %s\n", wn, name, ws, r->size, wu, r->used,
	       r->block_size, r->in_use ? "yes" : "no", sess, r->description);
	r->shown = true;
}

/* A tree: each image, then its overlays indented under it (USED: the bytes each holds). */
static void list_table(const struct list_state *st)
{
	int wn = 4, ws = 4, wu = 4;

	for (unsigned i = 0; i < st->count; i++) {
		const struct list_row *r = &st->rows[i];
		int n = (int)strlen(r->name) + (r->base[0] ? 4 : 0);
		wn = n > wn ? n : wn;
		ws = (int)strlen(r->size) > ws ? (int)strlen(r->size) : ws;
		wu = (int)strlen(r->used) > wu ? (int)strlen(r->used) : wu;
	}
	printf("%-*s  %*s  %*s  %5s  %-6s  %8s  %s\n", wn, "NAME", ws, "SIZE", wu, "USED", "BLOCK",
	       "IN-USE", "SESSIONS", "DESCRIPTION");
	for (unsigned i = 0; i < st->count; i++) {
		if (st->rows[i].base[0])
			continue;
		list_row_print(&st->rows[i], "", wn, ws, wu);
		for (unsigned k = 0; k < st->count; k++)
			if (strcmp(st->rows[k].base, st->rows[i].name) == 0)
				list_row_print(&st->rows[k], "  - ", wn, ws, wu);
	}
	for (unsigned i = 0; i < st->count; i++) /* overlays whose image is gone */
		if (!st->rows[i].shown) {
			list_row_print(&st->rows[i], "", wn, ws, wu);
			printf("%*s(its image '%s' is missing)\n", 2, "", st->rows[i].base);
		}
}

int cmd_lun_list(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", OPT_JSON, false}, {NULL}};
	struct show_args a = {0};
	struct list_state st = {.cli = cli};
	char err[1024];
	int first, ret = cli_parse(cli, argc, argv, opts, show_on_opt, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (argc > first)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first]);
	if (cli_load(cli) != CLI_OK)
		return CLI_ERR;
	st.json = a.json;
	/* Live session counts from the running target, when one answers (else "-" / null). */
	obs_buf_init(&st.status);
	if (cli_status_ask(cli, "status\n", &st.status, true) != CLI_OK)
		obs_buf_fini(&st.status);
	if (a.json)
		printf("[");
	ret = lunfile_list_report(cli->data_dir, list_one, a.json ? NULL : list_bad, &st, err,
				  sizeof(err));
	if (a.json)
		printf("%s]\n", st.count ? "\n" : "");
	else if (ret == 0 && st.count == 0)
		printf("no LUNs in %s (create one with: ringsan lun create NAME --size SIZE)\n",
		       cli->data_dir);
	else if (ret == 0)
		list_table(&st);
	free(st.rows);
	obs_buf_fini(&st.status);
	if (ret) {
		cli_error("%s", ret < 0 && err[0] ? err : "cannot list the LUNs");
		return CLI_ERR;
	}
	return CLI_OK;
}

int cmd_check_config(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"quiet", 'q', false}, {"reference", OPT_REFERENCE, false}, {NULL}};
	struct show_args a = {0};
	int first, ret = cli_parse(cli, argc, argv, opts, show_on_opt, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (argc > first)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first]);
	if (a.reference) {
		config_print_reference(stdout);
		return CLI_OK;
	}
	if (cli_load(cli) != CLI_OK)
		return CLI_ERR;
	if (!a.quiet)
		config_print(stdout, &cli->cfg);
	return CLI_OK;
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	int first, ret = cli_parse(cli, argc, argv, NULL, NULL, NULL, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (argc > first)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first]);
	printf("ringsan %s\n", RINGSAN_VERSION);
	printf("backends: file%s%s\n", blk_backend_kinds()[0] ? " " : "", blk_backend_kinds());
	return CLI_OK;
}
