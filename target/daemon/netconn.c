/* netconn.c: see netconn.h. */
#include "target/daemon/netconn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "target/daemon/worker.h"

static void rx_arm(struct netconn *nc);
static void tx_start(struct netconn *nc);

uint64_t netconn_now_ms(void)
{
	return clock_mono_ms();
}

static const char *const sock_names[] = {
    [NETCONN_OPEN] = "open",
    [NETCONN_PEER_GONE] = "peer gone",
    [NETCONN_SHUT] = "shut",
};

/* The socket only moves forward: OPEN -> PEER_GONE -> SHUT, or OPEN -> SHUT. */
static void sock_set(struct netconn *nc, enum netconn_sock to)
{
	if (to <= nc->sock)
		return;
	log_debug("%s: socket %s -> %s", nc->peer, sock_names[nc->sock], sock_names[to]);
	nc->sock = to;
}

/* ---- conn_env callbacks ---- */

static void park_free(struct netconn_park *p)
{
	p->w->nparks--;
	free(p);
}

/* From the connecting thread: the worker takes it from here. */
static void park_done(struct luns_wait *wait)
{
	struct netconn_park *p = container_of(wait, struct netconn_park, wait);
	worker_post_park(p->w, p);
}

/* The first ask parks the login while the LUN's storage connects; the ask after
 * conn_login_resume takes the answer. */
static int env_get_target(void *ctx, const char *target_name, struct conn_target *out)
{
	struct netconn *nc = ctx;
	struct netconn_park *p = nc->park;
	struct lun_entry *e;
	int st;

	if (p && p->answered) {
		nc->park = NULL;
		st = p->wait.status;
		e = p->wait.entry;
		park_free(p);
	} else {
		p = calloc(1, sizeof(*p)); /* none: the connect blocks this worker, as it must */
		if (p) {
			p->wait.done = park_done;
			p->nc = nc;
			p->w = nc->w;
			nc->w->nparks++;
		}
		st = server_lun_get(nc->w->srv, target_name, p ? &p->wait : NULL, &e);
		if (st == LUNS_PENDING) {
			nc->park = p;
			return CONN_TARGET_PENDING;
		}
		if (p)
			park_free(p);
	}
	if (st)
		return st;
	out->lu = e->lu;
	out->dev = &e->dev;
	out->handle = e;
	return 0;
}

static void env_put_target(void *ctx, struct conn_target *t)
{
	struct lun_entry *e = t->handle;
	(void)ctx;
	luns_put(e->table, e);
}

static uint16_t env_session_add(void *ctx, struct iscsi_conn *c)
{
	struct netconn *nc = ctx;
	struct server *srv = nc->w->srv;
	uint16_t tsih = server_session_add(srv, nc, nc->w, c, &nc->sess);
	bool disc = conn_is_discovery(c);

	atomic_fetch_add_explicit(&srv->logins[disc], 1, memory_order_relaxed);
	server_event(srv, disc ? OBS_EV_DISCOVERY : OBS_EV_LOGIN, conn_initiator_name(c),
		     nc->peer_ip, disc ? "" : server_lun_of(srv, conn_target_name(c)),
		     conn_chap_passed(c) ? "chap" : "");
	return tsih;
}

/* The counters of status and metrics (stats.h): a command's arrival ... */
static uint64_t env_cmd_start(void *ctx)
{
	struct netconn *nc = ctx;
	if (nc->sess)
		stats_bump(&nc->sess->io.started, 1);
	return stats_mono_us();
}

/* ... and its answer, counted for its session and, on this worker's shard, for its LUN. */
static void env_cmd_done(void *ctx, const struct conn_cmd_stat *st)
{
	struct netconn *nc = ctx;
	struct lun_entry *e = st->target;
	uint64_t now = stats_mono_us();
	uint64_t lat = now > st->stamp ? now - st->stamp : 0;

	if (nc->sess)
		stats_io_count(&nc->sess->io, st, lat);
	if (e && e->shards)
		stats_io_count(&e->shards[nc->w->id % e->nshards], st, lat);
}

static void env_phase_changed(void *ctx, struct iscsi_conn *c, enum conn_phase from,
			      enum conn_phase to)
{
	struct netconn *nc = ctx;
	(void)c;
	(void)from;
	if (to == CONN_LOGOUT_WAIT)
		nc->logout_seen = true;
}

static void env_session_remove(void *ctx, struct iscsi_conn *c)
{
	struct netconn *nc = ctx;
	(void)c;
	server_session_remove(nc->w->srv, nc);
}

