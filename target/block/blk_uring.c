/* blk_uring.c: block I/O on a worker's io_uring. READ/WRITE use readv/writev (RWF_DSYNC for FUA:
 * the data is on stable storage before the completion), FLUSH is fdatasync, PUNCH is fallocate
 * PUNCH_HOLE|KEEP_SIZE. Short transfers are resubmitted for the rest. SEEK_* and COPY have no
 * io_uring opcode: they run on the queue's helper thread (blk_sync.c), as does every request of
 * an overlay LUN (blk_ovl.c: a copy-up and a map update are several dependent steps) but a READ
 * that one file serves whole, which is read from that file here; the helper hands them back
 * through an eventfd, so completions never arrive inside submit and a copy of many MiB does
 * not hold up the worker's other connections. A backend LUN's requests (blk.h blk_backend) go
 * to its backend, which posts their completions onto the same list from its own threads.
 *
 * Buffered writes (no FUA) are written inline first, with pwritev2 on the worker's thread: a
 * write into the page cache costs a few microseconds of copying, while io_uring, on a file system
 * that cannot tell it a buffered write would block (ext4 and tmpfs lack that: io_uring sends each
 * one to an io-wq thread), costs several context switches per write. Where the file system takes
 * RWF_NOWAIT (XFS, btrfs), a write that would block says EAGAIN and goes to io_uring instead;
 * where it does not, the worker times each inline write, and after one that slept (blocked, not
 * just preempted) longer than BLK_INLINE_SLOW_NS (dirty-page throttling, a journal commit) writes
 * go through io_uring for BLK_PUNT_NS, so a stalled file system stalls the worker's other
 * connections at most once a period. Either way a write completes only once pwritev2 has put every
 * byte into the file.
 *
 * Reads of a file on a memory file system (tmpfs, ramfs) are read inline the same way, under the
 * same guard: io_uring cannot issue them without blocking either and sends each to an io-wq
 * thread, while their data is in memory and never waits for a device. Reads elsewhere go through
 * io_uring, which reads what the page cache holds at once and waits for the rest off the worker. */
#include "target/block/blk_uring.h"
#include "target/block/blk_direct.h"
#include "target/block/blk_ovl.h"
#include "target/block/blk_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define BLK_INLINE_SLOW_NS (1000 * 1000ull)	   /* an inline write that slept this long ... */
#define BLK_PUNT_NS	   (1000 * 1000 * 1000ull) /* ... sends writes to io_uring this long */

struct uring_io_priv {
	struct loop_op op;
	struct blk_uring_queue *bq;
	union {
		uint64_t done_bytes; /* READ/WRITE progress across short transfers */
		struct blk_io *next; /* SEEK_* / COPY: on the helper's lists */
	};
	union {
		int64_t deferred_res; /* requests run elsewhere: their result */
		int rw_fd;	      /* READ/WRITE: the file (an overlay's read: its source's) */
	};
};

struct blk_offload {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct blk_io *todo, *todo_tail, *done; /* under lock */
	bool stop;
	int efd;
	pthread_t thread;
	struct loop_op op; /* the loop's read of efd */
	uint64_t val;
	struct blk_uring_queue *bq;
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
	if (res == -EINVAL && io->dev->direct && p->rw_fd == io->dev->dio_fd) {
		p->rw_fd = io->dev->fd; /* O_DIRECT refused this one: the page cache takes it */
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
		if (io->dev->direct && p->rw_fd == io->dev->dio_fd &&
		    !blk_direct_aligned(io->dev, io->off + p->done_bytes, rest, n))
			p->rw_fd = io->dev->fd;
	}
	p->op.complete = rw_complete;
	struct io_uring_sqe *sqe = loop_sqe(p->bq->loop, &p->op);
	off_t off = (off_t)(io->off + p->done_bytes);
	if (io->op == BLK_READ)
		io_uring_prep_readv(sqe, p->rw_fd, rest, n, off);
	else
		io_uring_prep_writev2(sqe, p->rw_fd, rest, n, off,
				      (io->flags & BLK_F_FUA) ? RWF_DSYNC : 0);
	if (p->done_bytes) {
		/* tmp lives on this stack frame: make the kernel copy it now. */
		io_uring_submit(&p->bq->loop->ring);
		p->bq->loop->unsubmitted = 0;
	}
}

