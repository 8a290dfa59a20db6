/* loop.h: one io_uring per thread, and the only code that reaps its completions.
 * Every submission carries a struct loop_op embedded in its owner as user_data; the loop calls
 * op->complete(op, res, flags) and owners come back with container_of. An owner with ops in flight
 * is never freed: it counts them and frees itself at the last completion. */
#ifndef RINGSAN_COMMON_LOOP_H
#define RINGSAN_COMMON_LOOP_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

struct loop_op;
typedef void (*loop_complete_fn)(struct loop_op *op, int res, uint32_t cqe_flags);

struct loop_op {
	loop_complete_fn complete;
};

#define LOOP_POSTED_MAX 256

struct loop {
	struct io_uring ring;
	bool stop;
	unsigned unsubmitted;
	unsigned nposted;
	struct loop_op *posted[LOOP_POSTED_MAX]; /* loop_post's, completed by the next turn */
	uint64_t turns; /* loop_run_once calls that waited: a new number after every wait */
};

/* 0 or -errno. On -ENOSYS / -EPERM io_uring is unavailable: loop_unavailable_hint() says why and
 * how to allow it, for the one line the daemon prints before exiting. */
int loop_init(struct loop *l, unsigned entries);
void loop_fini(struct loop *l);
const char *loop_unavailable_hint(int err);

/* A free SQE tied to op (submitting queued ones first if the ring is full); never NULL. */
struct io_uring_sqe *loop_sqe(struct loop *l, struct loop_op *op);
/* Closes fd once the queued SQEs have reached the kernel. A queued SQE names its file by number
 * and the kernel looks it up at submission: were fd closed first, a connection accepted in the
 * meantime could reuse the number, and a stale recv or send would then read or write that other
 * connection's socket. Submitted ops hold their own reference to the file. */
void loop_close_fd(struct loop *l, int fd);
/* Completes op (op->complete(op, 0, 0)) in the loop's current or next turn, after its
 * completions, without a trip through the kernel: for work done at submission (an inline write)
 * whose owner must still hear of it from the loop, never from inside its own submit call. False
 * when LOOP_POSTED_MAX are already waiting: the caller then goes through the ring (a NOP). */
bool loop_post(struct loop *l, struct loop_op *op);
/* One turn: submit what is queued, wait for at least one completion (at most timeout_ms; -1 waits
 * as long as it takes; no wait while posted ops are waiting), dispatch every completion there is,
 * then the posted ops (those posted meanwhile wait for the next turn, which does not wait). The
 * caller loops until l->stop. */
void loop_run_once(struct loop *l, int timeout_ms);
static inline void loop_stop(struct loop *l)
{
	l->stop = true;
}

#endif