static int env_send_targets(void *ctx, struct iscsi_conn *c, const char *which, uint8_t *out,
			    uint32_t cap, uint32_t *len)
{
	struct netconn *nc = ctx;
	return server_send_targets(nc->w->srv, conn_initiator_name(c), which, conn_is_discovery(c),
				   conn_target_name(c), nc->local_host, out, cap, len);
}

static void env_wake_task(void *ctx, struct conn_wake *wk)
{
	struct netconn *nc = ctx;
	worker_post_wake(nc->w, wk);
}

static void env_kick(void *ctx, struct iscsi_conn *c)
{
	struct netconn *nc = ctx;
	(void)c;
	if (nc->dirty)
		return;
	nc->dirty = true;
	nc->dirty_next = nc->w->dirty;
	nc->w->dirty = nc;
}

/* ---- admission ---- */

static void leave_prelogin(struct netconn *nc)
{
	if (!nc->prelogin)
		return;
	nc->prelogin = false;
	nc->w->nprelogin--;
}

static void record_auth_failure(struct netconn *nc, uint64_t now)
{
	const char *name = conn_login_initiator(nc->conn);
	uint32_t delay = server_auth_failed(nc->w->srv, name, nc->addr, now);

	nc->auth_fail_pending = false;
	log_warn("%s %s: CHAP authentication failed: the next login from this initiator name or "
		 "address waits %u s (growing with each failure, up to %u s)",
		 nc->peer, name[0] ? name : "(unnamed initiator)", delay / 1000,
		 AUTHDELAY_MAX_MS / 1000);
}

/* After each login PDU: the CHAP failure delay, and the end of the pre-login budget. The answer
 * to a CHAP response from a name or address that failed before waits for its slot, so the
 * initiator learns nothing earlier and parallel guesses queue (authdelay.h). */
static void login_progress(struct netconn *nc, bool chap_answer)
{
	struct server *srv = nc->w->srv;
	const char *name = conn_login_initiator(nc->conn);
	enum conn_phase st = conn_phase(nc->conn);
	uint64_t now = netconn_now_ms();

	if (chap_answer && !nc->auth_checked) {
		nc->auth_checked = true;
		uint64_t go = server_auth_reserve(srv, name, nc->addr, now);
		if (go > now) {
			nc->tx_hold_until_ms = go;
			nc->w->admit_stats.delayed++;
			stats_bump(&nc->w->chap_delays, 1);
			worker_admit_log(nc->w, now);
			log_info("%s %s: earlier CHAP failures from this name or address: its CHAP "
				 "answer waits %llu ms",
				 nc->peer, name, (unsigned long long)(go - now));
		}
	}
	if (!nc->fail_noted && conn_login_status(nc->conn)) {
		uint16_t status = conn_login_status(nc->conn);
		const char *reason = conn_login_reason(nc->conn);
		enum obs_fail why = obs_fail_classify(status, reason);
		nc->fail_noted = true;
		server_login_failed(srv, why, obs_fail_detail(why, reason), name, nc->peer_ip,
				    conn_login_target(nc->conn));
	}
	if (!nc->auth_noted && st == CONN_FULL_FEATURE) {
		nc->auth_noted = true;
		if (conn_chap_passed(nc->conn))
			server_auth_passed(srv, name, nc->addr);
	} else if (!nc->auth_noted &&
		   conn_login_status(nc->conn) == ISCSI_LOGIN_STATUS_AUTH_FAILED) {
		nc->auth_noted = true;
		/* The next delay counts from when this verdict goes out, after a held answer. */
		if (nc->tx_hold_until_ms > now)
			nc->auth_fail_pending = true;
		else
			record_auth_failure(nc, now);
	}
	if (st != CONN_LOGIN)
		leave_prelogin(nc);
}

/* ---- receive ---- */

/* After a login step (a request, or a parked login resumed). */
static void after_login_step(struct netconn *nc, bool chap_answer)
{
	if (nc->prelogin)
		login_progress(nc, chap_answer);
	if (!nc->ffp_framing && conn_phase(nc->conn) == CONN_FULL_FEATURE) {
		framer_set_digests(&nc->fr, conn_header_digest(nc->conn),
				   conn_data_digest(nc->conn));
		framer_set_max_data_len(&nc->fr, conn_max_recv_data(nc->conn));
		nc->ffp_framing = true;
	}
}

