/* loop.c: see loop.h. */
#include "common/loop.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int loop_init(struct loop *l, unsigned entries)
{
	struct io_uring_params p;

	memset(l, 0, sizeof(*l));
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SUBMIT_ALL;
	int ret = io_uring_queue_init_params(entries, &l->ring, &p);
	if (ret == -EINVAL) { /* kernels before 5.18 lack SUBMIT_ALL */
		memset(&p, 0, sizeof(p));
		ret = io_uring_queue_init_params(entries, &l->ring, &p);
	}
	return ret;
}

void loop_fini(struct loop *l)
{
	io_uring_queue_exit(&l->ring);
}

const char *loop_unavailable_hint(int err)
{
	switch (err) {
	case -ENOSYS:
		return "io_uring is not available: this kernel lacks it or a seccomp filter (a "
		       "container "
		       "runtime's default profile) blocks it; run on Linux >= 5.19 and allow the "
		       "io_uring_setup, io_uring_enter and io_uring_register system calls";
	case -EPERM:
		return "io_uring is disabled: set `sysctl kernel.io_uring_disabled=0` (or 1 and "
		       "run as "
		       "a member of kernel.io_uring_group), or allow io_uring in the container's "
		       "seccomp profile";
	case -ENOMEM:
		return "io_uring could not lock its ring memory: raise RLIMIT_MEMLOCK "
		       "(LimitMEMLOCK= in "
		       "the systemd unit, or ulimit -l)";
	default:
		return "io_uring could not be set up";
	}
}

struct io_uring_sqe *loop_sqe(struct loop *l, struct loop_op *op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);
	while (!sqe) {
		io_uring_submit(&l->ring);
		l->unsubmitted = 0;
		sqe = io_uring_get_sqe(&l->ring);
	}
	io_uring_sqe_set_data(sqe, op);
	l->unsubmitted++;
	return sqe;
}

void loop_close_fd(struct loop *l, int fd)
{
	if (l->unsubmitted) {
		io_uring_submit(&l->ring);
		l->unsubmitted = 0;
	}
	close(fd);
}

bool loop_post(struct loop *l, struct loop_op *op)
{
	if (l->nposted >= LOOP_POSTED_MAX)
		return false;
	l->posted[l->nposted++] = op;
	return true;
}

static void dispatch_posted(struct loop *l)
{
	struct loop_op *batch[LOOP_POSTED_MAX];
	unsigned n = l->nposted;

	memcpy(batch, l->posted, n * sizeof(batch[0]));
	l->nposted = 0;
	for (unsigned i = 0; i < n; i++)
		batch[i]->complete(batch[i], 0, 0);
}

void loop_run_once(struct loop *l, int timeout_ms)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts;
	unsigned head, seen = 0;
	int ret;

	if (l->nposted) {
		ret = io_uring_submit(&l->ring); /* work is waiting: reap what is there, no wait */
	} else if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
		ret = io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &ts, NULL);
	} else {
		ret = io_uring_submit_and_wait(&l->ring, 1);
	}
	l->unsubmitted = 0;
	l->turns++;
	if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EBUSY) {
		dispatch_posted(l);
		return;
	}
	io_uring_for_each_cqe(&l->ring, head, cqe)
	{
		struct loop_op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		uint32_t flags = cqe->flags;
		seen++;
		if (op)
			op->complete(op, res, flags);
	}
	io_uring_cq_advance(&l->ring, seen);
	dispatch_posted(l);
}
