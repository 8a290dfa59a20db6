/* cmd_image.c: `ringsan lun import|export`: LUNs from and to VM images (raw, qcow2, vmdk, vhdx,
 * vdi). qemu-img (Debian's qemu-utils) decodes and encodes the formats; this file checks the
 * input, runs it and keeps the data directory atomic: an import fills the new LUN's disk.img in
 * its temporary directory (lunfile_create_filled), an export writes a temporary file next to
 * the destination and renames it into place. Either way a failure leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/imginfo.h"
#include "common/lunfile.h"
#include "common/size.h"
#include "target/cli/cli.h"

extern char **environ;

#define QIMG_OUT_MAX (256u << 10) /* bytes of qemu-img output kept */

struct image_args {
	const char *format;
	const char *block_size;
	const char *description;
};

/* One qemu-img run: stdout kept (JSON) or read for progress, the first error line kept. */
struct qimg_run {
	char *out;
	size_t out_len;
	char err[512];
	uint64_t total; /* > 0: stdout is -p progress of this many bytes */
};

static int image_on_opt(int val, const char *arg, void *ctx)
{
	struct image_args *a = ctx;

	switch (val) {
	case 'f':
		a->format = arg;
		break;
	case 'b':
		a->block_size = arg;
		break;
	case 'd':
		a->description = arg;
		break;
	default:
		return CLI_USAGE;
	}
	return CLI_OK;
}

static void qimg_take(struct qimg_run *r, int fd, bool is_err, bool *open)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	double pct;

	if (n <= 0) {
		*open = false;
		return;
	}
	if (is_err) {
		size_t used = strlen(r->err);
		if (memchr(r->err, '\n', used)) /* the first line is enough */
			return;
		snprintf(r->err + used, sizeof(r->err) - used, "%.*s", (int)n, buf);
	} else if (r->total) {
		if (imginfo_progress_parse(buf, (size_t)n, &pct) == 0)
			cli_progress((uint64_t)((double)r->total * pct / 100), r->total, NULL);
	} else if (r->out_len + (size_t)n < QIMG_OUT_MAX) {
		memcpy(r->out + r->out_len, buf, (size_t)n);
		r->out_len += (size_t)n;
	}
}

/* "qemu-img: Could not open 'x': Image is not in qcow2 format\n" -> the text after the
 * program name, on one line. */
static const char *qimg_reason(struct qimg_run *r)
{
	char *s = r->err;

	r->err[strcspn(r->err, "\n")] = '\0';
	if (strncmp(s, "qemu-img: ", 10) == 0)
		s += 10;
	return s[0] ? s : "qemu-img failed without a message";
}

/* Runs qemu-img with argv (argv[0] is "qemu-img"). Ctrl-C reaches qemu-img, whose failure
 * the caller then cleans up after: this process ignores SIGINT/SIGTERM meanwhile. Returns 0,
 * qemu-img's exit status when it failed (r->err says why; 128 when killed by a signal), or
 * -errno when it could not be started. */
