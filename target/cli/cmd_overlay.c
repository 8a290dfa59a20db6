/* cmd_overlay.c: `ringsan lun reset|promote|check`: the commands for overlay LUNs and their
 * images (lunfile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lunfile.h"
#include "common/size.h"
#include "target/cli/cli.h"

enum { OPT_AS = 256 };

struct ovl_args {
	const char *as;
	const char *description;
};

static int ovl_on_opt(int val, const char *arg, void *ctx)
{
	struct ovl_args *a = ctx;

	if (val == OPT_AS)
		a->as = arg;
	else if (val == 'd')
		a->description = arg;
	else
		return CLI_USAGE;
	return CLI_OK;
}

/* Options, exactly one OVERLAY, the config. */
static int ovl_start(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
		     struct ovl_args *a, int *first)
{
	int ret = cli_parse(cli, argc, argv, opts, ovl_on_opt, a, first);

	if (ret)
		return ret;
	if (argc - *first != 1)
		return cli_usage_error(cli, argc - *first ? "give one OVERLAY" : "missing OVERLAY");
	return cli_load(cli);
}

int cmd_lun_reset(struct cli *cli, int argc, char **argv)
{
	struct ovl_args a = {0};
	char err[1024], base[NAME_MAX_LEN + 1];
	struct lunfile lf;
	int first, ret = ovl_start(cli, argc, argv, NULL, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (lunfile_overlay_reset(cli->data_dir, argv[first], err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	base[0] = '\0';
	if (lunfile_open(cli->data_dir, argv[first], LUNFILE_NOLOCK, true, &lf, err, sizeof(err)) ==
	    0) {
		snprintf(base, sizeof(base), "%s", lunfile_overlay_base(&lf));
		lunfile_close(&lf);
	}
	printf("reset overlay '%s': its changes are gone; it reads image '%s'\n", argv[first],
	       base);
	cli_notify_daemon(cli);
	return CLI_OK;
}

int cmd_lun_promote(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"as", OPT_AS, true}, {"description", 'd', true}, {NULL}};
	struct ovl_args a = {0};
	char err[1024], old[NAME_MAX_LEN + 1];
	int first, ret = ovl_start(cli, argc, argv, opts, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (!a.as)
		return cli_usage_error(cli, "--as NEWIMAGE is required");
	if (lunfile_overlay_base_of(cli->data_dir, argv[first], old, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	ret = lunfile_promote(cli->data_dir, argv[first], a.as, a.description, cli_progress, NULL,
			      err, sizeof(err));
	cli_progress_end();
	if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("promoted overlay '%s' to image '%s' (from '%s' + its changes); '%s' now reads "
	       "'%s'\n",
	       argv[first], a.as, old, argv[first], a.as);
	char names[512];
	unsigned n = lunfile_overlay_holders(cli->data_dir, old, names, sizeof(names));
	if (n)
		printf("%u overlay%s of '%s' move to '%s' at their next reset: %s\n", n,
		       n == 1 ? "" : "s", old, a.as, names);
	else
		printf("image '%s' was removed: nothing refers to it any more\n", old);
	cli_notify_daemon(cli);
	return CLI_OK;
}

int cmd_lun_check(struct cli *cli, int argc, char **argv)
{
	struct ovl_args a = {0};
	struct lunfile_check r;
	char err[1024], held[SIZE_FORMAT_MAX], stray[SIZE_FORMAT_MAX];
	int first, ret = ovl_start(cli, argc, argv, NULL, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (lunfile_overlay_check(cli->data_dir, argv[first], &r, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("overlay '%s': map clean: %llu clusters of 64 KiB: %llu in the overlay (%s), %llu "
	       "zero (unmapped), %llu from the base\n",
	       argv[first], (unsigned long long)r.clusters, (unsigned long long)r.in_overlay,
	       size_format(r.in_overlay << 16, held), (unsigned long long)r.zero,
	       (unsigned long long)r.from_base);
	if (r.stray_bytes)
		printf("%s of data in disk.img is not in use (writes no flush acknowledged before "
		       "a crash, or a cut-short reset); it is never read and is overwritten by the "
		       "next write to its cluster\n",
		       size_format(r.stray_bytes, stray));
	return CLI_OK;
}
