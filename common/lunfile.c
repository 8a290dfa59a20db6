/* lunfile.c: opening, locking, listing, resizing and removing LUNs (see lunfile.h). */
#include "common/lunfile_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ovlmap.h"
#include "common/size.h"
#include "common/uuid.h"

int lunfile_lock_fd(int fd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
}

int lunfile_busy(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "LUN '%s' is in use by another process (a running ringsan serving it, or another "
		 "ringsan command): end its sessions or stop the target, then try again",
		 name);
	return -EBUSY;
}

int lunfile_paths(struct lunfile *lf, const char *data_dir, const char *name, char *err,
		  size_t errlen)
{
	int ret = name_check_lun(name, err, errlen);

	if (ret)
		return ret;
	strcpy(lf->name, name);
	if (snprintf(lf->dir, sizeof(lf->dir), "%s/%s", data_dir, name) >= (int)sizeof(lf->dir) ||
	    snprintf(lf->path, sizeof(lf->path), "%s/" LUNFILE_DISK, lf->dir) >=
		(int)sizeof(lf->path)) {
		snprintf(err, errlen, "data directory path too long: %s", data_dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

int lunfile_check_description(const char *text, char *err, size_t errlen)
{
	if (strlen(text) > LUNFILE_DESC_MAX) {
		snprintf(err, errlen, "description too long: at most %d bytes", LUNFILE_DESC_MAX);
		return -EINVAL;
	}
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "description: control characters are not allowed");
			return -EINVAL;
		}
	}
	return 0;
}

static int lunfile_check_size(const char *name, uint64_t size, uint32_t block_size, char *err,
			      size_t errlen)
{
	char text[SIZE_FORMAT_MAX];

	if (block_size != 512 && block_size != 4096) {
		snprintf(err, errlen, "block size %u is not supported: use 512 or 4096",
			 block_size);
		return -EINVAL;
	}
	if (size == 0 || size % block_size || size > (UINT64_C(1) << 62)) {
		snprintf(
		    err, errlen,
		    "LUN '%s': size %llu bytes (%s) is not allowed: use a non-zero multiple of "
		    "the block size (%u bytes), up to 4 EiB",
		    name, (unsigned long long)size, size_format(size, text), block_size);
		return -EINVAL;
	}
	return 0;
}

static int lunfile_create_impl(const char *data_dir, const char *name, uint64_t size,
			       uint32_t block_size, const char *description, const char *backend,
			       lunfile_fill_fn *fill, void *arg, char *err, size_t errlen);

int lunfile_create(const char *data_dir, const char *name, uint64_t size, uint32_t block_size,
		   const char *description, char *err, size_t errlen)
{
	return lunfile_create_impl(data_dir, name, size, block_size, description, NULL, NULL, NULL,
				   err, errlen);
}

int lunfile_create_filled(const char *data_dir, const char *name, uint64_t size,
			  uint32_t block_size, const char *description, lunfile_fill_fn *fill,
			  void *arg, char *err, size_t errlen)
{
	return lunfile_create_impl(data_dir, name, size, block_size, description, NULL, fill, arg,
				   err, errlen);
}

int lunfile_create_backend(const char *data_dir, const char *name, uint64_t size,
			   uint32_t block_size, const char *description, const char *backend,
			   char *err, size_t errlen)
{
	int ret = lunfile_backend_check(backend, err, errlen);

	if (ret)
		return ret;
	return lunfile_create_impl(data_dir, name, size, block_size, description, backend, NULL,
				   NULL, err, errlen);
}

int lunfile_backend_check(const char *spec, char *err, size_t errlen)
{
	size_t len = strlen(spec);

	if ((strncmp(spec, "nbd:", 4) != 0 && strncmp(spec, "rbd:", 4) != 0) || len < 5) {
		snprintf(err, errlen,
			 "backend '%.64s': use nbd:URI (nbd://HOST:PORT/EXPORT, "
			 "nbd+unix:///EXPORT?socket=PATH) or rbd:POOL/IMAGE",
			 spec);
		return -EINVAL;
	}
	if (len > LUNFILE_BACKEND_MAX) {
		snprintf(err, errlen, "backend: at most %d bytes", LUNFILE_BACKEND_MAX);
		return -EINVAL;
	}
	for (const char *p = spec; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			snprintf(err, errlen,
				 "backend '%.64s': spaces and control characters are "
				 "not allowed (percent-encode them in a URI)",
				 spec);
			return -EINVAL;
		}
	}
	return 0;
}

