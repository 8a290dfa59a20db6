/* worker.c: see worker.h. */
#include "target/daemon/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "target/daemon/netconn.h"

#define WORKER_RING_ENTRIES 1024
#define WORKER_TICK_MS	    1000

static int listen_on(const struct config_portal *p, bool reuseport, char *err, size_t errlen)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int one = 1, fd;

	if (p->ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(p->port);
		inet_pton(AF_INET6, p->host, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(p->port);
		inet_pton(AF_INET, p->host, &a->sin_addr);
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto out_err;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (p->ipv6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* A deep accept queue: during a connection flood a short one makes the kernel drop SYNs,
	 * and a good initiator then waits out TCP's 1 s and 3 s retransmissions before admission
	 * control ever sees it. Accepted, a flood's connections are what admission control sheds.
	 */
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		goto out_err;
	return fd;
out_err:;
	int e = errno;
	snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s%s", p->ipv6 ? "[" : "", p->host,
		 p->ipv6 ? "]" : "", p->port, strerror(e),
		 e == EADDRINUSE      ? " (another target, or another ringsan, is using that port: "
					"stop it or choose another with --listen ADDR:PORT)"
		 : e == EACCES	      ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
		 : e == EADDRNOTAVAIL ? " (no interface has that address)"
				      : "");
	if (fd >= 0)
		close(fd);
	return -e;
}

static void accept_arm(struct listener *l);

void worker_admit_log(struct worker *w, uint64_t now_ms)
{
	struct admit_stats *a = &w->admit_stats;
	unsigned total = a->dropped_budget + a->dropped_share + a->timed_out + a->refused +
			 a->no_fds + a->delayed;

	if (!total || (a->logged_ms && now_ms - a->logged_ms < 10000))
		return;
	log_warn(
	    "admission control (worker %u, %u logins in progress, %u other connections): %u logins "
	    "dropped for newcomers (max_logins), %u dropped for newcomers from the same address "
	    "(max_logins_per_address), %u timed out (login_timeout), %u connections refused, "
	    "%u accepts failed for want of descriptors, %u logins delayed after CHAP failures",
	    w->id, w->nprelogin, w->nconns - w->nprelogin, a->dropped_budget, a->dropped_share,
	    a->timed_out, a->refused, a->no_fds, a->delayed);
	memset(a, 0, sizeof(*a));
	a->logged_ms = now_ms ? now_ms : 1;
}

/* The worker's logins in progress (but not_this), as the admission policy sees them, in
 * w->admit_scratch. */
static size_t collect_logins(struct worker *w, const struct netconn *not_this)
{
	size_t n = 0, cap = w->srv->admit.max_logins * 2 + 16;
	for (struct netconn *o = w->conns; o && n < cap; o = o->next)
		if (o != not_this && o->prelogin && o->sock != NETCONN_SHUT &&
		    conn_phase(o->conn) == CONN_LOGIN)
			w->admit_scratch[n++] = (struct admit_conn){o->since_ms, o->addr, o};
	return n;
}

/* A new connection: admitted, with an older login dropped when the budget or its address's
 * share is full (admit.h); logged-in sessions are never dropped for it. */
static void admit(struct worker *w, int fd)
{
	struct server *srv = w->srv;
	uint64_t now = netconn_now_ms();
	size_t n, cap = srv->admit.max_logins * 2 + 16;

	if (w->nconns >= srv->max_sessions + cap) { /* sessions and dying logins fill the worker */
		w->admit_stats.refused++;
		worker_admit_count(w, OBS_ADMIT_FULL);
		worker_admit_log(w, now);
		close(fd);
		return;
	}
	struct netconn *nc = netconn_new(w, fd, now);
	if (!nc)
		return;
	if (w->nconns > w->conns_peak)
		w->conns_peak = w->nconns;
	n = collect_logins(w, nc);
	struct admit_decision d;
	admit_decide(&srv->admit, w->admit_scratch, n, nc->addr, &d);
	if (d.verdict != ADMIT_ACCEPT_EVICT)
		return;
	if (d.reason == ADMIT_ADDRESS_SHARE) {
		w->admit_stats.dropped_share++;
		worker_admit_count(w, OBS_ADMIT_PER_ADDRESS);
	} else {
		w->admit_stats.dropped_budget++;
		worker_admit_count(w, OBS_ADMIT_MAX_LOGINS);
	}
	worker_admit_log(w, now);
	netconn_drop(d.victim, admit_reason_name(d.reason));
}

static void backoff_done(struct loop_op *op, int res, uint32_t flags)
{
	struct listener *l = container_of(op, struct listener, backoff_op);
	(void)res;
	(void)flags;
	l->backing_off = false;
	if (!l->armed && !l->w->stop && l->fd >= 0)
		accept_arm(l);
}

/* Out of descriptors (or kernel memory): drop the oldest login in progress so the newcomer gets
 * its descriptor, or, with none, answer one waiting initiator with a close through the reserve
 * descriptor; then pause accepting instead of spinning on the same error. */
static void accept_backoff(struct listener *l, int err)
{
	struct worker *w = l->w;
	uint64_t now = netconn_now_ms();

	w->admit_stats.no_fds++;
	worker_admit_count(w, OBS_ADMIT_NO_FDS);
	if (!w->admit_stats.logged_ms || now - w->admit_stats.logged_ms >= 10000)
		log_err("accept failed: %s: the oldest logins in progress make room (or waiting "
			"connections are closed) until descriptors are free; raise LimitNOFILE= / "
			"ulimit -n, or lower max_sessions and max_logins",
			strerror(-err));
	size_t n = collect_logins(w, NULL);
	if (n) {
		/* A login in progress gives its descriptor to the waiting newcomer, as when the
		 * budget is full: the oldest of the busiest address. */
		struct admit_limits all = {.max_logins = 1, .max_logins_per_addr = UINT32_MAX};
		struct admit_decision d;
		admit_decide(&all, w->admit_scratch, n, 0, &d);
		w->admit_stats.dropped_budget++;
		netconn_drop(d.victim, "out of descriptors: the oldest login makes room");
		l->backoff_ms = 10;
	} else {
		server_refuse_with_reserve(w->srv, l->fd);
		l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : 10;
		if (l->backoff_ms > 1000)
			l->backoff_ms = 1000;
	}
	worker_admit_log(w, now);
	l->backoff_ts.tv_sec = l->backoff_ms / 1000;
	l->backoff_ts.tv_nsec = (long long)(l->backoff_ms % 1000) * 1000000;
	l->backoff_op.complete = backoff_done;
	struct io_uring_sqe *sqe = loop_sqe(&w->loop, &l->backoff_op);
	io_uring_prep_timeout(sqe, &l->backoff_ts, 0, 0);
	l->backing_off = true;
}

static void accept_done(struct loop_op *op, int res, uint32_t flags)
{
	struct listener *l = container_of(op, struct listener, accept_op);
	struct worker *w = l->w;

	if (!(flags & IORING_CQE_F_MORE))
		l->armed = false;
	if (res >= 0) {
		l->backoff_ms = 0;
		if (w->stop)
			close(res);
		else
			admit(w, res);
	} else if (res == -EMFILE || res == -ENFILE || res == -ENOBUFS || res == -ENOMEM) {
		if (!l->backing_off && !w->stop) {
			if (l->armed) { /* a multishot accept that goes on would spin: stop it */
				struct io_uring_sqe *sqe = loop_sqe(&w->loop, NULL);
				io_uring_prep_cancel(sqe, &l->accept_op, 0);
			}
			accept_backoff(l, res);
		}
		return;
	} else if (res != -ECANCELED && res != -EBADF && !w->stop) {
		log_warn("accept failed: %s", strerror(-res));
	}
	if (!l->armed && !l->backing_off && !w->stop)
		accept_arm(l);
}

static void accept_arm(struct listener *l)
{
	l->accept_op.complete = accept_done;
	struct io_uring_sqe *sqe = loop_sqe(&l->w->loop, &l->accept_op);
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
	l->armed = true;
}

static void wake_arm(struct worker *w);

static void handle_parks(struct worker *w)
{
	pthread_mutex_lock(&w->kill_lock);
	struct netconn_park *list = w->parks;
	w->parks = NULL;
	pthread_mutex_unlock(&w->kill_lock);
	while (list) {
		struct netconn_park *p = list;
		list = p->next;
		netconn_park_answered(p);
	}
}

static void handle_wakes(struct worker *w)
{
	handle_parks(w);
	pthread_mutex_lock(&w->kill_lock);
	struct conn_wake *list = w->wakes;
	w->wakes = NULL;
	pthread_mutex_unlock(&w->kill_lock);
	while (list) {
		struct conn_wake *wk = list;
		list = wk->next;
		struct netconn *nc = conn_env_ctx(wk->conn);
		conn_task_woken(wk);
		netconn_poke(nc);
	}
}

static void handle_kills(struct worker *w)
{
	handle_wakes(w);
	pthread_mutex_lock(&w->kill_lock);
	bool pending = w->kill_pending;
	w->kill_pending = false;
	pthread_mutex_unlock(&w->kill_lock);
	if (!pending)
		return;
	/* One at a time, looked up afresh: killing may free connections. */
	for (;;) {
		struct netconn *victim = NULL;
		const char *why = NULL;
		bool abort = false, ping = false;
		pthread_mutex_lock(&w->kill_lock);
		for (struct netconn *nc = w->conns; nc && !victim; nc = nc->next) {
			if (nc->ping_requested && !nc->abort_requested && !nc->kill_requested) {
				nc->ping_requested = false;
				ping = true;
				victim = nc;
			} else if (nc->abort_requested || nc->kill_requested) {
				abort = nc->abort_requested;
				nc->abort_requested = false;
				if (!abort)
					nc->kill_requested = false;
				victim = nc;
				why = nc->kill_why;
			}
		}
		pthread_mutex_unlock(&w->kill_lock);
		if (!victim)
			return;
		if (ping) {
			conn_ping(victim->conn, netconn_now_ms(), WORKER_PING_TIMEOUT_MS);
			netconn_poke(victim);
			continue;
		}
		if (abort) {
			conn_abort_tasks(victim->conn);
			netconn_poke(victim);
			continue;
		}
		netconn_kill(victim, why);
	}
}

static void stop_listening(struct worker *w)
{
	for (unsigned i = 0; i < w->nlisteners; i++) {
		if (w->listeners[i].fd >= 0) {
			shutdown(w->listeners[i].fd, SHUT_RDWR);
			close(w->listeners[i].fd);
			w->listeners[i].fd = -1;
		}
	}
}

static void wake_done(struct loop_op *op, int res, uint32_t flags)
{
	struct worker *w = container_of(op, struct worker, wake_op);
	(void)res;
	(void)flags;
	handle_kills(w);
	if (w->stop) {
		stop_listening(w);
		for (struct netconn *nc = w->conns, *next; nc; nc = next) {
			next = nc->next;
			netconn_kill(nc, "the target is stopping");
		}
	}
	wake_arm(w);
}

static void wake_arm(struct worker *w)
{
	w->wake_op.complete = wake_done;
	struct io_uring_sqe *sqe = loop_sqe(&w->loop, &w->wake_op);
	io_uring_prep_read(sqe, w->wake_fd, &w->wake_val, sizeof(w->wake_val), 0);
}

static void timer_arm(struct worker *w);

/* After a burst of connections (a flood, a boot storm) ended, give the freed memory back: the
 * daemon keeps freed heap for speed (M_TRIM_THRESHOLD), which would otherwise hold the burst's
 * peak for ever. At most every 2 s, once at least 64 connections and half the peak are gone. */
static void trim_after_burst(struct worker *w, uint64_t now)
{
	if (w->nconns > w->conns_peak)
		w->conns_peak = w->nconns;
	if (w->conns_peak - w->nconns < 64 || w->nconns > w->conns_peak / 2 ||
	    now - w->trimmed_ms < 2000)
		return;
	malloc_trim(0);
	w->trimmed_ms = now;
	w->conns_peak = w->nconns;
}

static void timer_done(struct loop_op *op, int res, uint32_t flags)
{
	struct worker *w = container_of(op, struct worker, timer_op);
	uint64_t now = netconn_now_ms();
	(void)res;
	(void)flags;
	for (struct netconn *nc = w->conns, *next; nc; nc = next) {
		next = nc->next;
		netconn_tick(nc, now);
	}
	worker_admit_log(w, now);
	trim_after_burst(w, now);
	timer_arm(w);
}

static void timer_arm(struct worker *w)
{
	w->timer_ts.tv_sec = WORKER_TICK_MS / 1000;
	w->timer_ts.tv_nsec = 0;
	w->timer_op.complete = timer_done;
	struct io_uring_sqe *sqe = loop_sqe(&w->loop, &w->timer_op);
	io_uring_prep_timeout(sqe, &w->timer_ts, 0, 0);
}

static void flush_dirty(struct worker *w)
{
	while (w->dirty) {
		struct netconn *nc = w->dirty;
		w->dirty = nc->dirty_next;
		nc->dirty = false;
		netconn_poke(nc);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned i = 0; i < w->nlisteners; i++)
		accept_arm(&w->listeners[i]);
	wake_arm(w);
	timer_arm(w);
	while (!(w->stop && !w->conns && !w->nparks)) {
		loop_run_once(&w->loop, -1);
		flush_dirty(w);
	}
	return NULL;
}

int worker_init(struct worker *w, struct server *srv, unsigned id, char *err, size_t errlen)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->srv = srv;
	pthread_mutex_init(&w->kill_lock, NULL);
	for (unsigned i = 0; i < CONFIG_MAX_PORTALS; i++)
		w->listeners[i].fd = -1;
	ret = loop_init(&w->loop, WORKER_RING_ENTRIES);
	if (ret < 0) {
		snprintf(err, errlen, "%s (%s)", loop_unavailable_hint(ret), strerror(-ret));
		return ret;
	}
	blk_uring_queue_init(&w->bq, &w->loop);
	w->admit_scratch = calloc(srv->admit.max_logins * 2 + 16, sizeof(*w->admit_scratch));
	if (!w->admit_scratch) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_loop;
	}
	w->wake_fd = eventfd(0, EFD_CLOEXEC);
	if (w->wake_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto out_loop;
	}
	for (unsigned i = 0; i < srv->nportals; i++) {
		ret = listen_on(&srv->portals[i], true, err, errlen);
		if (ret < 0)
			goto out_listen;
		w->listeners[i].fd = ret;
		w->listeners[i].w = w;
		w->nlisteners++;
	}
	return 0;
out_listen:
	stop_listening(w);
	close(w->wake_fd);
out_loop:
	free(w->admit_scratch);
	loop_fini(&w->loop);
	return ret;
}

