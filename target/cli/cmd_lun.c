/* cmd_lun.c: `ringsan lun create|resize|rm|clone`: the commands that change LUNs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lunfile.h"
#include "common/name.h"
#include "common/size.h"
#include "target/block/blk_backend.h"
#include "target/cli/cli.h"

enum { OPT_SHRINK = 256, OPT_JSON, OPT_BASE, OPT_BACKEND };

struct lun_args {
	struct cli *cli;
	const char *size;
	const char *description;
	const char *block_size;
	const char *base;
	const char *backend;
	bool shrink;
	bool yes;
};

static int lun_on_opt(int val, const char *arg, void *ctx)
{
	struct lun_args *a = ctx;

	switch (val) {
	case 's':
		a->size = arg;
		break;
	case 'd':
		a->description = arg;
		break;
	case 'b':
		a->block_size = arg;
		break;
	case 'y':
		a->yes = true;
		break;
	case OPT_SHRINK:
		a->shrink = true;
		break;
	case OPT_BASE:
		a->base = arg;
		break;
	case OPT_BACKEND:
		a->backend = arg;
		break;
	default:
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Parses options, checks the number of positional arguments, loads the config. */
static int lun_start(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
		     struct lun_args *a, int nargs, int *first)
{
	int ret = cli_parse(cli, argc, argv, opts, lun_on_opt, a, first);

	if (ret)
		return ret;
	if (argc - *first < nargs)
		return cli_usage_error(cli, "%s",
				       nargs == 1 ? "missing NAME" : "needs SRC and DST");
	if (argc - *first > nargs)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[*first + nargs]);
	return cli_load(cli);
}