void netconn_park_answered(struct netconn_park *p)
{
	struct netconn *nc = p->nc;

	p->answered = true;
	if (nc && conn_login_resume(nc->conn)) { /* took the answer (and freed p) */
		after_login_step(nc, false);
		netconn_poke(nc);
		return;
	}
	if (nc) /* closing meanwhile: the answer is not wanted */
		nc->park = NULL;
	if (!p->wait.status)
		luns_put(p->wait.entry->table, p->wait.entry);
	park_free(p);
}

static void on_frame(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	struct netconn *nc = ctx;

	switch (res) {
	case FRAMER_PDU: {
		bool chap_answer = nc->prelogin && conn_awaits_chap_response(nc->conn);
		conn_recv(nc->conn, pdu, netconn_now_ms());
		after_login_step(nc, chap_answer);
		return;
	}
	case FRAMER_DATA_DIGEST_ERROR:
		conn_data_digest_error(nc->conn, pdu->bhs);
		return;
	default:
		conn_fail(nc->conn, framer_result_name(res));
		return;
	}
}

static void rx_done(struct loop_op *op, int res, uint32_t flags)
{
	struct netconn *nc = container_of(op, struct netconn, rx_op);
	(void)flags;

	nc->rx_busy = false;
	if (res <= 0) {
		if (res == -EINTR || res == -EAGAIN) {
			rx_arm(nc);
			return;
		}
		sock_set(nc, NETCONN_PEER_GONE);
		if (conn_phase(nc->conn) != CONN_LOGGED_OUT)
			conn_shutdown(nc->conn, res == 0 ? "connection closed by the initiator"
							 : strerror(-res));
		netconn_poke(nc);
		return;
	}
	if (nc->rx_direct) {
		struct iscsi_pdu pdu;
		enum framer_result fr = framer_feed(&nc->fr, (size_t)res, &pdu);
		if (fr != FRAMER_NEED_MORE)
			on_frame(nc, fr, &pdu);
	} else {
		framer_push(&nc->fr, nc->rx, (size_t)res, on_frame, nc);
	}
	if (nc->ffp_framing && nc->rx_cap < NETCONN_RX_BUF) { /* consumed: safe to move */
		uint8_t *grown = malloc(NETCONN_RX_BUF);      /* not realloc: nothing to copy */
		if (grown) {
			free(nc->rx);
			nc->rx = grown;
			nc->rx_cap = NETCONN_RX_BUF;
		}
	}
	if (conn_phase(nc->conn) < CONN_LOGGED_OUT) /* login, full feature, logout wait */
		rx_arm(nc);
	netconn_poke(nc);
}

static void rx_arm(struct netconn *nc)
{
	if (nc->rx_busy || nc->sock == NETCONN_SHUT)
		return;
	size_t room = 0, want = nc->rx_cap;
	uint8_t *dst = framer_want(&nc->fr, &room);
	nc->rx_direct =
	    dst && nc->ffp_framing && nc->fr.region == FRAMER_DATA && room >= NETCONN_RX_DIRECT;
	if (dst && nc->fr.region == FRAMER_BHS) {
		if (nc->rx_big_seen)
			want = room; /* this header alone (see NETCONN_RX_DIRECT) */
		nc->rx_big_seen = false;
	}
	if (nc->rx_direct)
		nc->rx_big_seen = true;
	nc->rx_op.complete = rx_done;
	struct io_uring_sqe *sqe = loop_sqe(&nc->w->loop, &nc->rx_op);
	if (nc->rx_direct) /* never past the segment: the next PDU's bytes go through rx */
		io_uring_prep_recv(sqe, nc->fd, dst, room, 0);
	else
		io_uring_prep_recv(sqe, nc->fd, nc->rx, want, 0);
	nc->rx_busy = true;
}

/* ---- send ---- */

static size_t tx_len(const struct conn_tx *tx)
{
	return tx->hdr_len + tx->data_len + tx->trailer_len;
}

/* The iovec for the batch minus what is already sent. */
static unsigned build_iov(struct netconn *nc)
{
	size_t skip = nc->batch_sent;
	unsigned n = 0;

	for (unsigned i = 0; i < nc->nbatch; i++) {
		struct conn_tx *tx = nc->batch[i];
		const void *part[3] = {tx->hdr, tx->data, tx->trailer};
		size_t len[3] = {tx->hdr_len, tx->data_len, tx->trailer_len};
		for (unsigned j = 0; j < 3; j++) {
			if (!len[j])
				continue;
			if (skip >= len[j]) {
				skip -= len[j];
				continue;
			}
			nc->iov[n].iov_base = (char *)part[j] + skip;
			nc->iov[n].iov_len = len[j] - skip;
			skip = 0;
			n++;
		}
	}
	return n;
}