static int qimg_exec(char *const argv[], struct qimg_run *r)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, status = 0, ret;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dflt;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	ret = -posix_spawnp(&pid, "qemu-img", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(out[1]);
	close(err[1]);
	if (ret == 0) {
		struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
		bool open_out = true, open_err = true;
		while (open_out || open_err) {
			p[0].fd = open_out ? out[0] : -1;
			p[1].fd = open_err ? err[0] : -1;
			if (poll(p, 2, -1) < 0 && errno != EINTR)
				break;
			if (open_out && p[0].revents)
				qimg_take(r, out[0], false, &open_out);
			if (open_err && p[1].revents)
				qimg_take(r, err[0], true, &open_err);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	close(out[0]);
	close(err[0]);
	return ret;
}

/* qemu-img info: 0 with *info, or CLI_ERR (printed). format NULL: qemu-img probes. */
static int image_info(const char *file, const char *format, struct imginfo *info)
{
	char *argv[] = {"qemu-img",   "info", "--output=json", "-f", (char *)format,
			(char *)file, NULL};
	struct qimg_run r = {.out = malloc(QIMG_OUT_MAX)};
	int ret;

	if (!format) {
		argv[3] = (char *)file;
		argv[4] = NULL;
	}
	ret = r.out ? qimg_exec(argv, &r) : -ENOMEM;
	if (ret == -ENOENT)
		cli_error("qemu-img is not installed: apt-get install qemu-utils");
	else if (ret < 0)
		cli_error("cannot run qemu-img: %s", strerror(-ret));
	else if (ret > 0)
		cli_error("%s is not a valid %s image: %s", file, format ? format : "disk",
			  qimg_reason(&r));
	else if (imginfo_parse(r.out, r.out_len, info) != 0)
		cli_error("cannot understand what qemu-img says about %s", file);
	free(r.out);
	return ret == 0 && info->format[0] ? CLI_OK : CLI_ERR;
}

/* qemu-img check (qcow2, vmdk, vhdx, vdi): a damaged image (a truncated copy reads as zeros
 * past its end) is refused instead of imported with holes where its data was. */
static int image_check(const char *file, const char *format)
{
	char *argv[] = {"qemu-img", "check", "-q", "-f", (char *)format, (char *)file, NULL};
	struct qimg_run r = {.out = malloc(QIMG_OUT_MAX)};
	int ret = r.out ? qimg_exec(argv, &r) : -ENOMEM;

	free(r.out);
	if (ret == 0 || ret == 3 || ret == 63) /* clean, leaked clusters only, no check */
		return CLI_OK;
	if (ret == 2)
		cli_error("%s is damaged: qemu-img check finds errors in it (repair a copy with "
			  "qemu-img check -r all)",
			  file);
	else if (ret < 0)
		cli_error("cannot run qemu-img: %s", strerror(-ret));
	else
		cli_error("%s is not a valid %s image: %s", file, format, qimg_reason(&r));
	return CLI_ERR;
}

/* The format to read FILE as: --format, else its extension, checked against what qemu-img
 * finds in it. CLI_OK with info filled (read as that format), or CLI_ERR (printed). */
static int image_settle_format(const char *file, const char *given, struct imginfo *info)
{
	const char *by_name = imginfo_format_of_name(file), *want = given ? given : by_name;
	struct imginfo probed;

	if (given && by_name && strcmp(given, by_name) != 0) {
		cli_error(
		    "%s: the name says %s but --format is %s; rename the file or fix --format",
		    file, by_name, given);
		return CLI_ERR;
	}
	if (image_info(file, NULL, &probed) != CLI_OK)
		return CLI_ERR;
	if (!want && strcmp(probed.format, "raw") == 0) {
		cli_error("%s: no image format found in it; if it is a raw disk, give --format raw",
			  file);
		return CLI_ERR;
	}
	want = want ? want : probed.format;
	if (!imginfo_format_supported(want)) {
		cli_error("%s is a %s image: ringsan imports raw, qcow2, vmdk, vhdx and vdi", file,
			  want);
		return CLI_ERR;
	}
	if (strcmp(probed.format, "raw") != 0 && strcmp(probed.format, want) != 0) {
		cli_error("%s is a %s image, not %s: %s", file, probed.format, want,
			  given ? "fix --format" : "rename it or give --format");
		return CLI_ERR;
	}
	if (strcmp(want, "raw") != 0 && strcmp(probed.format, "raw") == 0) {
		cli_error("%s is not a valid %s image: no %s header in it", file, want, want);
		return CLI_ERR;
	}
	if (strcmp(want, "raw") != 0 && image_check(file, want) != CLI_OK)
		return CLI_ERR;
	return image_info(file, want, info);
}

/* "driver=raw,file.driver=file,file.filename=PATH,file.locking=off" with ',' in PATH doubled
 * (qemu's option syntax). Locking is off because we hold the file's lock ourselves. */
static void image_target_opts(char *buf, size_t cap, const char *path)
{
	size_t n = (size_t)snprintf(buf, cap, "driver=raw,file.driver=file,file.filename=");

	for (const char *s = path; *s && n + 3 < cap; s++) {
		buf[n++] = *s;
		if (*s == ',')
			buf[n++] = ',';
	}
	snprintf(buf + n, cap - n, ",file.locking=off");
}

struct import_job {
	const char *file;
	const char *data_dir;
	struct imginfo *info;
	uint64_t size;
};

static int image_fill(const char *disk_path, int disk_fd, void *arg, char *err, size_t errlen)
{
	struct import_job *j = arg;
	char opts[PATH_MAX * 2 + 96];
	char *argv[] = {"qemu-img",
			"convert",
			"-p",
			"-n",
			"--target-is-zero",
			"-f",
			j->info->format,
			"--target-image-opts",
			(char *)j->file,
			opts,
			NULL};
	struct qimg_run r = {.total = j->size};
	struct stat st;
	int ret;

	image_target_opts(opts, sizeof(opts), disk_path);
	ret = qimg_exec(argv, &r);
	cli_progress_end();
	if (ret < 0) {
		snprintf(err, errlen, "cannot run qemu-img: %s", strerror(-ret));
		return ret;
	}
	if (ret > 0) {
		const char *why = qimg_reason(&r);
		if (strstr(why, "No space left"))
			snprintf(err, errlen, "cannot import %s: no space left in %s", j->file,
				 j->data_dir);
		else
			snprintf(err, errlen, "cannot import %s: %s", j->file, why);
		return strstr(why, "No space left") ? -ENOSPC : -EIO;
	}
	if (fstat(disk_fd, &st) != 0 || (uint64_t)st.st_size != j->size) {
		snprintf(err, errlen, "cannot import %s: qemu-img changed the disk's size",
			 j->file);
		return -EIO;
	}
	return 0;
}

static int image_block_size(const char *text, uint32_t *out)
{
	if (!text)
		return CLI_OK;
	if (strcmp(text, "512") != 0 && strcmp(text, "4096") != 0) {
		cli_error("--block-size %s: use 512 or 4096", text);
		return CLI_ERR;
	}
	*out = (uint32_t)atoi(text);
	return CLI_OK;
}

static int image_start(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
		       struct image_args *a, int *first)
{
	int ret = cli_parse(cli, argc, argv, opts, image_on_opt, a, first);

	if (ret)
		return ret;
	if (argc - *first < 2)
		return cli_usage_error(cli, "needs NAME and FILE");
	if (argc - *first > 2)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[*first + 2]);
	if (a->format && !imginfo_format_supported(a->format))
		return cli_usage_error(cli, "--format %s: use raw, qcow2, vmdk, vhdx or vdi",
				       a->format);
	return cli_load(cli);
}

int cmd_lun_import(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"format", 'f', true}, {"block-size", 'b', true}, {"description", 'd', true}, {NULL}};
	struct image_args a = {0};
	struct imginfo info;
	struct import_job job = {.info = &info};
	uint32_t block_size = 512;
	char err[1024], vsize[SIZE_FORMAT_MAX], lsize[SIZE_FORMAT_MAX];
	int first, ret = image_start(cli, argc, argv, opts, &a, &first);
	struct stat st;

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (image_block_size(a.block_size, &block_size) != CLI_OK)
		return CLI_ERR;
	job.file = argv[first + 1];
	job.data_dir = cli->data_dir;
	if (stat(job.file, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error("%s: %s", job.file,
			  errno == ENOENT ? "no such file" : "not a regular file");
		return CLI_ERR;
	}
	if (image_settle_format(job.file, a.format, &info) != CLI_OK)
		return CLI_ERR;
	if (info.has_backing || info.corrupt || info.virtual_size == 0) {
		cli_error("%s: %s", job.file,
			  info.corrupt ? "qemu-img marks this image corrupt (qemu-img check -r all)"
			  : info.has_backing
			      ? "it has a backing file; import a standalone image (qemu-img "
				"convert -O qcow2 FILE whole.qcow2)"
			      : "the image's disk size is 0");
		return CLI_ERR;
	}
	job.size = (info.virtual_size + block_size - 1) / block_size * block_size;
	ret = lunfile_create_filled(cli->data_dir, argv[first], job.size, block_size, a.description,
				    image_fill, &job, err, sizeof(err));
	if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	printf("imported %s (%s, %s) as LUN '%s' in %s/%s\n", job.file, info.format,
	       size_format(info.virtual_size, vsize), argv[first], cli->data_dir, argv[first]);
	if (job.size != info.virtual_size)
		printf("size rounded up from %llu to %llu bytes (%s), a multiple of the %u-byte "
		       "block size\n",
		       (unsigned long long)info.virtual_size, (unsigned long long)job.size,
		       size_format(job.size, lsize), block_size);
	printf("target name: %s:%s\n", cli->cfg.server.base_iqn, argv[first]);
	cli_notify_daemon(cli);
	return CLI_OK;
}