int lunfile_backend_refuse(const struct lunfile *lf, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "LUN '%s' lives on %s: ringsan cannot %s it (its disk.img holds no data); use "
		 "that storage's own tools (qemu-img, rbd) on the image itself",
		 lf->name, lf->backend, what);
	return -EOPNOTSUPP;
}

static int lunfile_create_impl(const char *data_dir, const char *name, uint64_t size,
			       uint32_t block_size, const char *description, const char *backend,
			       lunfile_fill_fn *fill, void *arg, char *err, size_t errlen)
{
	struct lunfile_build b;
	struct lunfile names;
	char disk[PATH_MAX + sizeof(LUNFILE_DISK) + 1];
	int ret;

	ret = lunfile_paths(&names, data_dir, name, err, errlen);
	if (!ret)
		ret = lunfile_check_size(name, size, block_size, err, errlen);
	if (!ret && description)
		ret = lunfile_check_description(description, err, errlen);
	if (ret)
		return ret;
	ret = lunfile_build_begin(&b, data_dir, name, err, errlen);
	if (ret)
		goto out_end;
	b.backend = backend;
	if (ftruncate(b.disk_fd, (off_t)size) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot make a %llu-byte file in %s: %s",
			 (unsigned long long)size, data_dir,
			 errno == EFBIG || errno == EINVAL ? "too big for this file system"
							   : strerror(errno));
		goto out_end;
	}
	if (fill) {
		snprintf(disk, sizeof(disk), "%s/%s", b.tmp, LUNFILE_DISK);
		ret = fill(disk, b.disk_fd, arg, err, errlen);
		if (ret)
			goto out_end;
	}
	ret = lunfile_build_commit(&b, data_dir, name, block_size, description, err, errlen);
out_end:
	lunfile_build_end(&b);
	return ret;
}

/* Reads lun.meta: uuid and block_size are required; unknown keys are ignored. */
static int lunfile_read_meta(struct lunfile *lf, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], line[512];
	bool have_uuid = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" LUNFILE_META, lf->dir);
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "LUN '%s': cannot read %s: %s", lf->name, path,
			 strerror(errno));
		return -EINVAL;
	}
	lf->block_size = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "uuid=", 5) == 0)
			have_uuid = uuid_parse(line + 5, lf->uuid) == 0;
		else if (strncmp(line, "block_size=", 11) == 0)
			lf->block_size = (uint32_t)strtoul(line + 11, NULL, 10);
		else if (strncmp(line, "description=", 12) == 0)
			snprintf(lf->description, sizeof(lf->description), "%.255s", line + 12);
		else if (strncmp(line, "created=", 8) == 0)
			lf->created = strtoull(line + 8, NULL, 10);
		else if (strncmp(line, "backend=", 8) == 0)
			snprintf(lf->backend, sizeof(lf->backend), "%.400s", line + 8);
	}
	fclose(f);
	if (lf->backend[0] && lunfile_backend_check(lf->backend, err, errlen) != 0) {
		snprintf(err, errlen, "LUN '%s': %s has a bad backend= line", lf->name, path);
		return -EINVAL;
	}
	if (!have_uuid || (lf->block_size != 512 && lf->block_size != 4096)) {
		snprintf(err, errlen,
			 "LUN '%s': %s is damaged (needs uuid= and block_size=512 or "
			 "4096)",
			 lf->name, path);
		return -EINVAL;
	}
	return 0;
}

/* The lock is on the open file: make sure the path still names it (no rm in between). */
static int lunfile_lock_and_verify(struct lunfile *lf, enum lunfile_lock lock, char *err,
				   size_t errlen)
{
	struct stat a, b;
	int ret;

	if (lock == LUNFILE_NOLOCK)
		return 0;
	ret = lunfile_lock_fd(lf->fd, lock == LUNFILE_SHARED ? F_RDLCK : F_WRLCK);
	if (ret == -EBUSY)
		return lunfile_busy(lf->name, err, errlen);
	if (ret) {
		snprintf(err, errlen, "LUN '%s': cannot lock %s: %s", lf->name, lf->path,
			 strerror(-ret));
		return ret;
	}
	if (fstat(lf->fd, &a) != 0 || stat(lf->path, &b) != 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		snprintf(err, errlen, "LUN '%s' was removed meanwhile", lf->name);
		return -ENOENT;
	}
	return 0;
}