static void tx_done(struct loop_op *op, int res, uint32_t flags)
{
	struct netconn *nc = container_of(op, struct netconn, tx_op);
	(void)flags;

	nc->tx_busy = false;
	if (res < 0) {
		if (res == -EINTR || res == -EAGAIN) {
			tx_start(nc);
			return;
		}
		sock_set(nc, NETCONN_PEER_GONE);
		conn_shutdown(nc->conn, "send failed");
		netconn_poke(nc);
		return;
	}
	nc->batch_sent += (size_t)res;
	unsigned done = 0;
	while (done < nc->nbatch && nc->batch_sent >= tx_len(nc->batch[done])) {
		nc->batch_sent -= tx_len(nc->batch[done]);
		done++;
	}
	struct conn_tx *sent[NETCONN_IOV / 3];
	memcpy(sent, nc->batch, done * sizeof(sent[0]));
	memmove(nc->batch, nc->batch + done, (nc->nbatch - done) * sizeof(nc->batch[0]));
	nc->nbatch -= done;
	for (unsigned i = 0; i < done; i++)
		conn_tx_done(nc->conn, sent[i]);
	netconn_poke(nc);
}

static void tx_start(struct netconn *nc)
{
	struct conn_tx *tx;

	if (nc->tx_busy || nc->sock != NETCONN_OPEN)
		return;
	if (nc->tx_hold_until_ms) {
		uint64_t now = netconn_now_ms();
		if (now < nc->tx_hold_until_ms)
			return; /* a delayed login: the worker's tick tries again */
		nc->tx_hold_until_ms = 0;
		if (nc->auth_fail_pending)
			record_auth_failure(nc, now);
	}
	while (nc->nbatch < NETCONN_IOV / 3 && (tx = conn_tx_head(nc->conn))) {
		conn_tx_pop(nc->conn);
		nc->batch[nc->nbatch++] = tx;
	}
	if (!nc->nbatch)
		return;
	memset(&nc->msg, 0, sizeof(nc->msg));
	nc->msg.msg_iov = nc->iov;
	nc->msg.msg_iovlen = build_iov(nc);
	nc->tx_op.complete = tx_done;
	struct io_uring_sqe *sqe = loop_sqe(&nc->w->loop, &nc->tx_op);
	io_uring_prep_sendmsg(sqe, nc->fd, &nc->msg, MSG_NOSIGNAL);
	nc->tx_busy = true;
}

/* ---- life cycle ---- */

static bool wants_close(struct netconn *nc)
{
	enum conn_phase st = conn_phase(nc->conn);
	if (st >= CONN_CLOSING || nc->sock != NETCONN_OPEN)
		return true;
	return st == CONN_LOGGED_OUT && !nc->tx_busy && !nc->nbatch && !conn_tx_head(nc->conn);
}

static void netconn_free(struct netconn *nc)
{
	struct worker *w = nc->w;

	/* Sent or not, queued PDUs release their tasks' buffers. */
	for (unsigned i = 0; i < nc->nbatch; i++)
		conn_tx_done(nc->conn, nc->batch[i]);
	nc->nbatch = 0;
	if (nc->auth_fail_pending) /* dropped before its answer went out: a failure all the same */
		record_auth_failure(nc, netconn_now_ms());
	if (nc->sess && !nc->sess->discovery) /* the session's end, for the boot timelines */
		server_event(w->srv, nc->logout_seen ? OBS_EV_LOGOUT : OBS_EV_CONN_LOST,
			     nc->sess->initiator, nc->peer_ip, nc->sess->lun,
			     nc->logout_seen ? "" : conn_close_reason(nc->conn));
	if (nc->park) { /* the answer, on its way or not, is let go */
		nc->park->nc = NULL;
		if (luns_wait_cancel(&nc->park->wait))
			park_free(nc->park);
		nc->park = NULL;
	}
	conn_free(nc->conn);
	if (nc->fd >= 0)
		loop_close_fd(&w->loop, nc->fd);
	for (struct netconn **pp = &w->conns; *pp; pp = &(*pp)->next) {
		if (*pp == nc) {
			*pp = nc->next;
			break;
		}
	}
	w->nconns--;
	leave_prelogin(nc);
	framer_fini(&nc->fr);
	free(nc->rx);
	free(nc);
}

