/* blk_sync.c: see blk_sync.h. */
#include "target/block/blk_sync.h"
#include "target/block/blk_ovl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/uio.h>
#include <unistd.h>

static int64_t file_seek(struct blk_io *io)
{
	int whence = io->op == BLK_SEEK_DATA ? SEEK_DATA : SEEK_HOLE;
	off_t r = lseek(io->dev->fd, (off_t)io->off, whence);
	if (r < 0)
		return errno == ENXIO ? (int64_t)io->dev->size : -errno;
	return r > (off_t)io->dev->size ? (int64_t)io->dev->size : (int64_t)r;
}

static int64_t file_copy(struct blk_io *io)
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
static int64_t file_rw(struct blk_io *io)
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

static int64_t file_flush(struct blk_io *io)
{
	return fdatasync(io->dev->fd) < 0 ? -errno : 0;
}

static int64_t file_punch(struct blk_io *io)
{
	return fallocate(io->dev->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)io->off,
			 (off_t)io->len) < 0
		   ? -errno
		   : 0;
}

static int64_t ovl_flush(struct blk_io *io)
{
	return blk_ovl_flush(io->dev->ovl);
}

/* The synchronous calls of a backend, one per kind of request. */
struct sync_backend {
	int64_t (*rw)(struct blk_io *io);
	int64_t (*flush)(struct blk_io *io);
	int64_t (*punch)(struct blk_io *io);
	int64_t (*seek)(struct blk_io *io);
	int64_t (*copy)(struct blk_io *io);
};

static const struct sync_backend file_backend = {
    .rw = file_rw, .flush = file_flush, .punch = file_punch, .seek = file_seek, .copy = file_copy};
static const struct sync_backend ovl_backend = {.rw = blk_ovl_rw,
						.flush = ovl_flush,
						.punch = blk_ovl_punch,
						.seek = blk_ovl_seek,
						.copy = blk_ovl_copy};

bool blk_sync_is_overlay(const struct blk_io *io)
{
	return io->dev->ovl || (io->op == BLK_COPY && io->src && io->src->ovl);
}

int64_t blk_sync_execute(struct blk_io *io)
{
	const struct sync_backend *b = blk_sync_is_overlay(io) ? &ovl_backend : &file_backend;
	int64_t res;

	switch (io->op) {
	case BLK_READ:
	case BLK_WRITE:
		res = b->rw(io);
		break;
	case BLK_FLUSH:
		res = b->flush(io);
		break;
	case BLK_PUNCH:
		res = b->punch(io);
		break;
	case BLK_SEEK_DATA:
	case BLK_SEEK_HOLE:
		res = b->seek(io);
		break;
	case BLK_COPY:
		res = b->copy(io);
		break;
	default:
		res = -EINVAL;
		break;
	}
	io->res = res;
	return res;
}

int blk_sync_flush(struct blk_dev *dev)
{
	struct blk_io io = {.op = BLK_FLUSH, .dev = dev};
	return (int)blk_sync_execute(&io);
}
