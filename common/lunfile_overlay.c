/* lunfile_overlay.c: overlay LUNs on disk (see lunfile.h and ovlmap.h): create, reset, the
 * links between overlays and their bases, and the map check. */
#include "common/lunfile_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ovlmap.h"

#define SUCCESSOR_CHAIN_MAX 64 /* promotions followed by one reset, at most */

bool lunfile_is_overlay(const struct lunfile *lf)
{
	return lf->base[0] != '\0';
}

const char *lunfile_overlay_base(const struct lunfile *lf)
{
	return lf->base;
}

int lunfile_overlay_base_of(const char *data_dir, const char *name, char base[NAME_MAX_LEN + 1],
			    char *err, size_t errlen)
{
	struct ovlmap_header h;
	struct lunfile names;
	struct stat st;
	int ret = lunfile_paths(&names, data_dir, name, err, errlen);

	base[0] = '\0';
	if (ret)
		return ret;
	if (stat(names.path, &st) != 0) {
		snprintf(err, errlen, "no such LUN '%s' in %s (ringsan lun list shows the LUNs)",
			 name, data_dir);
		return -ENOENT;
	}
	ret = lunfile_map_header(names.dir, name, &h, err, errlen);
	if (ret == -ENOENT)
		return 0;
	if (!ret)
		memcpy(base, h.base, NAME_MAX_LEN + 1);
	return ret;
}

int lunfile_overlays_each(const char *data_dir, const char *base,
			  int (*fn)(const char *name, const char *base, void *arg), void *arg)
{
	char dir[PATH_MAX], err[512];
	struct ovlmap_header h;
	DIR *d = opendir(data_dir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (e = readdir(d))) {
		if (name_check_lun(e->d_name, err, sizeof(err)) != 0)
			continue;
		if (snprintf(dir, sizeof(dir), "%s/%s", data_dir, e->d_name) >= (int)sizeof(dir))
			continue;
		if (lunfile_map_header(dir, e->d_name, &h, err, sizeof(err)) != 0)
			continue;
		if (!base || strcmp(h.base, base) == 0)
			ret = fn(e->d_name, h.base, arg);
	}
	closedir(d);
	return ret;
}

struct holders {
	char *names;
	size_t len, used;
	unsigned count;
};

static int holders_add(const char *name, const char *base, void *arg)
{
	struct holders *h = arg;
	(void)base;
	if (h->len && h->used + strlen(name) + 3 < h->len) {
		h->used += (size_t)snprintf(h->names + h->used, h->len - h->used, "%s%s",
					    h->count ? ", " : "", name);
	} else if (h->len && h->used + 5 < h->len && !strstr(h->names, "...")) {
		h->used += (size_t)snprintf(h->names + h->used, h->len - h->used, ", ...");
	}
	h->count++;
	return 0;
}

unsigned lunfile_overlay_holders(const char *data_dir, const char *base, char *names, size_t len)
{
	struct holders h = {.names = names, .len = len};

	if (len)
		names[0] = '\0';
	lunfile_overlays_each(data_dir, base, holders_add, &h);
	return h.count;
}

int lunfile_base_busy(const char *data_dir, const char *name, const char *what, char *err,
		      size_t errlen)
{
	char names[256];
	unsigned n = lunfile_overlay_holders(data_dir, name, names, sizeof(names));

	if (!n)
		return 0;
	snprintf(err, errlen,
		 "LUN '%s' is the base image of %u overlay%s (%s): it cannot be %s while they "
		 "refer to it; remove them first, or promote one and move the others by resetting "
		 "them (ringsan lun list shows the tree)",
		 name, n, n == 1 ? "" : "s", names, what);
	return -EBUSY;
}

