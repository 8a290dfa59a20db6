/* conn_life.c: the connection's life as one state machine (conn.h, enum conn_phase): the table of
 * allowed phase changes, the one function that makes them, the reference count that frees the
 * connection at its last completion, and the way out: abort the tasks, wait for their block I/O,
 * flush the LUN's file, give the LUN back.
 *
 * References: the daemon holds one from conn_new to conn_free, each task one from task_new to
 * task_free, the LUN's flush one while it runs. Whoever drops the last frees the connection, so
 * freeing a task never frees a connection that someone still uses. */
#include "target/iscsi/conn_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define PHASE(p) (1u << (p))

/* From each phase, the phases it may move to. */
static const unsigned phase_moves[] = {
    [CONN_LOGIN] = PHASE(CONN_FULL_FEATURE) | PHASE(CONN_LOGGED_OUT) | PHASE(CONN_CLOSING),
    [CONN_FULL_FEATURE] = PHASE(CONN_LOGOUT_WAIT) | PHASE(CONN_LOGGED_OUT) | PHASE(CONN_CLOSING),
    [CONN_LOGOUT_WAIT] = PHASE(CONN_LOGGED_OUT) | PHASE(CONN_CLOSING),
    [CONN_LOGGED_OUT] = PHASE(CONN_CLOSING),
    [CONN_CLOSING] = PHASE(CONN_FLUSHING) | PHASE(CONN_CLOSED),
    [CONN_FLUSHING] = PHASE(CONN_CLOSED),
    [CONN_CLOSED] = PHASE(CONN_FREED),
    [CONN_FREED] = 0,
};

static const char *const phase_names[] = {
    [CONN_LOGIN] = "login",
    [CONN_FULL_FEATURE] = "full feature",
    [CONN_LOGOUT_WAIT] = "logout wait",
    [CONN_LOGGED_OUT] = "logged out",
    [CONN_CLOSING] = "closing",
    [CONN_FLUSHING] = "flushing",
    [CONN_CLOSED] = "closed",
    [CONN_FREED] = "freed",
};

const char *conn_phase_name(enum conn_phase p)
{
	return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "?";
}

static const char *who(const struct iscsi_conn *c)
{
	return c->initiator_name[0] ? c->initiator_name : "(no name yet)";
}

/* The only place the phase changes. A move the table does not allow is our bug: it is refused
 * and logged as an error, and the connection stays where it was. */
bool conn_set_phase(struct iscsi_conn *c, enum conn_phase to)
{
	enum conn_phase from = c->phase;

	if (from == to)
		return true;
	if (!(phase_moves[from] & PHASE(to))) {
		log_err("%s %s: refused connection phase change %s -> %s", c->env.peer, who(c),
			conn_phase_name(from), conn_phase_name(to));
		return false;
	}
	log_debug("%s %s: %s -> %s", c->env.peer, who(c), conn_phase_name(from),
		  conn_phase_name(to));
	c->phase = to;
	if (c->env.phase_changed)
		c->env.phase_changed(c->env.ctx, c, from, to);
	return true;
}

enum conn_phase conn_phase(const struct iscsi_conn *c)
{
	return c->phase;
}

bool conn_in_full_feature(const struct iscsi_conn *c)
{
	return c->phase == CONN_FULL_FEATURE || c->phase == CONN_LOGOUT_WAIT;
}

bool conn_idle(const struct iscsi_conn *c)
{
	if (c->flush_inflight)
		return false;
	for (const struct iscsi_task *t = c->tasks; t; t = t->next)
		if (t->io_inflight)
			return false;
	return true;
}

/* ---- references ---- */

void conn_get(struct iscsi_conn *c)
{
	c->refs++;
}

static void conn_destroy(struct iscsi_conn *c)
{
	conn_set_phase(c, CONN_FREED);
	conn_release_target(c);
	if (c->registered && c->env.session_remove)
		c->env.session_remove(c->env.ctx, c);
	login_free(c->login);
	text_in_fini(&c->text_req);
	free(c->text_out);
	conn_spares_free(c);
	free(c);
}

void conn_put(struct iscsi_conn *c)
{
	if (--c->refs == 0)
		conn_destroy(c);
}

/* Detach from the LU and drop the daemon's reference (which unlocks the LUN file for the CLI
 * once no session uses it). */
void conn_release_target(struct iscsi_conn *c)
{
	if (!c->have_target)
		return;
	scsi_lu_detach(c->target.lu, &c->nexus);
	c->env.put_target(c->env.ctx, &c->target);
	c->have_target = false;
}