/* Writes the LUN into tmp as format, fsyncs it. 0 or CLI_ERR (printed). */
static int export_write(const struct lunfile *lf, const char *format, const char *tmp,
			const char *file)
{
	char opts[PATH_MAX * 2 + 96];
	char *argv[] = {"qemu-img",	"convert",   "-p", "--image-opts", opts, "-O",
			(char *)format, (char *)tmp, NULL};
	struct qimg_run r = {.total = lf->size};
	int ret, fd;

	image_target_opts(opts, sizeof(opts), lf->path); /* we hold the LUN's lock */
	ret = qimg_exec(argv, &r);

	cli_progress_end();
	if (ret == -ENOENT)
		cli_error("qemu-img is not installed: apt-get install qemu-utils");
	else if (ret < 0)
		cli_error("cannot run qemu-img: %s", strerror(-ret));
	else if (ret > 0)
		cli_error("cannot export LUN '%s' to %s: %s", lf->name, file,
			  strstr(qimg_reason(&r), "No space left") ? "no space left on its disk"
								   : qimg_reason(&r));
	if (ret)
		return CLI_ERR;
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		cli_error("cannot write %s: %s", file, strerror(errno));
		ret = CLI_ERR;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* FILE's directory, for the temporary file and the fsync after the rename. */
static void export_dir(const char *file, char *dir, size_t cap)
{
	const char *slash = strrchr(file, '/');

	if (!slash)
		snprintf(dir, cap, ".");
	else
		snprintf(dir, cap, "%.*s", slash == file ? 1 : (int)(slash - file), file);
}

static int export_commit(const char *tmp, const char *file)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, file, RENAME_NOREPLACE) != 0) {
		cli_error("cannot create %s: %s", file,
			  errno == EEXIST ? "it exists now; remove it or choose another name"
					  : strerror(errno));
		return CLI_ERR;
	}
	atomicfile_fsync_parent(file);
	return CLI_OK;
}