/* lun create NAME --base IMAGE: an overlay, instant; its size and block size are the image's. */
static int lun_create_overlay(struct cli *cli, const char *name, const struct lun_args *a)
{
	char err[1024], text[SIZE_FORMAT_MAX];
	struct lunfile lf;

	if (a->size || a->block_size)
		return cli_usage_error(cli, "an overlay has its base's size and block size: drop "
					    "--size and --block-size");
	if (lunfile_overlay_create(cli->data_dir, name, a->base, a->description, err,
				   sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (lunfile_open(cli->data_dir, name, LUNFILE_NOLOCK, true, &lf, err, sizeof(err)) == 0) {
		printf("created overlay '%s' of image '%s': %s, %u-byte blocks, in %s/%s\n", name,
		       a->base, size_format(lf.size, text), lf.block_size, cli->data_dir, name);
		lunfile_close(&lf);
	}
	printf("target name: %s:%s\n", cli->cfg.server.base_iqn, name);
	cli_notify_daemon(cli);
	return CLI_OK;
}

/* "nbd://..." and "nbd+unix://..." name NBD by their scheme; everything else keeps its KIND:. */
static void backend_spec(const char *arg, char *out, size_t len)
{
	if (strncmp(arg, "nbd://", 6) == 0 || strncmp(arg, "nbd+unix://", 11) == 0 ||
	    strncmp(arg, "nbds://", 7) == 0 || strncmp(arg, "nbds+unix://", 12) == 0)
		snprintf(out, len, "nbd:%s", arg);
	else
		snprintf(out, len, "%s", arg);
}

/* lun create NAME --backend SPEC: the storage must answer now; its size is the default. */
static int lun_create_backend(struct cli *cli, const char *name, const struct lun_args *a,
			      uint64_t size, uint32_t block_size)
{
	char spec[LUNFILE_BACKEND_MAX + 16], err[1024], text[SIZE_FORMAT_MAX];
	struct blk_backend_info info;

	backend_spec(a->backend, spec, sizeof(spec));
	blk_backend_set_ceph(cli->cfg.server.ceph_conf, cli->cfg.server.ceph_user,
			     cli->cfg.server.ceph_keyring, cli->cfg.server.ceph_op_timeout);
	if (lunfile_backend_check(spec, err, sizeof(err)) != 0 ||
	    blk_backend_prepare(spec, size, true, &info, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (!size)
		size = info.size / block_size * block_size;
	if (size > info.size || !size) {
		cli_error("%s holds %s (%llu bytes): %s", spec, size_format(info.size, text),
			  (unsigned long long)info.size,
			  size ? "give a --size that fits, or grow it first"
			       : "less than one block");
		return CLI_ERR;
	}
	if (lunfile_create_backend(cli->data_dir, name, size, block_size, a->description, spec, err,
				   sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("created LUN '%s' on %s: %s, %u-byte blocks%s\n", name, spec,
	       size_format(size, text), block_size,
	       info.read_only ? " (the export is read-only)" : "");
	printf("target name: %s:%s\n", cli->cfg.server.base_iqn, name);
	cli_notify_daemon(cli);
	return CLI_OK;
}

int cmd_lun_create(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"size", 's', true},      {"block-size", 'b', true},      {"description", 'd', true},
	    {"base", OPT_BASE, true}, {"backend", OPT_BACKEND, true}, {NULL}};
	struct lun_args a = {.cli = cli};
	char err[1024], text[SIZE_FORMAT_MAX];
	uint64_t size;
	uint32_t block_size = 512;
	int first, ret = lun_start(cli, argc, argv, opts, &a, 1, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (a.base && a.backend)
		return cli_usage_error(cli, "--base and --backend do not go together");
	if (a.base)
		return lun_create_overlay(cli, argv[first], &a);
	if (!a.size && !a.backend)
		return cli_usage_error(cli, "--size is required");
	size = 0;
	if (a.size && size_parse(a.size, &size, err, sizeof(err)) != 0) {
		cli_error("--size: %s", err);
		return CLI_ERR;
	}
	if (a.block_size) {
		if (strcmp(a.block_size, "512") != 0 && strcmp(a.block_size, "4096") != 0) {
			cli_error("--block-size %s: use 512 or 4096", a.block_size);
			return CLI_ERR;
		}
		block_size = (uint32_t)atoi(a.block_size);
	}
	if (a.backend)
		return lun_create_backend(cli, argv[first], &a, size, block_size);
	ret = lunfile_create(cli->data_dir, argv[first], size, block_size, a.description, err,
			     sizeof(err));
	if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("created LUN '%s': %s, %u-byte blocks, in %s/%s\n", argv[first],
	       size_format(size, text), block_size, cli->data_dir, argv[first]);
	printf("target name: %s:%s\n", cli->cfg.server.base_iqn, argv[first]);
	cli_notify_daemon(cli);
	return CLI_OK;
}

/* "SIZE", "+DELTA" or "-DELTA" against the current size. */
static int lun_new_size(const char *text, uint64_t current, uint64_t *out)
{
	char err[512];
	uint64_t v;
	int sign = text[0] == '+' ? 1 : text[0] == '-' ? -1 : 0;

	if (size_parse(text + (sign ? 1 : 0), &v, err, sizeof(err)) != 0) {
		cli_error("--size: %s (or +SIZE / -SIZE to grow / shrink by that much)", err);
		return CLI_ERR;
	}
	if ((sign > 0 && v > UINT64_MAX - current) || (sign < 0 && v >= current)) {
		cli_error("--size %s: the result would be %s", text,
			  sign > 0 ? "too large" : "zero or less");
		return CLI_ERR;
	}
	*out = sign > 0 ? current + v : sign < 0 ? current - v : v;
	return CLI_OK;
}

/* A LUN on other storage: an RBD image grows with it; an NBD export must be big enough. */
static int lun_backend_fits(struct cli *cli, const struct lunfile *lf, uint64_t size)
{
	struct blk_backend_info info;
	char err[1024];

	blk_backend_set_ceph(cli->cfg.server.ceph_conf, cli->cfg.server.ceph_user,
			     cli->cfg.server.ceph_keyring, cli->cfg.server.ceph_op_timeout);
	if (blk_backend_prepare(lf->backend, size, false, &info, err, sizeof(err)) != 0) {
		cli_error("LUN '%s': %s", lf->name, err);
		return CLI_ERR;
	}
	return CLI_OK;
}

int cmd_lun_resize(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"size", 's', true}, {"shrink", OPT_SHRINK, false}, {NULL}};
	struct lun_args a = {.cli = cli};
	char err[1024], from[SIZE_FORMAT_MAX], to[SIZE_FORMAT_MAX];
	struct lunfile lf;
	uint64_t old, size;
	int first, ret = lun_start(cli, argc, argv, opts, &a, 1, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (!a.size)
		return cli_usage_error(cli, "--size is required");
	if (lunfile_open(cli->data_dir, argv[first], LUNFILE_EXCLUSIVE, false, &lf, err,
			 sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	old = lf.size;
	ret = lun_new_size(a.size, old, &size);
	if (ret == CLI_OK && size != old && lunfile_is_backend(&lf))
		ret = lun_backend_fits(cli, &lf, size);
	if (ret == CLI_OK && size == old) {
		printf("LUN '%s' is already %s\n", lf.name, size_format(size, to));
	} else if (ret == CLI_OK && lunfile_resize(&lf, size, a.shrink, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		ret = CLI_ERR;
	} else if (ret == CLI_OK) {
		printf("resized LUN '%s': %s -> %s\n", lf.name, size_format(old, from),
		       size_format(size, to));
	}
	lunfile_close(&lf);
	if (ret == CLI_OK && size != old)
		cli_notify_daemon(cli);
	return ret;
}

static bool lun_confirm(const struct lunfile *lf)
{
	char used[SIZE_FORMAT_MAX], size[SIZE_FORMAT_MAX], answer[16];

	if (lunfile_is_backend(lf))
		fprintf(stderr, "remove LUN '%s' (%s on %s; the data there is kept)? [y/N] ",
			lf->name, size_format(lf->size, size), lf->backend);
	else
		fprintf(stderr, "remove LUN '%s' (%s, %s used) and all its data? [y/N] ", lf->name,
			size_format(lf->size, size),
			size_format(lunfile_allocated_bytes(lf), used));
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

int cmd_lun_rm(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"yes", 'y', false}, {NULL}};
	struct lun_args a = {.cli = cli};
	struct lunfile lf;
	char err[1024];
	int first, ret = lun_start(cli, argc, argv, opts, &a, 1, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	ret = lunfile_open(cli->data_dir, argv[first], LUNFILE_NOLOCK, true, &lf, err, sizeof(err));
	if (ret == -EBADMSG) { /* damaged: still removable, with --yes */
		if (!a.yes) {
			cli_error("%s; to remove it anyway: ringsan lun rm %s --yes", err,
				  argv[first]);
			return CLI_ERR;
		}
	} else if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (!a.yes && !isatty(STDIN_FILENO)) {
		lunfile_close(&lf);
		cli_error("not removing LUN '%s': stdin is not a terminal to ask on; add --yes",
			  argv[first]);
		return CLI_ERR;
	}
	bool go = a.yes || lun_confirm(&lf);
	lunfile_close(&lf);
	if (!go) {
		printf("LUN '%s' kept\n", argv[first]);
		return CLI_ERR;
	}
	if (lunfile_remove(cli->data_dir, argv[first], err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("removed LUN '%s'\n", argv[first]);
	cli_notify_daemon(cli);
	return CLI_OK;
}

/* lun clone SRC DST of an RBD LUN: DST's image is an RBD clone of SRC's at snapshot
 * "ringsan-clone-DST", in the same pool, named DST. src is open with its exclusive lock. */
static int lun_clone_rbd(struct cli *cli, const struct lunfile *src, const char *dst,
			 const char *description)
{
	char spec[LUNFILE_BACKEND_MAX + 1], snap[NAME_MAX_LEN + 16], err[1024];
	char text[SIZE_FORMAT_MAX];

	if (name_check_lun(dst, err, sizeof(err)) != 0 ||
	    (description && lunfile_check_description(description, err, sizeof(err)) != 0)) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	char path[PATH_MAX + NAME_MAX_LEN + 2];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", cli->data_dir, dst);
	if (lstat(path, &st) == 0) {
		cli_error("LUN '%s' exists already: pick another name", dst);
		return CLI_ERR;
	}
	snprintf(snap, sizeof(snap), "ringsan-clone-%s", dst);
	blk_backend_set_ceph(cli->cfg.server.ceph_conf, cli->cfg.server.ceph_user,
			     cli->cfg.server.ceph_keyring, cli->cfg.server.ceph_op_timeout);
	if (blk_backend_clone(src->backend, snap, dst, spec, sizeof(spec), err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (lunfile_create_backend(cli->data_dir, dst, src->size, src->block_size,
				   description ? description : src->description, spec, err,
				   sizeof(err)) != 0) {
		cli_error("%s (the image %s was made: lun create %s --backend %s takes it)", err,
			  spec + 4, dst, spec);
		return CLI_ERR;
	}
	printf("cloned LUN '%s' to '%s' on %s: %s, an RBD clone of %s@%s (shares its data until "
	       "written)\n",
	       src->name, dst, spec, size_format(src->size, text), src->backend + 4, snap);
	cli_notify_daemon(cli);
	return CLI_OK;
}

int cmd_lun_clone(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"description", 'd', true}, {NULL}};
	struct lun_args a = {.cli = cli};
	char err[1024];
	bool reflinked = false;
	int first, ret = lun_start(cli, argc, argv, opts, &a, 2, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	struct lunfile src;
	if (lunfile_open(cli->data_dir, argv[first], LUNFILE_EXCLUSIVE, false, &src, err,
			 sizeof(err)) == 0) {
		bool rbd = strncmp(src.backend, "rbd:", 4) == 0;
		ret = rbd ? lun_clone_rbd(cli, &src, argv[first + 1], a.description) : CLI_OK;
		lunfile_close(&src);
		if (rbd)
			return ret;
	}
	ret = lunfile_clone(cli->data_dir, argv[first], argv[first + 1], a.description,
			    cli_progress, NULL, &reflinked, err, sizeof(err));
	cli_progress_end();
	if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("cloned LUN '%s' to '%s' (%s)\n", argv[first], argv[first + 1],
	       reflinked ? "reflink: blocks shared until written" : "data copied, holes kept");
	cli_notify_daemon(cli);
	return CLI_OK;
}
