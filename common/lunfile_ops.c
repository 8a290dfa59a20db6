/* lunfile_ops.c: listing, resizing and removing LUNs (see lunfile.h). */
#include "common/lunfile_impl.h"
#include "common/atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/size.h"

static int lunfile_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in data_dir that can be LUNs, sorted; *names is NULL-free on error. */
static int lunfile_collect(const char *data_dir, char ***names, size_t *count, char *err,
			   size_t errlen)
{
	char tmp[128];
	DIR *d = opendir(data_dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*count = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read data directory %s: %s", data_dir,
			 strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		if (name_check_lun(e->d_name, tmp, sizeof(tmp)) != 0)
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			char **n = realloc(*names, cap * sizeof(**names));
			if (!n)
				break;
			*names = n;
		}
		(*names)[*count] = strdup(e->d_name);
		if ((*names)[*count])
			(*count)++;
	}
	closedir(d);
	if (*count)
		qsort(*names, *count, sizeof(**names), lunfile_name_cmp);
	return 0;
}

int lunfile_list(const char *data_dir, int (*fn)(const struct lunfile *lf, void *arg), void *arg,
		 char *err, size_t errlen)
{
	return lunfile_list_report(data_dir, fn, NULL, arg, err, errlen);
}

int lunfile_list_report(const char *data_dir, int (*fn)(const struct lunfile *lf, void *arg),
			void (*bad)(const char *name, const char *why, void *arg), void *arg,
			char *err, size_t errlen)
{
	char **names, skip[768], disk[PATH_MAX];
	size_t count;
	struct stat st;
	int ret = lunfile_collect(data_dir, &names, &count, err, errlen);

	for (size_t i = 0; i < count; i++) {
		struct lunfile lf;
		if (ret == 0 && lunfile_open(data_dir, names[i], LUNFILE_NOLOCK, true, &lf, skip,
					     sizeof(skip)) == 0) {
			ret = fn(&lf, arg);
			lunfile_close(&lf);
		} else if (ret == 0 && bad &&
			   snprintf(disk, sizeof(disk), "%s/%s/" LUNFILE_DISK, data_dir, names[i]) <
			       (int)sizeof(disk) &&
			   stat(disk, &st) == 0) {
			bad(names[i], skip, arg);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

static int lunfile_shrink_check(struct lunfile *lf, uint64_t new_size, bool allow_shrink, char *err,
				size_t errlen)
{
	char a[SIZE_FORMAT_MAX], b[SIZE_FORMAT_MAX];
	uint64_t data = 0;
	int ret;

	if (!allow_shrink) {
		snprintf(err, errlen,
			 "LUN '%s' is %s; %s is smaller: shrinking needs --shrink (and only cuts "
			 "off space that holds no data)",
			 lf->name, size_format(lf->size, a), size_format(new_size, b));
		return -EINVAL;
	}
	ret = lunfile_data_bytes_from(lf->fd, new_size, &data);
	if (ret) {
		snprintf(err, errlen, "LUN '%s': cannot look for data: %s", lf->name,
			 strerror(-ret));
		return ret;
	}
	if (data) {
		snprintf(
		    err, errlen,
		    "LUN '%s': %llu bytes (%s) of data lie beyond %s; refusing to cut them off "
		    "(shrink the partitions inside first, or pick a larger size)",
		    lf->name, (unsigned long long)data, size_format(data, a),
		    size_format(new_size, b));
		return -ENOTEMPTY;
	}
	return 0;
}

/* DATA_DIR of an opened LUN (lf->dir less its last component). */
static int lunfile_data_dir_of(const struct lunfile *lf, char *out, size_t len)
{
	const char *slash = strrchr(lf->dir, '/');
	size_t n = slash ? (size_t)(slash - lf->dir) : 0;

	if (!slash || n >= len)
		return -ENAMETOOLONG;
	memcpy(out, lf->dir, n);
	out[n] = '\0';
	return 0;
}

int lunfile_resize(struct lunfile *lf, uint64_t new_size, bool allow_shrink, char *err,
		   size_t errlen)
{
	char text[SIZE_FORMAT_MAX], data_dir[PATH_MAX];
	int ret;

	if (new_size == 0 || new_size % lf->block_size || new_size > (UINT64_C(1) << 62)) {
		snprintf(
		    err, errlen,
		    "LUN '%s': %llu bytes (%s) is not a valid size: use a non-zero multiple of "
		    "its block size (%u bytes)",
		    lf->name, (unsigned long long)new_size, size_format(new_size, text),
		    lf->block_size);
		return -EINVAL;
	}
	if (lunfile_is_overlay(lf)) {
		snprintf(err, errlen,
			 "LUN '%s' is an overlay of '%s': its size is its base's; promote it to an "
			 "image (ringsan lun promote) and resize that",
			 lf->name, lf->base);
		return -EINVAL;
	}
	ret = lunfile_data_dir_of(lf, data_dir, sizeof(data_dir));
	if (!ret)
		ret = lunfile_base_busy(data_dir, lf->name, "resized", err, errlen);
	if (ret)
		return ret;
	ret = lunfile_refresh(lf);
	if (!ret && new_size < lf->size)
		ret = lunfile_shrink_check(lf, new_size, allow_shrink, err, errlen);
	if (ret)
		return ret;
	if (ftruncate(lf->fd, (off_t)new_size) != 0 || fsync(lf->fd) != 0) {
		ret = -errno;
		snprintf(err, errlen, "LUN '%s': cannot resize %s: %s", lf->name, lf->path,
			 errno == EFBIG || errno == EINVAL ? "too big for this file system"
							   : strerror(errno));
		return ret;
	}
	lf->size = new_size;
	return 0;
}

/* A LUN whose metadata or map is damaged can still be removed: its disk.img, locked. */
static int lunfile_open_damaged(const char *data_dir, const char *name, struct lunfile *lf,
				char *err, size_t errlen)
{
	int ret;

	memset(lf, 0, sizeof(*lf));
	lf->fd = -1;
	ret = lunfile_paths(lf, data_dir, name, err, errlen);
	if (ret)
		return ret;
	lf->fd = open(lf->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (lf->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", lf->path, strerror(errno));
		return ret;
	}
	ret = lunfile_lock_fd(lf->fd, F_WRLCK);
	if (ret) {
		lunfile_close(lf);
		return ret == -EBUSY ? lunfile_busy(name, err, errlen) : ret;
	}
	return 0;
}

int lunfile_remove(const char *data_dir, const char *name, char *err, size_t errlen)
{
	char gone[NAME_MAX_LEN + 32], from[PATH_MAX], to[PATH_MAX + 64];
	struct lunfile lf;
	uint8_t r[4];
	int ret;

	ret = lunfile_open(data_dir, name, LUNFILE_EXCLUSIVE, false, &lf, err, errlen);
	if (ret == -EBADMSG)
		ret = lunfile_open_damaged(data_dir, name, &lf, err, errlen);
	if (ret)
		return ret;
	ret = lunfile_base_busy(data_dir, name, "removed", err, errlen);
	if (ret)
		goto out_close;
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	snprintf(gone, sizeof(gone), ".%s.rm-%02x%02x%02x%02x", name, r[0], r[1], r[2], r[3]);
	snprintf(from, sizeof(from), "%s", lf.dir);
	snprintf(to, sizeof(to), "%s/%s", data_dir, gone);
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove LUN '%s': rename %s: %s", name, from,
			 strerror(errno));
		goto out_close;
	}
	atomicfile_fsync_dir(data_dir);
	/* The LUN is gone now; the rest is tidying (redone by the next cleanup if cut short). */
	lunfile_remove_tree(data_dir, gone);
	atomicfile_fsync_dir(data_dir);
out_close:
	lunfile_close(&lf);
	if (!ret)
		lunfile_cleanup(data_dir);
	if (!ret && lf.base[0]) /* the last overlay of a superseded image takes it along */
		lunfile_drop_superseded(data_dir, lf.base);
	return ret;
}
