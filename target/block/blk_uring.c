/* blk_uring.c: block I/O on a worker's io_uring. READ/WRITE use readv/writev (RWF_DSYNC for FUA:
 * the data is on stable storage before the completion), FLUSH is fdatasync, PUNCH is fallocate
 * PUNCH_HOLE|KEEP_SIZE. Short transfers are resubmitted for the rest. SEEK_* and COPY have no
 * io_uring opcode: they run at submission (metadata only, or a bounded copy) and complete through
 * a NOP so completions never arrive inside submit. */
#include "target/block/blk_uring.h"
#include "target/block/blk_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

struct uring_io_priv {
	struct loop_op op;
	struct blk_uring_queue *bq;
	uint64_t done_bytes; /* READ/WRITE progress across short transfers */
	int64_t deferred_res;
};

_Static_assert(sizeof(struct uring_io_priv) <= sizeof(((struct blk_io *)0)->backend_priv),
	       "blk_io.backend_priv too small");

static struct uring_io_priv *priv_of(struct blk_io *io)
{
	return (struct uring_io_priv *)(void *)io->backend_priv;
}

static void io_finish(struct blk_io *io, int64_t res)
{
	priv_of(io)->bq->inflight--;
	io->res = res;
	io->done(io);
}

/* Build an iovec array for the part of io not yet transferred. */
static unsigned remaining_iov(struct blk_io *io, uint64_t done, struct iovec *out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < io->iov_cnt; i++) {
		size_t len = io->iov[i].iov_len;
		if (done >= len) {
			done -= len;
			continue;
		}
		out[n].iov_base = (char *)io->iov[i].iov_base + done;
		out[n].iov_len = len - done;
		done = 0;
		n++;
	}
	return n;
}

static void submit_rw(struct blk_io *io);

static void rw_complete(struct loop_op *op, int res, uint32_t flags)
{
	struct blk_io *io = container_of((void *)op, struct blk_io, backend_priv);
	struct uring_io_priv *p = priv_of(io);
	(void)flags;

	if (res == -EAGAIN || res == -EINTR) {
		submit_rw(io);
		return;
	}
	if (res < 0) {
		io_finish(io, res);
		return;
	}
	if (res == 0 && io->op == BLK_READ) {
		/* Past the end of a file that shrank under us: the rest reads as zeroes. */
		struct iovec rest[BLK_MAX_IOV];
		unsigned n = remaining_iov(io, p->done_bytes, rest);
		for (unsigned i = 0; i < n; i++)
			memset(rest[i].iov_base, 0, rest[i].iov_len);
		io_finish(io, (int64_t)io->len);
		return;
	}
	if (res == 0) {
		io_finish(io, -EIO);
		return;
	}
	p->done_bytes += (uint64_t)res;
	if (p->done_bytes >= io->len)
		io_finish(io, (int64_t)io->len);
	else
		submit_rw(io);
}

static void submit_rw(struct blk_io *io)
{
	struct uring_io_priv *p = priv_of(io);
	struct iovec *rest = (struct iovec *)io->iov; /* first pass: the caller's vector */
	struct iovec tmp[BLK_MAX_IOV];
	unsigned n = io->iov_cnt;

	if (p->done_bytes) {
		n = remaining_iov(io, p->done_bytes, tmp);
		rest = tmp;
	}
	p->op.complete = rw_complete;
	struct io_uring_sqe *sqe = loop_sqe(p->bq->loop, &p->op);
	off_t off = (off_t)(io->off + p->done_bytes);
	if (io->op == BLK_READ)
		io_uring_prep_readv(sqe, io->dev->fd, rest, n, off);
	else
		io_uring_prep_writev2(sqe, io->dev->fd, rest, n, off,
				      (io->flags & BLK_F_FUA) ? RWF_DSYNC : 0);
	if (p->done_bytes) {
		/* tmp lives on this stack frame: make the kernel copy it now. */
		io_uring_submit(&p->bq->loop->ring);
		p->bq->loop->unsubmitted = 0;
	}
}

static void simple_complete(struct loop_op *op, int res, uint32_t flags)
{
	struct blk_io *io = container_of((void *)op, struct blk_io, backend_priv);
	(void)flags;
	io_finish(io, res);
}

static void deferred_complete(struct loop_op *op, int res, uint32_t flags)
{
	struct blk_io *io = container_of((void *)op, struct blk_io, backend_priv);
	(void)res;
	(void)flags;
	io_finish(io, priv_of(io)->deferred_res);
}

static void uring_submit(struct blk_queue *q, struct blk_io *io)
{
	struct blk_uring_queue *bq = container_of(q, struct blk_uring_queue, q);
	struct uring_io_priv *p = priv_of(io);
	struct io_uring_sqe *sqe;

	memset(p, 0, sizeof(*p));
	p->bq = bq;
	bq->inflight++;
	switch (io->op) {
	case BLK_READ:
	case BLK_WRITE:
		submit_rw(io);
		return;
	case BLK_FLUSH:
		p->op.complete = simple_complete;
		sqe = loop_sqe(bq->loop, &p->op);
		io_uring_prep_fsync(sqe, io->dev->fd, IORING_FSYNC_DATASYNC);
		return;
	case BLK_PUNCH:
		p->op.complete = simple_complete;
		sqe = loop_sqe(bq->loop, &p->op);
		io_uring_prep_fallocate(sqe, io->dev->fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)io->off,
					(off_t)io->len);
		return;
	case BLK_SEEK_DATA:
	case BLK_SEEK_HOLE:
		p->deferred_res = blk_sync_seek(io);
		break;
	case BLK_COPY:
		p->deferred_res = blk_sync_copy(io);
		break;
	default:
		p->deferred_res = -EINVAL;
		break;
	}
	p->op.complete = deferred_complete;
	sqe = loop_sqe(bq->loop, &p->op);
	io_uring_prep_nop(sqe);
}

void blk_uring_queue_init(struct blk_uring_queue *bq, struct loop *loop)
{
	bq->q.submit = uring_submit;
	bq->loop = loop;
	bq->inflight = 0;
}
