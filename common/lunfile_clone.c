/* lunfile_clone.c: copying a LUN. A reflink (FICLONE) shares the blocks where the file system
 * can (btrfs, XFS); otherwise only the data extents found with SEEK_DATA/SEEK_HOLE are copied
 * (copy_file_range, or read/write when that is refused), and the size set with ftruncate, so
 * holes stay holes. */
#include "common/lunfile_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CLONE_CHUNK (16u << 20) /* bytes per copy call: the progress granularity */

struct clone_job {
	int in, out;
	uint64_t done, total;
	lunfile_progress_fn *progress;
	void *arg;
	bool plain_io; /* copy_file_range was refused: use pread/pwrite */
};

static int clone_plain(struct clone_job *job, off_t off, size_t len)
{
	static char buf[1 << 20];
	size_t n = len < sizeof(buf) ? len : sizeof(buf);
	ssize_t r = pread(job->in, buf, n, off);

	if (r <= 0)
		return r == 0 ? -EIO : -errno;
	if (pwrite(job->out, buf, (size_t)r, off) != r)
		return -errno;
	return (int)r;
}

/* Copies [off, off + len) at the same offsets. */
static int clone_extent(struct clone_job *job, off_t off, uint64_t len)
{
	while (len) {
		size_t n = len < CLONE_CHUNK ? (size_t)len : CLONE_CHUNK;
		ssize_t r;
		if (!job->plain_io) {
			off_t in_off = off, out_off = off;
			r = copy_file_range(job->in, &in_off, job->out, &out_off, n, 0);
			if (r < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP ||
				      errno == EINVAL)) {
				job->plain_io = true;
				continue;
			}
			if (r < 0)
				return -errno;
			if (r == 0)
				return -EIO;
		} else {
			r = clone_plain(job, off, n);
			if (r < 0)
				return (int)r;
		}
		off += r;
		len -= (uint64_t)r;
		job->done += (uint64_t)r;
		if (job->progress)
			job->progress(job->done, job->total, job->arg);
	}
	return 0;
}

static int clone_sparse(struct clone_job *job, uint64_t size)
{
	off_t pos = 0, data, hole;
	int ret;

	ret = lunfile_data_bytes_from(job->in, 0, &job->total);
	if (ret)
		return ret;
	if (job->progress)
		job->progress(0, job->total, job->arg);
	while ((uint64_t)pos < size) {
		data = lseek(job->in, pos, SEEK_DATA);
		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		hole = lseek(job->in, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		ret = clone_extent(job, data, (uint64_t)(hole - data));
		if (ret)
			return ret;
		pos = hole;
	}
	return 0;
}

static int clone_data(struct lunfile *src, int out, lunfile_progress_fn *progress, void *arg,
		      bool *reflinked)
{
	struct clone_job job = {.in = src->fd, .out = out, .progress = progress, .arg = arg};
	int ret;

	*reflinked = false;
	if (ioctl(out, FICLONE, src->fd) == 0) {
		*reflinked = true;
		if (progress)
			progress(src->size, src->size, arg);
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EXDEV && errno != EINVAL && errno != ENOTTY &&
	    errno != ENOSYS)
		return -errno;
	ret = clone_sparse(&job, src->size);
	if (!ret && ftruncate(out, (off_t)src->size) != 0)
		ret = -errno;
	return ret;
}

int lunfile_clone(const char *data_dir, const char *src, const char *dst, const char *description,
		  lunfile_progress_fn *progress, void *arg, bool *reflinked, char *err,
		  size_t errlen)
{
	struct lunfile in, names;
	struct lunfile_build b = {.dir_fd = -1, .disk_fd = -1};
	bool ref = false;
	int ret;

	ret = lunfile_paths(&names, data_dir, dst, err, errlen);
	if (!ret && description)
		ret = lunfile_check_description(description, err, errlen);
	if (ret)
		return ret;
	ret = lunfile_open(data_dir, src, LUNFILE_EXCLUSIVE, false, &in, err, errlen);
	if (ret)
		return ret;
	if (lunfile_is_backend(&in)) {
		ret = lunfile_backend_refuse(&in, "clone", err, errlen);
		lunfile_close(&in);
		return ret;
	}
	if (lunfile_is_overlay(&in)) {
		snprintf(
		    err, errlen,
		    "LUN '%s' is an overlay (of '%s'): `ringsan lun promote %s --as %s` makes a "
		    "full image of it, `ringsan lun create %s --base %s` another overlay",
		    src, in.base, src, dst, dst, in.base);
		lunfile_close(&in);
		return -EINVAL;
	}
	ret = lunfile_build_begin(&b, data_dir, dst, err, errlen);
	if (ret)
		goto out_end;
	ret = clone_data(&in, b.disk_fd, progress, arg, &ref);
	if (ret) {
		snprintf(err, errlen, "cannot copy LUN '%s' to '%s': %s", src, dst,
			 ret == -ENOSPC ? "no space left in the data directory" : strerror(-ret));
		goto out_end;
	}
	ret = lunfile_build_commit(&b, data_dir, dst, in.block_size,
				   description ? description : in.description, err, errlen);
	if (reflinked)
		*reflinked = ref;
out_end:
	lunfile_build_end(&b);
	lunfile_close(&in);
	return ret;
}