void netconn_poke(struct netconn *nc)
{
	if (nc->dirty)
		return; /* the worker flushes it after this loop turn */
	tx_start(nc);
	if (!wants_close(nc))
		return;
	if (nc->sock != NETCONN_SHUT) {
		shutdown(nc->fd, SHUT_RDWR); /* completes a pending recv */
		sock_set(nc, NETCONN_SHUT);
		conn_shutdown(nc->conn, "closing");
	}
	if (nc->rx_busy || nc->tx_busy || conn_phase(nc->conn) != CONN_CLOSED)
		return; /* wait for the last completions (the engine's: its I/O, the LUN's flush) */
	netconn_free(nc);
}

void netconn_kill(struct netconn *nc, const char *why)
{
	conn_shutdown(nc->conn, why);
	netconn_poke(nc);
}

void netconn_drop(struct netconn *nc, const char *why)
{
	conn_drop(nc->conn, why);
	if (nc->prelogin && nc->sock != NETCONN_SHUT) {
		/* The descriptor goes back at once, for the newcomer it was dropped for (ops in
		 * flight hold their own reference to the socket, and shutdown ends them): a flood
		 * faster than the loop then never holds more descriptors than the budget. */
		shutdown(nc->fd, SHUT_RDWR);
		loop_close_fd(&nc->w->loop, nc->fd); /* its recv may still be queued */
		nc->fd = -1;
		sock_set(nc, NETCONN_SHUT);
	}
	netconn_poke(nc);
}

void netconn_tick(struct netconn *nc, uint64_t now_ms)
{
	bool logging_in = conn_phase(nc->conn) == CONN_LOGIN;
	conn_tick(nc->conn, now_ms);
	if (logging_in && conn_phase(nc->conn) >= CONN_CLOSING) { /* the login's deadline */
		nc->w->admit_stats.timed_out++;
		worker_admit_count(nc->w, OBS_ADMIT_LOGIN_TIMEOUT);
		const char *name = conn_login_initiator(nc->conn);
		if (name[0] && !nc->fail_noted) { /* a named login that stalled: a failure */
			nc->fail_noted = true;
			server_login_failed(nc->w->srv, OBS_FAIL_TIMEOUT,
					    obs_fail_words(OBS_FAIL_TIMEOUT), name, nc->peer_ip,
					    conn_login_target(nc->conn));
		}
	}
	netconn_poke(nc);
}

static void describe(int fd, struct netconn *nc)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
			nc->addr = admit_addr_key(a->sin6_addr.s6_addr, 16);
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
			nc->addr = admit_addr_key((const uint8_t *)&a->sin_addr.s_addr, 4);
		}
	}
	snprintf(nc->peer, sizeof(nc->peer), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 port);
	snprintf(nc->peer_ip, sizeof(nc->peer_ip), "%s", host);
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		nc->local_v6 = ss.ss_family == AF_INET6;
		if (nc->local_v6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
				  nc->local_host, sizeof(nc->local_host));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, nc->local_host,
				  sizeof(nc->local_host));
	}
}

struct netconn *netconn_new(struct worker *w, int fd, uint64_t now_ms)
{
	struct netconn *nc = calloc(1, sizeof(*nc));
	const struct conn_config *cc = &w->srv->conn_cfg;
	struct framer_limits fl = {
	    .max_ahs_len = 256,
	    .max_data_len = cc->limits.max_recv_data_segment_length,
	};
	int one = 1;

	if (!nc)
		goto out_close;
	nc->w = w;
	nc->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	describe(fd, nc);
	nc->rx_cap = NETCONN_RX_BUF_LOGIN;
	nc->rx = malloc(nc->rx_cap);
	if (!nc->rx || framer_init(&nc->fr, &fl) < 0)
		goto out_free;
	struct conn_env env = {
	    .ctx = nc,
	    .bq = &w->bq.q,
	    .login_ops = &server_login_ops,
	    .login_ctx = w->srv,
	    .get_target = env_get_target,
	    .put_target = env_put_target,
	    .session_add = env_session_add,
	    .session_remove = env_session_remove,
	    .send_targets = env_send_targets,
	    .wake_task = env_wake_task,
	    .kick = env_kick,
	    .peer = nc->peer,
	    .phase_changed = env_phase_changed,
	    .cmd_start = env_cmd_start,
	    .cmd_done = env_cmd_done,
	};
	nc->conn = conn_new(cc, &env, now_ms);
	if (!nc->conn)
		goto out_framer;
	nc->next = w->conns;
	w->conns = nc;
	w->nconns++;
	nc->since_ms = now_ms;
	nc->prelogin = true;
	w->nprelogin++;
	log_debug("%s: connected", nc->peer);
	rx_arm(nc);
	return nc;
out_framer:
	framer_fini(&nc->fr);
out_free:
	free(nc->rx);
	free(nc);
out_close:
	close(fd);
	return NULL;
}
