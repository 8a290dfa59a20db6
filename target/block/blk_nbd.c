/* blk_nbd.c: see blk_nbd.h. */
#include "target/block/blk_nbd.h"

#include <errno.h>
#include <libnbd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/lunfile.h"
#include "target/block/blk_backend.h"

#define NBD_CONNECT_MS 5000	      /* a connect (or reconnect) gives up after this */
#define NBD_RETRY_NS   1000000000ull  /* reconnect at most once a second */
#define NBD_MAX_CMD    (4u << 20)     /* bytes per READ/WRITE command at most */
#define NBD_MAX_ZERO   (256ull << 20) /* bytes per WRITE_ZEROES command */
#define NBD_ZERO_BUF   (1u << 20)     /* zeroes written when the server has no WRITE_ZEROES */
#define NBD_MAX_STATUS (1ull << 30)   /* bytes asked about per NBD_CMD_BLOCK_STATUS */

/* A request's state while the NBD thread holds it (blk_io.remote_priv). */
struct nbd_req {
	blk_post_fn *post;
	void *ctx;
	struct blk_io *next; /* the submit queue, then the finished list */
	uint64_t seek_pos;   /* SEEK_*: the answer, or where to look on */
	uint32_t pending;    /* commands in flight, plus one while issuing */
	int32_t err;	     /* the first command's error (positive errno) */
	bool flushing;	     /* the flush after a FUA write the server could not take */
	bool seek_done;	     /* SEEK_*: seek_pos is the answer */
};

_Static_assert(sizeof(struct nbd_req) <= sizeof(((struct blk_io *)0)->remote_priv),
	       "blk_io.remote_priv too small");

struct blk_nbd {
	struct blk_backend be;
	char uri[LUNFILE_BACKEND_MAX + 1];
	char lun[NAME_MAX_LEN + 8];
	uint64_t size; /* bytes served */
	pthread_t thread;
	pthread_mutex_t lock;
	struct blk_io *todo, *todo_tail; /* under lock */
	bool stop;			 /* under lock */
	int wake;			 /* eventfd: the queue has something, or stop */
	/* The NBD thread's own: */
	struct nbd_handle *h; /* NULL while disconnected */
	struct blk_backend_info info;
	uint32_t max_cmd;
	bool can_status;	 /* base:allocation: SEEK_* ask the server where its holes are */
	uint64_t inflight;	 /* requests taken, not yet posted */
	struct blk_io *finished; /* requests whose commands all completed */
	uint64_t next_dial_ns;
	uint64_t progress_ns; /* the last reply, or when the connection last had nothing to do */
	bool down_logged;
	uint8_t *zeroes;
};

static struct nbd_req *req_of(struct blk_io *io)
{
	return (struct nbd_req *)(void *)io->remote_priv;
}

static struct blk_nbd *nbd_of(struct blk_backend *be)
{
	return (struct blk_nbd *)(void *)be;
}

