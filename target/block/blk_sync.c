/* blk_sync.c: see blk_sync.h. */
#include "target/block/blk_sync.h"
#include "target/block/blk_ovl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdlib.h>
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

bool blk_sync_is_remote(const struct blk_io *io)
{
	return io->dev->be || (io->op == BLK_COPY && io->src && io->src->be);
}

struct sync_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int64_t res;
};

static void sync_post(void *ctx, struct blk_io *io, int64_t res)
{
	struct sync_wait *w = ctx;
	(void)io;
	pthread_mutex_lock(&w->lock);
	w->res = res;
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* A request of a backend LUN, waited for. */
static int64_t sync_remote(struct blk_io *io)
{
	struct sync_wait w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

	io->dev->be->ops->submit(io->dev->be, io, sync_post, &w);
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return w.res;
}

/* COPY with a backend LUN on either side: READs and WRITEs of a bounce buffer. */
static int64_t sync_copy_bounce(const struct blk_io *io)
{
	const uint64_t chunk = 1u << 20;
	uint8_t *buf = malloc(chunk);
	int64_t ret = buf ? 0 : -ENOMEM;

	for (uint64_t done = 0; !ret && done < io->len;) {
		uint64_t n = io->len - done < chunk ? io->len - done : chunk;
		struct blk_io rd = {.op = BLK_READ, .dev = io->src, .off = io->src_off + done};
		struct blk_io wr = {.op = BLK_WRITE, .dev = io->dev, .off = io->off + done};
		blk_io_set_buf(&rd, buf, n);
		blk_io_set_buf(&wr, buf, n);
		ret = blk_sync_execute(&rd);
		if (ret >= 0)
			ret = blk_sync_execute(&wr);
		ret = ret < 0 ? ret : 0;
		done += n;
	}
	free(buf);
	return ret ? ret : (int64_t)io->len;
}

int64_t blk_sync_execute(struct blk_io *io)
{
	const struct sync_backend *b = blk_sync_is_overlay(io) ? &ovl_backend : &file_backend;
	int64_t res;

	if (blk_sync_is_remote(io)) {
		res = io->op == BLK_COPY ? sync_copy_bounce(io) : sync_remote(io);
		io->res = res;
		return res;
	}
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
