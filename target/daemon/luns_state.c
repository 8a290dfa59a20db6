/* luns_state.c: see luns_state.h. */
#include "target/daemon/luns_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/log.h"
#include "target/daemon/luns_bg.h"

/* DIR/name gets len bytes atomically: a temp file, fsync, rename, fsync of the directory; a
 * crash leaves the old content or the new. len 0 removes the file. 0 or -errno. */
int luns_state_save(const struct lun_entry *e, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", e->lf.dir, name);
	return len ? atomicfile_write(path, buf, len, 0600) : atomicfile_remove(path);
}

/* APTPL (SPC-4 5.9.5): the reservation state replaces DIR/pr.state atomically. */
int luns_state_save_pr(void *ctx, const void *buf, size_t len)
{
	struct lun_entry *e = ctx;
	int ret = luns_state_save(e, LUNS_PR_FILE, buf, len);
	if (ret < 0)
		log_err("LUN %s: cannot save its persistent reservations in %s: %s", e->lf.name,
			e->lf.dir, strerror(-ret));
	return ret;
}

/* A sanitize running or failed (scsi.h save_bg), so that a restart resumes it. */
int luns_state_save_bg(void *ctx, const void *buf, size_t len)
{
	struct lun_entry *e = ctx;
	int ret = luns_state_save(e, LUNS_BG_FILE, buf, len);
	if (ret < 0)
		log_err("LUN %s: cannot %s %s/%s: %s", e->lf.name, len ? "save" : "remove",
			e->lf.dir, LUNS_BG_FILE, strerror(-ret));
	return ret;
}

/* DIR/name into buf (at most cap bytes; a longer file is cut there and then fails to parse) and
 * its path into path: the length, -1 when there is none, -2 when it cannot be read. */
ssize_t luns_state_read(const struct lun_entry *e, const char *name, uint8_t *buf, size_t cap,
			char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", e->lf.dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1; /* none saved */
	ssize_t n = read(fd, buf, cap);
	close(fd);
	return n < 0 ? -2 : n;
}

void luns_state_restore_pr(struct lun_entry *e)
{
	char path[PATH_MAX + 16];
	uint8_t buf[65536];
	ssize_t n = luns_state_read(e, LUNS_PR_FILE, buf, sizeof(buf), path, sizeof(path));

	if (n == -1)
		return;
	if (n < 0 || pr_restore(e->lu, buf, (size_t)n) < 0)
		log_warn("LUN %s: %s does not parse; starting without persistent reservations",
			 e->lf.name, path);
	else if (n > 0)
		log_info("LUN %s: persistent reservations restored from %s", e->lf.name, path);
}

/* A sanitize that was running when the target stopped starts again; one that failed leaves the
 * LU in sanitize failure mode. Caller holds the table's lock; e is in the table. */
void luns_state_restore_bg(struct lun_entry *e)
{
	char path[PATH_MAX + 16];
	uint8_t buf[8192];
	ssize_t n = luns_state_read(e, LUNS_BG_FILE, buf, sizeof(buf), path, sizeof(path));

	if (n == -1)
		return;
	int r = n < 0 ? -EIO : sanitize_restore(e->lu, buf, (size_t)n);
	if (r < 0) {
		log_err("LUN %s: %s does not parse; remove it if no sanitize should be running",
			e->lf.name, path);
	} else if (r == 0 && n > 0) {
		log_warn("LUN %s: its last sanitize failed: media access fails until a SANITIZE "
			 "succeeds (or EXIT FAILURE MODE, if it allowed that)",
			 e->lf.name);
	} else if (r == 1) {
		log_notice("LUN %s: a sanitize was running when the target stopped: starting it "
			   "again",
			   e->lf.name);
		if (luns_bg_start_locked(e) <
		    0) /* the LU stays in progress: a restart tries again */
			log_err("LUN %s: cannot start its sanitize; restart the target to retry",
				e->lf.name);
	}
}