static void deferred_complete(struct loop_op *op, int res, uint32_t flags);

/* Completes io from the loop (never inside submit): in the loop's posted list (without a NOP's trip
 * through the kernel), or a NOP when that list is full, carries deferred_res back. */
static void complete_later(struct blk_io *io, int64_t res)
{
	struct uring_io_priv *p = priv_of(io);
	p->deferred_res = res;
	p->op.complete = deferred_complete;
	if (!loop_post(p->bq->loop, &p->op))
		io_uring_prep_nop(loop_sqe(p->bq->loop, &p->op));
}

/* Voluntary context switches of this thread so far: it slept (blocked) when they grow. */
static long thread_sleeps(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

/* A blocking read or write on the worker's thread, timed: after one that slept (blocked, not just
 * preempted) longer than BLK_INLINE_SLOW_NS, reads and writes go through io_uring for
 * BLK_PUNT_NS. -EAGAIN (with errno) when they go through io_uring now. */
static ssize_t rw_timed(struct blk_io *io)
{
	struct uring_io_priv *p = priv_of(io);
	struct blk_uring_queue *bq = p->bq;
	uint64_t t0 = clock_mono_ns();
	ssize_t n;

	if (t0 < bq->punt_until_ns) {
		errno = EAGAIN;
		return -1;
	}
	if (bq->sleeps_turn != bq->loop->turns) { /* the first inline request of this turn */
		bq->sleeps_turn = bq->loop->turns;
		bq->sleeps_base = thread_sleeps();
	}
	if (io->op == BLK_READ)
		n = preadv2(p->rw_fd, io->iov, (int)io->iov_cnt, (off_t)io->off, 0);
	else
		n = pwritev2(p->rw_fd, io->iov, (int)io->iov_cnt, (off_t)io->off, 0);
	int e = errno;
	uint64_t t1 = clock_mono_ns();
	/* Slow because it slept, not because the thread was preempted on a busy machine. The
	 * worker sleeps only in the loop's wait and in blocking calls such as these: more sleeps
	 * than at the start of the turn mean this call (or an earlier one of the same turn, which
	 * then also blocked) slept. */
	if (t1 - t0 > BLK_INLINE_SLOW_NS && thread_sleeps() != bq->sleeps_base) {
		bq->punt_until_ns = t1 + BLK_PUNT_NS;
		log_debug("a buffered %s blocked the worker for %llu us: reads and writes go "
			  "through io_uring for the next %llu ms",
			  io->op == BLK_READ ? "read" : "write",
			  (unsigned long long)(t1 - t0) / 1000, BLK_PUNT_NS / 1000000);
	}
	errno = e;
	return n;
}

/* The outcome n (errno) of an inline request: true when it is complete or on its way. */
static bool inline_done(struct blk_io *io, ssize_t n)
{
	struct uring_io_priv *p = priv_of(io);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false; /* it would block: io_uring (an io-wq thread) waits instead */
	if (n < 0) {
		complete_later(io, -errno);
		return true;
	}
	if (n == 0 && io->op == BLK_READ)
		return false; /* past the end of the file: io_uring's path reads it as zeroes */
	p->done_bytes = (uint64_t)n;
	if (p->done_bytes >= io->len)
		complete_later(io, (int64_t)io->len);
	else if (n == 0)
		complete_later(io, -EIO);
	else
		submit_rw(io); /* a short transfer: io_uring does the rest */
	return true;
}

/* A buffered write written inline (see the head of this file); false: io_uring does it all. */
static bool write_inline(struct blk_io *io)
{
	struct uring_io_priv *p = priv_of(io);
	int nowait = __atomic_load_n(&io->dev->write_nowait, __ATOMIC_RELAXED);
	ssize_t n = -1;

	if (nowait != BLK_NOWAIT_NO) {
		n = pwritev2(p->rw_fd, io->iov, (int)io->iov_cnt, (off_t)io->off, RWF_NOWAIT);
		if (n < 0 && errno == EOPNOTSUPP) {
			__atomic_store_n(&io->dev->write_nowait, BLK_NOWAIT_NO, __ATOMIC_RELAXED);
			nowait = BLK_NOWAIT_NO;
		} else if (nowait == BLK_NOWAIT_UNKNOWN) {
			__atomic_store_n(&io->dev->write_nowait, BLK_NOWAIT_YES, __ATOMIC_RELAXED);
		}
	}
	if (nowait == BLK_NOWAIT_NO)
		n = rw_timed(io);
	return inline_done(io, n);
}

/* A buffered read of a file on a memory file system, read inline (see the head of this file);
 * false: io_uring does it. */
static bool read_inline(struct blk_io *io)
{
	int mem = __atomic_load_n(&io->dev->read_inline, __ATOMIC_RELAXED);

	if (mem == BLK_NOWAIT_UNKNOWN) {
		struct statfs sf;
		bool on_mem = fstatfs(io->dev->fd, &sf) == 0 &&
			      (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
		mem = on_mem ? BLK_NOWAIT_YES : BLK_NOWAIT_NO;
		__atomic_store_n(&io->dev->read_inline, mem, __ATOMIC_RELAXED);
	}
	if (mem != BLK_NOWAIT_YES)
		return false;
	return inline_done(io, rw_timed(io));
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

/* io's result onto o's done list, and a wake-up of the loop through o's eventfd. */
static void done_push_locked(struct blk_offload *o, struct blk_io *io, int64_t res)
{
	uint64_t one = 1;

	priv_of(io)->deferred_res = res;
	priv_of(io)->next = o->done;
	o->done = io;
	if (write(o->efd, &one, sizeof(one)) < 0) {
		/* cannot happen short of a counter overflow; the next write wakes the loop */
	}
}

static void *offload_main(void *arg)
{
	struct blk_offload *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		while (!o->todo && !o->stop)
			pthread_cond_wait(&o->cond, &o->lock);
		struct blk_io *io = o->todo;
		if (!io)
			break;
		o->todo = priv_of(io)->next;
		if (!o->todo)
			o->todo_tail = NULL;
		pthread_mutex_unlock(&o->lock);
		int64_t res = blk_sync_execute(io);
		pthread_mutex_lock(&o->lock);
		done_push_locked(o, io, res);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

static void offload_arm(struct blk_offload *o);

/* The helper finished some: complete them in the order they were handed in. */
static void offload_done(struct loop_op *op, int res, uint32_t flags)
{
	struct blk_offload *o = container_of(op, struct blk_offload, op);
	struct blk_io *list, *fifo = NULL;
	(void)res;
	(void)flags;
	pthread_mutex_lock(&o->lock);
	list = o->done;
	o->done = NULL;
	pthread_mutex_unlock(&o->lock);
	while (list) {
		struct blk_io *next = priv_of(list)->next;
		priv_of(list)->next = fifo;
		fifo = list;
		list = next;
	}
	offload_arm(o);
	while (fifo) {
		struct blk_io *next = priv_of(fifo)->next;
		io_finish(fifo, priv_of(fifo)->deferred_res);
		fifo = next;
	}
}

static void offload_arm(struct blk_offload *o)
{
	o->op.complete = offload_done;
	struct io_uring_sqe *sqe = loop_sqe(o->bq->loop, &o->op);
	io_uring_prep_read(sqe, o->efd, &o->val, sizeof(o->val), 0);
}

/* The helper, started at the first request that needs it; NULL if it cannot be. */
static struct blk_offload *offload_get(struct blk_uring_queue *bq)
{
	if (bq->off)
		return bq->off;
	struct blk_offload *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->bq = bq;
	o->efd = eventfd(0, EFD_CLOEXEC);
	if (o->efd < 0) {
		free(o);
		return NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pthread_create(&o->thread, NULL, offload_main, o) != 0) {
		pthread_cond_destroy(&o->cond);
		pthread_mutex_destroy(&o->lock);
		close(o->efd);
		free(o);
		return NULL;
	}
	offload_arm(o);
	bq->off = o;
	return o;
}

void blk_uring_queue_fini(struct blk_uring_queue *bq)
{
	struct blk_offload *o = bq->off;
	if (!o)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = true;
	pthread_cond_signal(&o->cond);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->thread, NULL);
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	close(o->efd);
	free(o);
	bq->off = NULL;
}

/* A backend LUN's completion, from any thread: onto the helper's done list, as if the helper
 * had run it, so it reaches the loop through the same eventfd. */
static void remote_post(void *ctx, struct blk_io *io, int64_t res)
{
	struct blk_offload *o = ctx;

	pthread_mutex_lock(&o->lock);
	done_push_locked(o, io, res);
	pthread_mutex_unlock(&o->lock);
}

static void uring_submit(struct blk_queue *q, struct blk_io *io)
{
	struct blk_uring_queue *bq = container_of(q, struct blk_uring_queue, q);
	struct uring_io_priv *p = priv_of(io);
	struct io_uring_sqe *sqe;

	memset(p, 0, sizeof(*p));
	p->bq = bq;
	bq->inflight++;
	p->rw_fd = io->dev->fd;
	if (io->dev->be && io->op != BLK_COPY && io->op != BLK_SEEK_DATA &&
	    io->op != BLK_SEEK_HOLE) {
		struct blk_offload *o = offload_get(bq);
		if (o) {
			io->dev->be->ops->submit(io->dev->be, io, remote_post, o);
			return;
		}
		p->deferred_res = -ENOMEM;
		goto nop;
	}
	if (blk_sync_is_remote(io))
		goto offload; /* a COPY through a bounce buffer (blk_sync.c); SEEK_* may wait */
	if (io->dev->ovl && io->op == BLK_READ)
		p->rw_fd = blk_ovl_read_fd(io->dev->ovl, io->off, io->len);
	if (blk_sync_is_overlay(io) && (io->op != BLK_READ || p->rw_fd < 0))
		goto offload; /* an overlay's requests may block (blk_ovl.h) */
	switch (io->op) {
	case BLK_READ:
	case BLK_WRITE:
		if (io->dev->direct && !io->dev->ovl &&
		    blk_direct_aligned(io->dev, io->off, io->iov, io->iov_cnt))
			p->rw_fd = io->dev->dio_fd; /* io_uring issues these without blocking */
		else if (io->op == BLK_WRITE && !(io->flags & BLK_F_FUA) && write_inline(io))
			return;
		else if (io->op == BLK_READ && !io->dev->ovl && read_inline(io))
			return;
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
	case BLK_COPY:
	offload : {
		struct blk_offload *o = offload_get(bq);
		if (o) {
			pthread_mutex_lock(&o->lock);
			p->next = NULL;
			if (o->todo_tail)
				priv_of(o->todo_tail)->next = io;
			else
				o->todo = io;
			o->todo_tail = io;
			pthread_cond_signal(&o->cond);
			pthread_mutex_unlock(&o->lock);
			return;
		}
		p->deferred_res = blk_sync_execute(io);
		break;
	}
	default:
		p->deferred_res = -EINVAL;
		break;
	}
nop:
	p->op.complete = deferred_complete;
	sqe = loop_sqe(bq->loop, &p->op);
	io_uring_prep_nop(sqe);
}

void blk_uring_queue_init(struct blk_uring_queue *bq, struct loop *loop)
{
	bq->q.submit = uring_submit;
	bq->loop = loop;
	bq->inflight = 0;
	bq->off = NULL;
	bq->punt_until_ns = 0;
	bq->sleeps_turn = 0;
	bq->sleeps_base = 0;
}