void lunfile_successor(const char *data_dir, const char *image, char out[NAME_MAX_LEN + 1])
{
	char path[PATH_MAX], text[NAME_MAX_LEN + 2], err[128];
	ssize_t n;
	int fd;

	out[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s/" LUNFILE_SUCCESSOR, data_dir, image) >=
	    (int)sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (name_check_lun(text, err, sizeof(err)) == 0)
		memcpy(out, text, strlen(text) + 1);
}

/* Writes DIR/overlay.map for base: the header, then all entries "from the base" (zeroes, made by
 * ftruncate, so a big map costs no writes), fsynced. */
static int lunfile_write_map(int dir_fd, const char *file, const struct lunfile *base)
{
	struct ovlmap_header h = {.size = base->size};
	uint8_t buf[OVLMAP_HEADER_LEN];
	int fd, ret = 0;

	memcpy(h.base, base->name, sizeof(h.base));
	memcpy(h.base_uuid, base->uuid, sizeof(h.base_uuid));
	if (ovlmap_header_encode(&h, buf) != 0)
		return -EINVAL;
	fd = openat(dir_fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	errno = EIO;
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    ftruncate(fd, (off_t)(OVLMAP_HEADER_LEN + ovlmap_clusters(base->size))) != 0)
		ret = -errno;
	/* Reserve the entries' blocks (16 KiB per GiB of LUN), so a full file system never
	 * fails a map update: the data writes before it get the ENOSPC. Where the file system
	 * cannot, the map stays sparse. */
	if (!ret &&
	    fallocate(fd, FALLOC_FL_KEEP_SIZE, OVLMAP_HEADER_LEN,
		      (off_t)ovlmap_clusters(base->size)) != 0 &&
	    errno != EOPNOTSUPP && errno != ENOSYS)
		ret = -errno;
	if (!ret && fsync(fd) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Opens image name as a base: it exists, is not an overlay, fits a map. */
static int lunfile_open_base(const char *data_dir, const char *name, struct lunfile *base,
			     char *err, size_t errlen)
{
	int ret = lunfile_open(data_dir, name, LUNFILE_NOLOCK, true, base, err, errlen);

	if (ret == -ENOENT)
		snprintf(err, errlen, "no base image '%s' in %s (ringsan lun list shows the LUNs)",
			 name, data_dir);
	if (ret)
		return ret;
	if (lunfile_is_backend(base)) {
		ret = lunfile_backend_refuse(base, "make overlays of", err, errlen);
	} else if (lunfile_is_overlay(base)) {
		snprintf(err, errlen,
			 "LUN '%s' is itself an overlay (of '%s'): a base must be an image; "
			 "`ringsan lun promote %s --as NEWIMAGE` makes one from it",
			 name, base->base, name);
		ret = -EINVAL;
	} else if (base->size > OVLMAP_MAX_SIZE) {
		snprintf(err, errlen, "LUN '%s' is larger than the 16 TiB an overlay's base may be",
			 name);
		ret = -EFBIG;
	}
	if (ret)
		lunfile_close(base);
	return ret;
}

int lunfile_overlay_create(const char *data_dir, const char *name, const char *base_name,
			   const char *description, char *err, size_t errlen)
{
	struct lunfile names, base;
	struct lunfile_build b;
	int ret, lock_fd = -1;

	ret = lunfile_paths(&names, data_dir, name, err, errlen);
	if (!ret && description)
		ret = lunfile_check_description(description, err, errlen);
	if (!ret)
		ret = lunfile_open_base(data_dir, base_name, &base, err, errlen);
	if (ret)
		return ret;
	/* No session may be writing the base: with overlays it is served read-only. */
	lock_fd = open(base.path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (lock_fd < 0 || (lunfile_lock_fd(lock_fd, F_WRLCK) != 0 &&
			    lunfile_overlay_holders(data_dir, base_name, NULL, 0) == 0)) {
		snprintf(err, errlen,
			 "image '%s' is in use (a session is logged in to it, or a ringsan command "
			 "is changing it): log it out first, so it cannot change under its "
			 "overlays",
			 base_name);
		ret = -EBUSY;
		goto out_close;
	}
	ret = lunfile_build_begin(&b, data_dir, name, err, errlen);
	if (!ret && ftruncate(b.disk_fd, (off_t)base.size) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot make a %llu-byte file in %s: %s",
			 (unsigned long long)base.size, data_dir, strerror(errno));
	}
	if (!ret) {
		ret = lunfile_write_map(b.dir_fd, OVLMAP_FILE, &base);
		if (ret)
			snprintf(err, errlen, "cannot write the overlay map of '%s' in %s: %s",
				 name, data_dir, strerror(-ret));
	}
	if (!ret)
		ret = lunfile_build_commit(&b, data_dir, name, base.block_size, description, err,
					   errlen);
	lunfile_build_end(&b);
out_close:
	if (lock_fd >= 0)
		close(lock_fd);
	lunfile_close(&base);
	return ret;
}

/* Follows base's successors to the newest image that exists. */
static void lunfile_newest(const char *data_dir, const char *base, char out[NAME_MAX_LEN + 1])
{
	char next[NAME_MAX_LEN + 1], path[PATH_MAX];
	struct stat st;

	snprintf(out, NAME_MAX_LEN + 1, "%s", base);
	for (int i = 0; i < SUCCESSOR_CHAIN_MAX; i++) {
		lunfile_successor(data_dir, out, next);
		if (!next[0] ||
		    snprintf(path, sizeof(path), "%s/%s/" LUNFILE_DISK, data_dir, next) >=
			(int)sizeof(path) ||
		    stat(path, &st) != 0)
			return;
		memcpy(out, next, NAME_MAX_LEN + 1);
	}
}

void lunfile_drop_superseded(const char *data_dir, const char *image)
{
	char next[NAME_MAX_LEN + 1], err[512];

	lunfile_successor(data_dir, image, next);
	if (next[0] && lunfile_overlay_holders(data_dir, image, NULL, 0) == 0)
		lunfile_remove(data_dir, image, err, sizeof(err));
}

/* The reset of an overlay held exclusively: new map (the commit point), then punch the data. */
static int lunfile_reset_locked(const char *data_dir, struct lunfile *lf, char *err, size_t errlen)
{
	char newest[NAME_MAX_LEN + 1], old[NAME_MAX_LEN + 1];
	struct lunfile base;
	int dir_fd, ret;

	memcpy(old, lf->base, sizeof(old));
	lunfile_newest(data_dir, lf->base, newest);
	ret = lunfile_open_base(data_dir, newest, &base, err, errlen);
	if (ret)
		return ret;
	dir_fd = open(lf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		ret = -errno;
		goto out_base;
	}
	ret = lunfile_write_map(dir_fd, OVLMAP_FILE ".new", &base);
	if (!ret && renameat(dir_fd, OVLMAP_FILE ".new", dir_fd, OVLMAP_FILE) != 0)
		ret = -errno;
	if (!ret && fsync(dir_fd) != 0)
		ret = -errno;
	if (ret) {
		unlinkat(dir_fd, OVLMAP_FILE ".new", 0);
		snprintf(err, errlen, "cannot reset overlay '%s': writing its map: %s", lf->name,
			 strerror(-ret));
		goto out_dir;
	}
	/* Committed: the map reads everything from the base. What disk.img still holds is
	 * unreachable (the first write to a cluster rewrites all of it); free it now. */
	if (ftruncate(lf->fd, 0) != 0 || ftruncate(lf->fd, (off_t)base.size) != 0 ||
	    fsync(lf->fd) != 0) {
		ret = -errno;
		snprintf(err, errlen,
			 "overlay '%s' was reset, but its old data could not be freed: %s "
			 "(run the reset again)",
			 lf->name, strerror(errno));
	}
	memcpy(lf->base, base.name, sizeof(lf->base));
	memcpy(lf->base_uuid, base.uuid, sizeof(lf->base_uuid));
	lf->size = base.size;
out_dir:
	close(dir_fd);
out_base:
	lunfile_close(&base);
	if (!ret && strcmp(old, newest) != 0)
		lunfile_drop_superseded(data_dir, old);
	return ret;
}

int lunfile_overlay_reset(const char *data_dir, const char *name, char *err, size_t errlen)
{
	struct lunfile lf;
	int ret = lunfile_open(data_dir, name, LUNFILE_EXCLUSIVE, false, &lf, err, errlen);

	if (ret)
		return ret;
	if (!lunfile_is_overlay(&lf)) {
		snprintf(err, errlen, "LUN '%s' is not an overlay: there is nothing to reset to",
			 name);
		ret = -EINVAL;
	} else {
		ret = lunfile_reset_locked(data_dir, &lf, err, errlen);
	}
	lunfile_close(&lf);
	return ret;
}

int lunfile_reset_held(const char *data_dir, struct lunfile *lf, char *err, size_t errlen)
{
	return lunfile_reset_locked(data_dir, lf, err, errlen);
}