/* ---- the LUN's flush ---- */

/* Before the LUN goes back to the daemon (logout, or the connection's end), its file is flushed on
 * the worker's queue: the daemon's flush at the last reference then finds nothing left to wait
 * for, and the worker never blocks on it. */
bool conn_lun_needs_flush(const struct iscsi_conn *c)
{
	return c->have_target && c->env.bq;
}

static void lun_flush_done(struct blk_io *io)
{
	struct iscsi_conn *c = io->owner;

	c->flush_inflight = false; /* a failure is the daemon's to see: it flushes too */
	switch (c->phase) {
	case CONN_LOGOUT_WAIT:
		if (!c->tasks) /* else commands came meanwhile: the logout waits and flushes again
				*/
			conn_logout_respond(c);
		break;
	case CONN_FLUSHING:
		conn_set_phase(c, CONN_CLOSED);
		break;
	case CONN_CLOSING: /* the peer went during a logout's flush */
		conn_close_step(c);
		break;
	default:
		break;
	}
	if (c->env.kick) /* the daemon may send the logout response, or free a closed connection */
		c->env.kick(c->env.ctx, c);
	conn_put(c);
}

void conn_lun_flush_start(struct iscsi_conn *c)
{
	memset(&c->flush_io, 0, sizeof(c->flush_io));
	c->flush_io.op = BLK_FLUSH;
	c->flush_io.dev = c->target.dev;
	c->flush_io.done = lun_flush_done;
	c->flush_io.owner = c;
	c->flush_inflight = true;
	conn_get(c);
	blk_submit(c->env.bq, &c->flush_io);
}

/* ---- the way out ---- */

/* CLOSING with no block I/O in flight: flush the LUN's file (FLUSHING), or be CLOSED. */
void conn_close_step(struct iscsi_conn *c)
{
	if (c->phase != CONN_CLOSING || !conn_idle(c))
		return;
	if (conn_lun_needs_flush(c)) {
		conn_set_phase(c, CONN_FLUSHING);
		conn_lun_flush_start(c);
		return;
	}
	conn_set_phase(c, CONN_CLOSED);
}

/* -> CLOSING: every task is aborted (those without I/O in flight go at once), nothing more is
 * received or sent. */
static void conn_close(struct iscsi_conn *c, const char *why)
{
	if (!c->close_reason[0])
		snprintf(c->close_reason, sizeof(c->close_reason), "%s", why ? why : "closed");
	conn_set_phase(c, CONN_CLOSING);
	conn_cmd_reap(c);
	conn_close_step(c);
}

void conn_fail(struct iscsi_conn *c, const char *reason)
{
	if (c->phase >= CONN_CLOSING)
		return;
	log_warn("%s %s: closing the connection: %s", c->env.peer, who(c), reason);
	conn_close(c, reason);
}

/* An orderly end (the peer hung up, a newer session replaced this one, the target stops): logged
 * at info level, unlike conn_fail's protocol errors. A connection that ended before its first
 * login request (a cluster node's health check, a port probe) is logged at debug level only. */
void conn_shutdown(struct iscsi_conn *c, const char *why)
{
	if (c->phase >= CONN_CLOSING)
		return;
	bool silent =
	    c->phase == CONN_LOGIN && c->login && login_stage(c->login) == LOGIN_STAGE_START;
	if (silent)
		log_debug("%s: connection ended before a login request: %s", c->env.peer, why);
	else if (c->phase != CONN_LOGGED_OUT) /* after a logout or a refused login: nothing more */
		log_info("%s %s: connection ended: %s", c->env.peer, who(c), why);
	conn_close(c, why);
}

/* The same without a line of its own: admission control drops a login (a newcomer needs its
 * slot, or the login took too long) and counts such drops in one rate-limited line. */
void conn_drop(struct iscsi_conn *c, const char *why)
{
	if (c->phase >= CONN_CLOSING)
		return;
	log_debug("%s %s: connection dropped: %s", c->env.peer, who(c), why);
	conn_close(c, why);
}

void conn_free(struct iscsi_conn *c)
{
	c->env.kick = NULL; /* the daemon lets go: nothing more is sent, nobody to tell */
	if (c->phase < CONN_CLOSING)
		conn_close(c, "closed by the target");
	while (c->tx_head) {
		struct conn_tx *tx = c->tx_head;
		conn_tx_pop(c);
		conn_tx_done(c, tx);
	}
	conn_pending_free(c);
	c->env.cmd_done = NULL; /* tasks freed after this were never answered: nobody to tell */
	conn_put(c);		/* now, or at the last completion */
}
