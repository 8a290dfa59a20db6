/* worker.h: one worker thread = one io_uring loop, its own listening sockets (SO_REUSEPORT: the
 * kernel spreads connections over workers), its block queue, and the connections it accepted.
 * A connection never changes worker, so its state needs no locks. */
#ifndef RINGSAN_DAEMON_WORKER_H
#define RINGSAN_DAEMON_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/loop.h"
#include "target/block/blk_uring.h"
#include "target/daemon/server.h"

/* Each listener's accept queue (the kernel caps it at net.core.somaxconn). */
#define LISTEN_BACKLOG 1024

struct listener {
	struct worker *w;
	int fd;
	struct loop_op accept_op;
	bool armed;
	/* Out of descriptors: accept again after a pause that grows up to a second. */
	struct loop_op backoff_op;
	struct __kernel_timespec backoff_ts;
	uint32_t backoff_ms;
	bool backing_off;
};

/* What admission control did since its last log line (one line per 10 s at most). */
struct admit_stats {
	uint64_t logged_ms;
	unsigned dropped_budget, dropped_share, timed_out, refused, no_fds, delayed;
};

struct worker {
	unsigned id;
	struct server *srv;
	pthread_t thread;
	struct loop loop;
	struct blk_uring_queue bq;
	struct listener listeners[CONFIG_MAX_PORTALS];
	unsigned nlisteners;

	int wake_fd; /* eventfd: another thread wants attention (stop, kill a session) */
	uint64_t wake_val;
	struct loop_op wake_op;
	struct loop_op timer_op;
	struct __kernel_timespec timer_ts;

	struct netconn *conns;
	unsigned nconns;
	unsigned nprelogin;		  /* connections counted in the pre-login budget */
	struct admit_conn *admit_scratch; /* nprelogin entries at most */
	struct admit_stats admit_stats;
	/* The same since the start, for the metrics (obs_render.h enum obs_admit). */
	_Atomic uint64_t admit_total[OBS_ADMIT_COUNT];
	_Atomic uint64_t chap_delays;
	unsigned conns_peak; /* most connections since the last malloc_trim */
	uint64_t trimmed_ms;
	struct netconn *dirty; /* connections with PDUs to send, flushed after each loop turn */

	pthread_mutex_t kill_lock; /* guards kill requests and wakes from other threads */
	bool kill_pending;
	struct conn_wake *wakes;    /* tasks whose range lock was granted, LIFO */
	struct netconn_park *parks; /* logins whose LUN's storage connected (or failed), LIFO */
	unsigned nparks; /* parks this worker owns (its thread only): it stops once none is left */
	_Atomic bool stop; /* set by worker_stop() from another thread */
};

/* Admission control turned a connection away: counted for the metrics (on w's thread). */
static inline void worker_admit_count(struct worker *w, enum obs_admit why)
{
	stats_bump(&w->admit_total[why], 1);
}

/* Admission control acted (or the tick came): log what it counted, at once the first time, then
 * at most once every 10 s. */
void worker_admit_log(struct worker *w, uint64_t now_ms);

/* Opens the listening sockets on every portal and the ring. 0 or -errno with err set (one line
 * saying what to do: port in use, io_uring unavailable ...). */
int worker_init(struct worker *w, struct server *srv, unsigned id, char *err, size_t errlen);
int worker_start(struct worker *w);
/* Binds the portal alone (no SO_REUSEPORT) and closes it again: 0, or -errno with err set when
 * another program holds the port. */
int worker_probe_portal(const struct config_portal *p, char *err, size_t errlen);
/* Asks the worker to stop: no new connections; running sessions end after in-flight I/O. */
void worker_stop(struct worker *w);
void worker_join(struct worker *w);
/* From any thread (under a LU's lock): a waiting task of one of w's connections may go on. */
void worker_post_wake(struct worker *w, struct conn_wake *wk);
/* From any thread (a LUN's connecting thread): the answer to a parked login came. */
void worker_post_park(struct worker *w, struct netconn_park *p);
/* From any thread, under the server's session lock: abort every task of nc's session. */
void worker_abort_conn(struct worker *w, struct netconn *nc);
/* How long an initiator pinged by worker_ping_conn has to answer: a machine that started a new
 * boot leaves its old sessions unanswered (iPXE does not reset connections it does not know), and
 * its new boot waits for them; a live initiator answers a ping in well under a second. */
#define WORKER_PING_TIMEOUT_MS 10000

/* From any thread, under the server's session lock: ping nc's initiator now (conn_ping); no
 * answer within WORKER_PING_TIMEOUT_MS ends the connection. */
void worker_ping_conn(struct worker *w, struct netconn *nc);
/* From any thread, under the server's session lock: end connection nc (reinstatement). */
void worker_kill_conn(struct worker *w, struct netconn *nc, const char *why);

#endif