int lunfile_map_header(const char *dir, const char *name, struct ovlmap_header *h, char *err,
		       size_t errlen)
{
	char path[PATH_MAX + 16], why[128];
	uint8_t buf[OVLMAP_HEADER_LEN];
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/" OVLMAP_FILE, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		if (ret != -ENOENT)
			snprintf(err, errlen, "LUN '%s': cannot open %s: %s", name, path,
				 strerror(errno));
		return ret;
	}
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "LUN '%s': cannot read %s: %s", name, path, strerror(errno));
		return -EIO;
	}
	if (ovlmap_header_decode(h, buf, (size_t)n, why, sizeof(why)) != 0) {
		snprintf(err, errlen,
			 "LUN '%s': its overlay map %s is damaged (%s); nothing was changed: "
			 "`ringsan lun check %s` tells more; restore the file from a backup, or "
			 "`ringsan lun rm %s` and create the overlay again",
			 name, path, why, name, name);
		return -EBADMSG;
	}
	return 0;
}

/* An overlay: its base and size come from its map. */
static int lunfile_read_overlay(struct lunfile *lf, char *err, size_t errlen)
{
	struct ovlmap_header h;
	int ret = lunfile_map_header(lf->dir, lf->name, &h, err, errlen);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	memcpy(lf->base, h.base, sizeof(lf->base));
	memcpy(lf->base_uuid, h.base_uuid, sizeof(lf->base_uuid));
	return 0;
}

int lunfile_open(const char *data_dir, const char *name, enum lunfile_lock lock, bool read_only,
		 struct lunfile *out, char *err, size_t errlen)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	ret = lunfile_paths(out, data_dir, name, err, errlen);
	if (ret)
		return ret;
	out->fd = open(out->path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOFOLLOW);
	if (out->fd < 0) {
		ret = -errno;
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(err, errlen,
				 "no such LUN '%s' in %s (ringsan lun list shows the LUNs)", name,
				 data_dir);
		else
			snprintf(err, errlen, "cannot open %s: %s", out->path, strerror(errno));
		return ret;
	}
	out->lock = lock;
	ret = lunfile_lock_and_verify(out, lock, err, errlen);
	if (!ret)
		ret = lunfile_read_meta(out, err, errlen);
	if (!ret)
		ret = lunfile_read_overlay(out, err, errlen);
	if (!ret)
		ret = lunfile_refresh(out);
	if (ret)
		lunfile_close(out);
	return ret;
}

void lunfile_close(struct lunfile *lf)
{
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
}

int lunfile_refresh(struct lunfile *lf)
{
	struct stat st;

	if (lf->base[0]) {
		struct ovlmap_header h;
		char err[512];
		int ret = lunfile_map_header(lf->dir, lf->name, &h, err, sizeof(err));
		if (ret)
			return ret == -ENOENT ? -EBADMSG : ret;
		lf->size = h.size; /* a reset may have moved it onto a promoted image */
		memcpy(lf->base, h.base, sizeof(lf->base));
		memcpy(lf->base_uuid, h.base_uuid, sizeof(lf->base_uuid));
		return 0;
	}
	if (fstat(lf->fd, &st) != 0)
		return -errno;
	lf->size = (uint64_t)st.st_size;
	return 0;
}

bool lunfile_in_use(const struct lunfile *lf)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};

	if (fcntl(lf->fd, F_OFD_GETLK, &fl) != 0)
		return false;
	return fl.l_type != F_UNLCK;
}

uint64_t lunfile_allocated_bytes(const struct lunfile *lf)
{
	struct stat st;

	return fstat(lf->fd, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

int lunfile_data_bytes_from(int fd, uint64_t from, uint64_t *bytes)
{
	off_t pos = (off_t)from, data, hole;

	*bytes = 0;
	for (;;) {
		data = lseek(fd, pos, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		*bytes += (uint64_t)(hole - data);
		pos = hole;
	}
}
