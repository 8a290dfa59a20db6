/* blk_sync.c: see blk_sync.h. */
#include "target/block/blk_sync.h"
#include "target/block/blk_ovl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/uio.h>
#include <unistd.h>

int64_t blk_sync_seek(const struct blk_io *io)
{
	int whence = io->op == BLK_SEEK_DATA ? SEEK_DATA : SEEK_HOLE;
	off_t r = lseek(io->dev->fd, (off_t)io->off, whence);
	if (r < 0)
		return errno == ENXIO ? (int64_t)io->dev->size : -errno;
	return r > (off_t)io->dev->size ? (int64_t)io->dev->size : (int64_t)r;
}

int64_t blk_sync_copy(const struct blk_io *io)
{
	uint64_t done = 0;
	while (done < io->len) {
		loff_t in = (loff_t)(io->src_off + done), out = (loff_t)(io->off + done);
		ssize_t n = copy_file_range(io->src->fd, &in, io->dev->fd, &out,
					    (size_t)(io->len - done), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

/* READ / WRITE of the whole vector, resuming after short transfers. */
static int64_t sync_rw(const struct blk_io *io)
{
	struct iovec v[BLK_MAX_IOV];
	unsigned cnt = io->iov_cnt, first = 0;
	uint64_t done = 0;

	for (unsigned i = 0; i < cnt; i++)
		v[i] = io->iov[i];
	while (done < io->len) {
		ssize_t n;
		if (io->op == BLK_READ)
			n = preadv(io->dev->fd, v + first, (int)(cnt - first),
				   (off_t)(io->off + done));
		else
			n = pwritev2(io->dev->fd, v + first, (int)(cnt - first),
				     (off_t)(io->off + done),
				     (io->flags & BLK_F_FUA) ? RWF_DSYNC : 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (uint64_t)n;
		for (size_t left = (size_t)n; left && first < cnt;) {
			size_t take = left < v[first].iov_len ? left : v[first].iov_len;
			v[first].iov_base = (char *)v[first].iov_base + take;
			v[first].iov_len -= take;
			left -= take;
			if (!v[first].iov_len)
				first++;
		}
	}
	return (int64_t)done;
}

bool blk_sync_is_overlay(const struct blk_io *io)
{
	return io->dev->ovl || (io->op == BLK_COPY && io->src && io->src->ovl);
}

int blk_sync_flush(struct blk_dev *dev)
{
	if (dev->ovl)
		return blk_ovl_flush(dev->ovl);
	return fdatasync(dev->fd) < 0 ? -errno : 0;
}

int64_t blk_sync_execute(struct blk_io *io)
{
	int64_t res;
	if (blk_sync_is_overlay(io))
		return blk_ovl_execute(io);
	switch (io->op) {
	case BLK_READ:
	case BLK_WRITE:
		res = sync_rw(io);
		break;
	case BLK_FLUSH:
		res = fdatasync(io->dev->fd) < 0 ? -errno : 0;
		break;
	case BLK_PUNCH:
		res = fallocate(io->dev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)io->off, (off_t)io->len) < 0
			  ? -errno
			  : 0;
		break;
	case BLK_SEEK_DATA:
	case BLK_SEEK_HOLE:
		res = blk_sync_seek(io);
		break;
	case BLK_COPY:
		res = blk_sync_copy(io);
		break;
	default:
		res = -EINVAL;
		break;
	}
	io->res = res;
	return res;
}