/* Connects h to uri, waiting at most NBD_CONNECT_MS. 0 or -1 with why set. */
static int dial_wait(struct nbd_handle *h, const char *uri, char *why, size_t whylen)
{
	uint64_t deadline = clock_mono_ns() + NBD_CONNECT_MS * 1000000ull;

	if (nbd_aio_connect_uri(h, uri) < 0)
		goto out_err;
	while (nbd_aio_is_connecting(h)) {
		uint64_t now = clock_mono_ns();
		unsigned dir = nbd_aio_get_direction(h);
		struct pollfd p = {.fd = nbd_aio_get_fd(h)};
		if (now >= deadline) {
			snprintf(why, whylen, "no answer within %d s", NBD_CONNECT_MS / 1000);
			return -1;
		}
		p.events = (short)(((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
				   ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0));
		int r = poll(&p, 1, (int)((deadline - now) / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			goto out_err;
		if (r <= 0)
			continue;
		if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && (dir & LIBNBD_AIO_DIRECTION_READ))
			r = nbd_aio_notify_read(h);
		else if (p.revents & (POLLOUT | POLLHUP | POLLERR))
			r = nbd_aio_notify_write(h);
		if (r < 0)
			goto out_err;
	}
	if (nbd_aio_is_ready(h))
		return 0;
out_err:
	snprintf(why, whylen, "%s", nbd_get_error() ? nbd_get_error() : "connection failed");
	return -1;
}

static bool can_status(struct nbd_handle *h)
{
	return nbd_can_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
}

/* A new connection to n->uri with what it offers in *info; NULL with err set. */
static struct nbd_handle *dial(const char *uri, const char *lun, struct blk_backend_info *info,
			       char *err, size_t errlen)
{
	struct nbd_handle *h = nbd_create();
	char why[256];

	if (!h) {
		snprintf(err, errlen, "cannot start libnbd: %s", nbd_get_error());
		return NULL;
	}
	nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION);
	if (dial_wait(h, uri, why, sizeof(why)) != 0) {
		if (lun)
			snprintf(err, errlen,
				 "LUN '%s': cannot connect to the NBD export %s: %s; check that "
				 "its server runs and the URI (ringsan lun info %s)",
				 lun, uri, why, lun);
		else
			snprintf(err, errlen,
				 "cannot connect to the NBD export %s: %s; check that its server "
				 "runs and the URI",
				 uri, why);
		nbd_close(h);
		return NULL;
	}
	memset(info, 0, sizeof(*info));
	int64_t size = nbd_get_size(h);
	info->size = size > 0 ? (uint64_t)size : 0;
	info->read_only = nbd_is_read_only(h) == 1;
	info->can_flush = nbd_can_flush(h) == 1;
	info->can_fua = nbd_can_fua(h) == 1;
	info->can_zero = nbd_can_zero(h) == 1;
	snprintf(info->detail, sizeof(info->detail), "NBD %s%s%s%s%s%s",
		 nbd_get_protocol(h) ? nbd_get_protocol(h) : "", info->can_flush ? ", flush" : "",
		 info->can_fua ? ", fua" : "", info->can_zero ? ", write-zeroes" : "",
		 can_status(h) ? ", base:allocation" : "",
		 nbd_can_multi_conn(h) == 1 ? ", multi-conn" : "");
	return h;
}

/* Connected, or -EIO (retrying at most once a second). NBD thread. */
static int ensure_connected(struct blk_nbd *n)
{
	struct blk_backend_info info;
	char err[768];
	uint64_t now = clock_mono_ns();

	if (n->h)
		return 0;
	if (now < n->next_dial_ns)
		return -EIO;
	n->next_dial_ns = now + NBD_RETRY_NS;
	struct nbd_handle *h = dial(n->uri, n->lun, &info, err, sizeof(err));
	if (h && info.size < n->size) {
		snprintf(err, sizeof(err),
			 "LUN '%s': the NBD export %s came back with %llu bytes, fewer than the "
			 "LUN's %llu: not used",
			 n->lun, n->uri, (unsigned long long)info.size,
			 (unsigned long long)n->size);
		nbd_close(h);
		h = NULL;
	}
	if (!h) {
		if (!n->down_logged)
			log_err("%s; requests fail until it answers (retried each second)", err);
		n->down_logged = true;
		return -EIO;
	}
	log_notice("LUN %s: reconnected to the NBD export %s", n->lun, n->uri);
	n->h = h;
	n->can_status = can_status(h);
	n->info = info;
	n->down_logged = false;
	return 0;
}

static int64_t errno_to_res(int err)
{
	switch (err) {
	case EROFS:
	case EPERM:
		return -EROFS;
	case ENOSPC:
	case EDQUOT:
		return -ENOSPC;
	case EINVAL:
	case EOVERFLOW:
		return -EINVAL;
	case ENOTCONN: /* the connection is gone: ABORTED COMMAND, retried (sense_io_error) */
	case ECONNRESET:
	case EPIPE:
	case ESHUTDOWN:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

static void finish(struct blk_nbd *n, struct blk_io *io, int64_t res)
{
	struct nbd_req *r = req_of(io);
	n->inflight--;
	r->post(r->ctx, io, res);
}

/* libnbd's completion of one command (inside nbd_aio_notify_*: no libnbd call here). */
static int cmd_done(void *user_data, int *error)
{
	struct blk_io *io = user_data;
	struct nbd_req *r = req_of(io);

	struct blk_nbd *n = nbd_of(io->dev->be);

	n->progress_ns = clock_mono_ns();
	if (*error && !r->err)
		r->err = *error;
	if (--r->pending == 0) {
		r->next = n->finished;
		n->finished = io;
	}
	return 1;
}

/* One command; a failure to issue it counts as its error. */
static void issued(struct blk_io *io, int64_t cookie)
{
	struct nbd_req *r = req_of(io);

	if (cookie >= 0) {
		r->pending++;
	} else if (!r->err) {
		r->err = nbd_get_errno() ? nbd_get_errno() : EIO;
		log_debug("NBD command failed to start: %s", nbd_get_error());
	}
}

static void issue_rw(struct blk_nbd *n, struct blk_io *io)
{
	nbd_completion_callback cb = {.callback = cmd_done, .user_data = io};
	uint32_t flags = (io->op == BLK_WRITE && (io->flags & BLK_F_FUA) && n->info.can_fua)
			     ? LIBNBD_CMD_FLAG_FUA
			     : 0;
	uint64_t off = io->off;

	for (unsigned i = 0; i < io->iov_cnt && !req_of(io)->err; i++) {
		uint8_t *p = io->iov[i].iov_base;
		for (size_t left = io->iov[i].iov_len; left && !req_of(io)->err;) {
			size_t len = left < n->max_cmd ? left : n->max_cmd;
			issued(io, io->op == BLK_READ
				       ? nbd_aio_pread(n->h, p, len, off, cb, 0)
				       : nbd_aio_pwrite(n->h, p, len, off, cb, flags));
			p += len;
			off += len;
			left -= len;
		}
	}
}

static void issue_zero(struct blk_nbd *n, struct blk_io *io)
{
	nbd_completion_callback cb = {.callback = cmd_done, .user_data = io};
	uint64_t step = n->info.can_zero ? NBD_MAX_ZERO : NBD_ZERO_BUF;

	if (!n->info.can_zero && !n->zeroes && !(n->zeroes = calloc(1, NBD_ZERO_BUF))) {
		req_of(io)->err = ENOMEM;
		return;
	}
	for (uint64_t off = io->off, end = io->off + io->len; off < end && !req_of(io)->err;) {
		uint64_t len = end - off < step ? end - off : step;
		issued(io, n->info.can_zero ? nbd_aio_zero(n->h, len, off, cb, 0)
					    : nbd_aio_pwrite(n->h, n->zeroes, len, off, cb, 0));
		off += len;
	}
}

/* Drops the issuing reference: with no command left in flight, the request is finished. */
static void issuing_done(struct blk_nbd *n, struct blk_io *io)
{
	struct nbd_req *r = req_of(io);
	if (--r->pending == 0) {
		r->next = n->finished;
		n->finished = io;
	}
}

/* NBD_CMD_BLOCK_STATUS's extents (length, flags pairs) from offset: the first hole (HOLE and
 * ZERO: deallocated, reads as zeroes, as LBPRZ promises) or the first data, for SEEK_*. */
static int extents(void *user_data, const char *context, uint64_t offset, uint32_t *entries,
		   size_t nr_entries, int *error)
{
	struct blk_io *io = user_data;
	struct nbd_req *r = req_of(io);
	uint64_t pos = offset;
	(void)error;

	if (strcmp(context, LIBNBD_CONTEXT_BASE_ALLOCATION) != 0 || r->seek_done)
		return 0;
	for (size_t i = 0; i + 1 < nr_entries; i += 2) {
		bool hole = (entries[i + 1] & (LIBNBD_STATE_HOLE | LIBNBD_STATE_ZERO)) ==
			    (LIBNBD_STATE_HOLE | LIBNBD_STATE_ZERO);
		if (hole == (io->op == BLK_SEEK_HOLE)) {
			r->seek_pos = pos > io->off ? pos : io->off;
			r->seek_done = true;
			return 0;
		}
		pos += entries[i];
	}
	if (pos == offset) /* told nothing: call it data */
		r->seek_done = true;
	else
		r->seek_pos = pos;
	return 0;
}

static void issue_status(struct blk_nbd *n, struct blk_io *io)
{
	struct nbd_req *r = req_of(io);
	uint64_t len =
	    n->size - r->seek_pos < NBD_MAX_STATUS ? n->size - r->seek_pos : NBD_MAX_STATUS;

	issued(io, nbd_aio_block_status(
		       n->h, len, r->seek_pos,
		       (nbd_extent_callback){.callback = extents, .user_data = io},
		       (nbd_completion_callback){.callback = cmd_done, .user_data = io}, 0));
}

/* SEEK_* without base:allocation: all of it is data. */
static int64_t seek_all_data(const struct blk_nbd *n, const struct blk_io *io)
{
	return io->op == BLK_SEEK_DATA ? (int64_t)io->off : (int64_t)n->size;
}

static bool in_range(const struct blk_nbd *n, const struct blk_io *io)
{
	return io->off <= n->size && io->len <= n->size - io->off;
}

/* Takes a new request from the queue. NBD thread. */
static void start(struct blk_nbd *n, struct blk_io *io)
{
	struct nbd_req *r = req_of(io);

	n->inflight++;
	r->pending = 1;
	r->err = 0;
	r->flushing = false;
	r->seek_done = false;
	r->seek_pos = io->off;
	bool seek = io->op == BLK_SEEK_DATA || io->op == BLK_SEEK_HOLE;
	if (seek && io->off >= n->size) {
		finish(n, io, (int64_t)n->size);
		return;
	}
	if (io->op != BLK_FLUSH && !seek && !in_range(n, io)) {
		finish(n, io, -EINVAL);
		return;
	}
	if (ensure_connected(n) != 0) {
		finish(n, io, -ENOTCONN);
		return;
	}
	if (nbd_aio_in_flight(n->h) <= 0) /* the wait for a reply starts now */
		n->progress_ns = clock_mono_ns();
	if (seek && !n->can_status) {
		finish(n, io, seek_all_data(n, io));
		return;
	}
	switch (io->op) {
	case BLK_SEEK_DATA:
	case BLK_SEEK_HOLE:
		issue_status(n, io);
		break;
	case BLK_READ:
	case BLK_WRITE:
		issue_rw(n, io);
		break;
	case BLK_FLUSH:
		if (n->info.can_flush)
			issued(io, nbd_aio_flush(n->h,
						 (nbd_completion_callback){.callback = cmd_done,
									   .user_data = io},
						 0));
		break;
	case BLK_PUNCH:
		issue_zero(n, io);
		break;
	default:
		r->err = EINVAL;
		break;
	}
	issuing_done(n, io);
}

/* Posts the finished requests (or sends a FUA write's flush). NBD thread. */
static void reap(struct blk_nbd *n)
{
	while (n->finished) {
		struct blk_io *io = n->finished;
		struct nbd_req *r = req_of(io);
		n->finished = r->next;
		if (!r->err && io->op == BLK_WRITE && (io->flags & BLK_F_FUA) && !r->flushing &&
		    !n->info.can_fua && n->info.can_flush && n->h) {
			r->flushing = true;
			r->pending = 1;
			issued(io, nbd_aio_flush(n->h,
						 (nbd_completion_callback){.callback = cmd_done,
									   .user_data = io},
						 0));
			issuing_done(n, io);
			continue;
		}
		if (!r->err && (io->op == BLK_SEEK_DATA || io->op == BLK_SEEK_HOLE)) {
			if (!r->seek_done && r->seek_pos < n->size && n->h) {
				r->pending = 1; /* the server described part: ask on */
				issue_status(n, io);
				issuing_done(n, io);
				continue;
			}
			finish(n, io, (int64_t)(r->seek_pos < n->size ? r->seek_pos : n->size));
			continue;
		}
		if (r->err)
			finish(n, io, errno_to_res(r->err));
		else
			finish(n, io,
			       io->op == BLK_READ || io->op == BLK_WRITE ? (int64_t)io->len : 0);
	}
}

/* The server is gone: libnbd has failed what was in flight; the next request reconnects. */
static void lost(struct blk_nbd *n)
{
	log_err("LUN %s: the NBD export %s disconnected (%s): its requests in flight fail with "
		"errors; reconnecting at the next request",
		n->lun, n->uri, nbd_get_error() ? nbd_get_error() : "connection closed");
	nbd_close(n->h); /* fails what libnbd still held */
	n->h = NULL;
	n->next_dial_ns = 0;
	n->down_logged = false;
}

/* [server] nbd_timeout: commands wait and the server sent nothing for that long. It is hung
 * (stopped, or a network path gone without a reset) and may never answer: the socket is shut so
 * that libnbd fails what is in flight, exactly as when the server dies, and the next request
 * connects again. NBD thread. */
static void check_hung(struct blk_nbd *n)
{
	uint32_t ms = blk_backend_nbd_timeout();

	if (!n->h || !ms || nbd_aio_in_flight(n->h) <= 0 ||
	    clock_mono_ns() - n->progress_ns < (uint64_t)ms * 1000000u)
		return;
	log_err("LUN %s: the NBD export %s sent no reply for %u s (nbd_timeout): its requests in "
		"flight fail with I/O errors; connecting again at the next request",
		n->lun, n->uri, ms / 1000);
	int fd = nbd_aio_get_fd(n->h);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	/* The shut socket reads EOF (or fails to send): libnbd fails every command it holds. */
	if (!nbd_aio_is_dead(n->h) && !nbd_aio_is_closed(n->h))
		nbd_aio_notify_read(n->h);
	if (!nbd_aio_is_dead(n->h) && !nbd_aio_is_closed(n->h))
		nbd_aio_notify_write(n->h);
	nbd_close(n->h);
	n->h = NULL;
	n->next_dial_ns = 0;
	n->down_logged = false;
}

/* One poll of the wake eventfd and the socket, and what it says. NBD thread. */
static void poll_once(struct blk_nbd *n)
{
	struct pollfd p[2] = {{.fd = n->wake, .events = POLLIN}};
	unsigned dir = 0;
	int cnt = 1;

	if (n->h) {
		dir = nbd_aio_get_direction(n->h);
		p[1].fd = nbd_aio_get_fd(n->h);
		p[1].events = (short)(((dir & LIBNBD_AIO_DIRECTION_READ) ? POLLIN : 0) |
				      ((dir & LIBNBD_AIO_DIRECTION_WRITE) ? POLLOUT : 0));
		cnt = p[1].fd >= 0 ? 2 : 1;
	}
	if (poll(p, (nfds_t)cnt, 1000) <= 0) {
		check_hung(n);
		return;
	}
	if (p[0].revents & POLLIN) {
		uint64_t v;
		if (read(n->wake, &v, sizeof(v)) < 0) {
			/* EAGAIN: someone else read it; nothing to do */
		}
	}
	if (cnt == 2 && p[1].revents) {
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (dir & LIBNBD_AIO_DIRECTION_READ))
			nbd_aio_notify_read(n->h);
		else if (p[1].revents & (POLLOUT | POLLHUP | POLLERR))
			nbd_aio_notify_write(n->h);
	}
	if (n->h && (nbd_aio_is_dead(n->h) || nbd_aio_is_closed(n->h)))
		lost(n);
	else
		check_hung(n);
}

static void *nbd_main(void *arg)
{
	struct blk_nbd *n = arg;

	for (;;) {
		pthread_mutex_lock(&n->lock);
		struct blk_io *io = n->todo;
		bool stop = n->stop;
		n->todo = n->todo_tail = NULL;
		pthread_mutex_unlock(&n->lock);
		while (io) {
			struct blk_io *next = req_of(io)->next;
			start(n, io);
			io = next;
		}
		reap(n);
		if (stop && !n->inflight)
			break;
		poll_once(n);
		reap(n);
	}
	return NULL;
}

static void nbd_submit(struct blk_backend *be, struct blk_io *io, blk_post_fn *post, void *ctx)
{
	struct blk_nbd *n = nbd_of(be);
	struct nbd_req *r = req_of(io);
	uint64_t one = 1;

	r->post = post;
	r->ctx = ctx;
	r->next = NULL;
	pthread_mutex_lock(&n->lock);
	if (n->todo_tail)
		req_of(n->todo_tail)->next = io;
	else
		n->todo = io;
	n->todo_tail = io;
	pthread_mutex_unlock(&n->lock);
	if (write(n->wake, &one, sizeof(one)) < 0) {
		/* the counter is full: the thread is awake already */
	}
}

static void nbd_free(struct blk_nbd *n)
{
	if (n->h)
		nbd_close(n->h);
	if (n->wake >= 0)
		close(n->wake);
	pthread_mutex_destroy(&n->lock);
	free(n->zeroes);
	free(n);
}

static void nbd_backend_close(struct blk_backend *be)
{
	struct blk_nbd *n = nbd_of(be);
	uint64_t one = 1;

	pthread_mutex_lock(&n->lock);
	n->stop = true;
	pthread_mutex_unlock(&n->lock);
	if (write(n->wake, &one, sizeof(one)) < 0) {
		/* the counter is full: the thread is awake already */
	}
	pthread_join(n->thread, NULL);
	if (n->h)
		nbd_shutdown(n->h, 0);
	nbd_free(n);
}

static const struct blk_backend_ops nbd_ops = {
    .kind = "nbd",
    .submit = nbd_submit,
    .close = nbd_backend_close,
};

int blk_nbd_open(const char *uri, const char *lun, uint64_t size, struct blk_backend **out,
		 struct blk_backend_info *info, char *err, size_t errlen)
{
	struct blk_nbd *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return -ENOMEM;
	n->be.ops = &nbd_ops;
	n->wake = -1;
	pthread_mutex_init(&n->lock, NULL);
	snprintf(n->uri, sizeof(n->uri), "%s", uri);
	snprintf(n->lun, sizeof(n->lun), "%s", lun ? lun : "(new)");
	n->h = dial(uri, lun, info, err, errlen);
	if (!n->h) {
		ret = -EHOSTUNREACH;
		goto out_free;
	}
	n->info = *info;
	if (size > info->size) {
		snprintf(err, errlen,
			 "LUN '%s': the NBD export %s holds %llu bytes, fewer than the LUN's %llu: "
			 "grow the export, or recreate the LUN with its size",
			 n->lun, uri, (unsigned long long)info->size, (unsigned long long)size);
		ret = -EFBIG;
		goto out_free;
	}
	n->size = size ? size : info->size;
	n->can_status = can_status(n->h);
	int64_t max = nbd_get_block_size(n->h, LIBNBD_SIZE_MAXIMUM);
	n->max_cmd = max > 0 && (uint64_t)max < NBD_MAX_CMD ? (uint32_t)max : NBD_MAX_CMD;
	n->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = n->wake < 0 ? -errno : -pthread_create(&n->thread, NULL, nbd_main, n);
	if (ret) {
		snprintf(err, errlen, "LUN '%s': cannot start its NBD thread: %s", n->lun,
			 strerror(-ret));
		goto out_free;
	}
	*out = &n->be;
	return 0;
out_free:
	nbd_free(n);
	return ret;
}
