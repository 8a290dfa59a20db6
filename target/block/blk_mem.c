/* blk_mem.c: the in-memory block backend (see blk_mem.h). */
#include "target/block/blk_mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int blk_mem_dev_init(struct blk_dev *dev, uint64_t size, uint32_t block_size)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	dev->block_size = block_size;
	dev->mem = calloc(1, size ? (size_t)size : 1);
	if (!dev->mem)
		return -ENOMEM;
	dev->size = size;
	return 0;
}

int blk_mem_dev_resize(struct blk_dev *dev, uint64_t size)
{
	uint8_t *mem = realloc(dev->mem, size ? (size_t)size : 1);
	if (!mem)
		return -ENOMEM;
	if (size > dev->size)
		memset(mem + dev->size, 0, (size_t)(size - dev->size));
	dev->mem = mem;
	dev->size = size;
	return 0;
}

void blk_mem_dev_fini(struct blk_dev *dev)
{
	free(dev->mem);
	dev->mem = NULL;
	dev->size = 0;
}

static bool in_range(const struct blk_dev *dev, uint64_t off, uint64_t len)
{
	return off <= dev->size && len <= dev->size - off;
}

static int64_t mem_rw(struct blk_io *io, bool write)
{
	uint8_t *mem = io->dev->mem;
	uint64_t off = io->off, left = io->len;
	if (!in_range(io->dev, io->off, io->len))
		return -EINVAL;
	for (unsigned i = 0; i < io->iov_cnt && left; i++) {
		uint64_t n = io->iov[i].iov_len < left ? io->iov[i].iov_len : left;
		if (write)
			memcpy(mem + off, io->iov[i].iov_base, (size_t)n);
		else
			memcpy(io->iov[i].iov_base, mem + off, (size_t)n);
		off += n;
		left -= n;
	}
	return left ? -EINVAL : (int64_t)io->len;
}

static bool grain_is_zero(const struct blk_dev *dev, uint64_t grain)
{
	const uint8_t *p = (const uint8_t *)dev->mem + grain * BLK_MEM_HOLE_GRAIN;
	uint64_t end = (grain + 1) * BLK_MEM_HOLE_GRAIN;
	uint64_t n = (end > dev->size ? dev->size : end) - grain * BLK_MEM_HOLE_GRAIN;
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* lseek(SEEK_DATA / SEEK_HOLE) over zero grains; dev->size when nothing is found. */
static int64_t mem_seek(const struct blk_dev *dev, uint64_t off, bool want_hole)
{
	if (off >= dev->size)
		return -ENXIO;
	for (uint64_t g = off / BLK_MEM_HOLE_GRAIN; g * BLK_MEM_HOLE_GRAIN < dev->size; g++) {
		if (grain_is_zero(dev, g) == want_hole) {
			uint64_t start = g * BLK_MEM_HOLE_GRAIN;
			return (int64_t)(start > off ? start : off);
		}
	}
	return (int64_t)dev->size;
}

void blk_mem_execute(struct blk_io *io)
{
	struct blk_dev *dev = io->dev;
	switch (io->op) {
	case BLK_READ:
		io->res = mem_rw(io, false);
		break;
	case BLK_WRITE:
		io->res = mem_rw(io, true);
		break;
	case BLK_FLUSH:
		io->res = 0;
		break;
	case BLK_PUNCH:
		if (!in_range(dev, io->off, io->len)) {
			io->res = -EINVAL;
			break;
		}
		memset((uint8_t *)dev->mem + io->off, 0, (size_t)io->len);
		io->res = 0;
		break;
	case BLK_SEEK_DATA:
	case BLK_SEEK_HOLE:
		io->res = mem_seek(dev, io->off, io->op == BLK_SEEK_HOLE);
		break;
	case BLK_COPY:
		if (!io->src || !in_range(io->src, io->src_off, io->len) ||
		    !in_range(dev, io->off, io->len)) {
			io->res = -EINVAL;
			break;
		}
		memmove((uint8_t *)dev->mem + io->off, (uint8_t *)io->src->mem + io->src_off,
			(size_t)io->len);
		io->res = (int64_t)io->len;
		break;
	default:
		io->res = -EOPNOTSUPP;
	}
}

static void mem_submit(struct blk_queue *q, struct blk_io *io)
{
	struct blk_mem_queue *mq = (struct blk_mem_queue *)q;
	io->backend_priv[0] = 0;
	if (mq->tail)
		mq->tail->backend_priv[0] = (uint64_t)(uintptr_t)io;
	else
		mq->head = io;
	mq->tail = io;
	mq->submitted++;
}

void blk_mem_queue_init(struct blk_mem_queue *mq)
{
	memset(mq, 0, sizeof(*mq));
	mq->q.submit = mem_submit;
}

void blk_mem_fail_next(struct blk_mem_queue *mq, int64_t res, unsigned count)
{
	mq->fail_res = res;
	mq->fail_count = count;
}

unsigned blk_mem_run(struct blk_mem_queue *mq)
{
	unsigned n = 0;
	struct blk_io *io;
	while ((io = mq->head)) {
		mq->head = (struct blk_io *)(uintptr_t)io->backend_priv[0];
		if (!mq->head)
			mq->tail = NULL;
		if (mq->fail_count) {
			mq->fail_count--;
			io->res = mq->fail_res;
		} else {
			blk_mem_execute(io);
			mq->flushes += io->op == BLK_FLUSH;
			mq->fua_writes += io->op == BLK_WRITE && (io->flags & BLK_F_FUA);
		}
		mq->completed++;
		n++;
		if (io->done)
			io->done(io);
	}
	return n;
}