int cmd_lun_export(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"format", 'f', true}, {NULL}};
	struct image_args a = {0};
	struct lunfile lf;
	char err[1024], dir[PATH_MAX], tmp[PATH_MAX + 64], size[SIZE_FORMAT_MAX];
	int first, fd, ret = image_start(cli, argc, argv, opts, &a, &first);
	const char *file, *by_name;
	struct stat st;

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	file = argv[first + 1];
	by_name = imginfo_format_of_name(file);
	if (!a.format && !by_name)
		return cli_usage_error(cli,
				       "--format is needed: %s has no .raw, .img, .qcow2, "
				       ".vmdk, .vhdx or .vdi extension",
				       file);
	if (a.format && by_name && strcmp(a.format, by_name) != 0) {
		cli_error(
		    "%s: the name says %s but --format is %s; rename the file or fix --format",
		    file, by_name, a.format);
		return CLI_ERR;
	}
	if (lstat(file, &st) == 0) {
		cli_error("%s exists: remove it or choose another name", file);
		return CLI_ERR;
	}
	if (lunfile_open(cli->data_dir, argv[first], LUNFILE_EXCLUSIVE, false, &lf, err,
			 sizeof(err)) != 0) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (lunfile_is_backend(&lf)) {
		lunfile_backend_refuse(&lf, "export", err, sizeof(err));
		lunfile_close(&lf);
		cli_error("%s", err);
		return CLI_ERR;
	}
	export_dir(file, dir, sizeof(dir));
	snprintf(tmp, sizeof(tmp), "%s/.ringsan-export-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error("cannot write in %s: %s", dir, strerror(errno));
		lunfile_close(&lf);
		return CLI_ERR;
	}
	mode_t mask = umask(0); /* the mode a plain new file gets, not mkstemp's 0600 */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	close(fd);
	ret = export_write(&lf, a.format ? a.format : by_name, tmp, file);
	if (ret == CLI_OK)
		ret = export_commit(tmp, file);
	if (ret != CLI_OK)
		unlink(tmp);
	else
		printf("exported LUN '%s' (%s) to %s as %s\n", lf.name, size_format(lf.size, size),
		       file, a.format ? a.format : by_name);
	lunfile_close(&lf);
	return ret;
}