int worker_probe_portal(const struct config_portal *p, char *err, size_t errlen)
{
	int fd = listen_on(p, false, err, errlen);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int worker_start(struct worker *w)
{
	return -pthread_create(&w->thread, NULL, worker_main, w);
}

static void wake(struct worker *w)
{
	uint64_t one = 1;
	if (write(w->wake_fd, &one, sizeof(one)) < 0)
		log_warn("worker %u: wake-up failed: %s", w->id, strerror(errno));
}

void worker_stop(struct worker *w)
{
	w->stop = true; /* atomic: read by the worker after the wake-up's read completes */
	wake(w);
}

void worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
	stop_listening(w);
	close(w->wake_fd);
	loop_fini(&w->loop);
	blk_uring_queue_fini(&w->bq);
	free(w->admit_scratch);
	pthread_mutex_destroy(&w->kill_lock);
}

void worker_post_wake(struct worker *w, struct conn_wake *wk)
{
	pthread_mutex_lock(&w->kill_lock);
	wk->next = w->wakes;
	w->wakes = wk;
	pthread_mutex_unlock(&w->kill_lock);
	wake(w);
}

void worker_post_park(struct worker *w, struct netconn_park *p)
{
	pthread_mutex_lock(&w->kill_lock);
	p->next = w->parks;
	w->parks = p;
	pthread_mutex_unlock(&w->kill_lock);
	wake(w);
}

void worker_abort_conn(struct worker *w, struct netconn *nc)
{
	pthread_mutex_lock(&w->kill_lock);
	nc->abort_requested = true;
	w->kill_pending = true;
	pthread_mutex_unlock(&w->kill_lock);
	wake(w);
}

void worker_ping_conn(struct worker *w, struct netconn *nc)
{
	pthread_mutex_lock(&w->kill_lock);
	nc->ping_requested = true;
	w->kill_pending = true;
	pthread_mutex_unlock(&w->kill_lock);
	wake(w);
}

void worker_kill_conn(struct worker *w, struct netconn *nc, const char *why)
{
	pthread_mutex_lock(&w->kill_lock);
	nc->kill_requested = true;
	nc->kill_why = why;
	w->kill_pending = true;
	pthread_mutex_unlock(&w->kill_lock);
	wake(w);
}
