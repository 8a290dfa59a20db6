/* conn_ctl.c: the control PDUs of the full feature phase: NOP-Out/NOP-In both ways and the
 * idle-connection ping (RFC 7143 11.18, 11.19), Task Management with responses that wait for the
 * tasks they end (11.5, 11.6), Logout (11.14), Text/SendTargets in several PDUs (11.10). */
#include "target/iscsi/conn_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* ---- NOP ---- */

void conn_nop_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_nop_out n;

	if (pdu_decode_nop_out(pdu, &n) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	if (n.h.itt == ISCSI_RSVD_TAG) {
		/* The answer to our ping (TTT echoes ours), or a bare ping: nothing to send. */
		if (n.ttt != ISCSI_RSVD_TAG && n.ttt == c->nop_ttt)
			c->nop_sent_ms = c->ping_deadline_ms = 0;
		return;
	}
	if (n.ttt != ISCSI_RSVD_TAG) /* RFC 7143 11.18.3: must be reserved with a valid ITT */
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	struct conn_tx *tx = conn_tx_new(c, pdu->data_len);
	if (!tx)
		return conn_fail(c, "out of memory");
	if (pdu->data_len)
		memcpy(tx->owned, pdu->data, pdu->data_len); /* ping data echoes back */
	struct iscsi_nop_in r = {
	    .lun = n.h.lun,
	    .itt = n.h.itt,
	    .ttt = ISCSI_RSVD_TAG,
	    .statsn = conn_take_statsn(c),
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	    .data_len = pdu->data_len,
	};
	pdu_encode_nop_in(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
}

static void nop_ping(struct iscsi_conn *c, uint64_t now_ms)
{
	struct conn_tx *tx = conn_tx_new(c, 0);
	if (!tx)
		return;
	if (++c->next_ttt == ISCSI_RSVD_TAG)
		c->next_ttt = 1;
	c->nop_ttt = c->next_ttt;
	c->nop_sent_ms = now_ms;
	struct iscsi_nop_in r = {
	    .itt = ISCSI_RSVD_TAG,
	    .ttt = c->nop_ttt,
	    .statsn = c->statsn, /* not advanced: RFC 7143 11.19.4 */
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	};
	pdu_encode_nop_in(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
}

void conn_ping(struct iscsi_conn *c, uint64_t now_ms, uint32_t timeout_ms)
{
	if (c->phase != CONN_FULL_FEATURE)
		return;
	if (!c->nop_sent_ms)
		nop_ping(c, now_ms);
	uint64_t deadline = now_ms + timeout_ms;
	if (timeout_ms && (!c->ping_deadline_ms || deadline < c->ping_deadline_ms))
		c->ping_deadline_ms = deadline;
}

uint32_t conn_tick(struct iscsi_conn *c, uint64_t now_ms)
{
	uint32_t interval = c->cfg.nop_interval_ms, timeout = c->cfg.nop_timeout_ms;

	if (c->phase == CONN_LOGIN) {
		/* A login must finish in time as a whole, however its bytes trickle in: a slow or
		 * silent peer would otherwise hold its connection for ever. */
		uint32_t limit = c->cfg.login_timeout_ms ? c->cfg.login_timeout_ms : 30000;
		if (now_ms - c->started_ms >= limit)
			conn_drop(c, "login timed out (login_timeout)");
		return 1000;
	}
	if (!conn_in_full_feature(c))
		return 1000;
	if (c->nop_sent_ms && c->ping_deadline_ms) {
		if (now_ms >= c->ping_deadline_ms) {
			conn_fail(c, "the initiator did not answer a NOP-In ping");
			return 1000;
		}
		uint64_t left = c->ping_deadline_ms - now_ms;
		return left < 1000 ? (uint32_t)left : 1000;
	}
	if (!interval)
		return 1000;
	if (c->nop_sent_ms) {
		if (now_ms - c->nop_sent_ms >= timeout) {
			conn_fail(c, "the initiator did not answer a NOP-In ping");
			return 1000;
		}
		return (uint32_t)(timeout - (now_ms - c->nop_sent_ms));
	}
	if (now_ms - c->last_rx_ms >= interval) {
		nop_ping(c, now_ms);
		return timeout;
	}
	return (uint32_t)(interval - (now_ms - c->last_rx_ms));
}

/* ---- Task Management ---- */

static bool tmf_affects(const struct iscsi_conn *c, const struct iscsi_task *t)
{
	const struct iscsi_tmf_req *m = &c->tmf_req;
	switch (m->function) {
	case ISCSI_TMF_ABORT_TASK:
		return t->itt == m->ref_itt;
	case ISCSI_TMF_ABORT_TASK_SET:
	case ISCSI_TMF_CLEAR_TASK_SET:
	case ISCSI_TMF_LOGICAL_UNIT_RESET:
		return t->lun == m->h.lun;
	default:
		return true;
	}
}

static void tmf_respond(struct iscsi_conn *c)
{
	struct conn_tx *tx = conn_tx_new(c, 0);
	c->tmf_pending = false;
	if (!tx)
		return conn_fail(c, "out of memory");
	struct iscsi_tmf_rsp r = {
	    .response = c->tmf_response,
	    .itt = c->tmf_req.h.itt,
	    .statsn = conn_take_statsn(c),
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	};
	pdu_encode_tmf_rsp(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
	/* RFC 7143 11.5.1: after a cold reset the target drops the connection, once the response
	 * has gone out (the initiator waits for it). */
	if (c->tmf_req.function == ISCSI_TMF_TARGET_COLD_RESET) {
		log_info("%s %s: target cold reset: closing the session", c->env.peer,
			 c->initiator_name);
		conn_set_phase(c, CONN_LOGGED_OUT);
	}
}

void conn_logout_respond(struct iscsi_conn *c)
{
	struct conn_tx *tx = conn_tx_new(c, 0);
	if (!tx)
		return conn_fail(c, "out of memory");
	struct iscsi_logout_rsp r = {
	    .response = ISCSI_LOGOUT_RSP_CLOSED,
	    .itt = c->logout_req.h.itt,
	    .statsn = conn_take_statsn(c),
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	    .time2wait = c->params.default_time2wait,
	    .time2retain = c->params.default_time2retain,
	};
	pdu_encode_logout_rsp(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
	conn_set_phase(c, CONN_LOGGED_OUT);
	log_info("%s %s: logged out of %s", c->env.peer, c->initiator_name,
		 c->discovery ? "discovery" : c->target_name);
	conn_release_target(c); /* no task is left: the LUN is free before the reply lands */
}

/* RFC 7143 4.2.3.3/11.6: the TMF response goes only after every task it ends is gone; the
 * Logout response after every task and the LUN's flush (11.14). */
void conn_check_waiters(struct iscsi_conn *c)
{
	if (c->phase >= CONN_CLOSING)
		return conn_close_step(c);
	if (c->tmf_pending) {
		bool busy = false;
		for (struct iscsi_task *t = c->tasks; t; t = t->next)
			busy |= t->aborted && tmf_affects(c, t);
		if (!busy)
			tmf_respond(c);
	}
	if (c->phase != CONN_LOGOUT_WAIT || c->tasks || c->flush_inflight)
		return;
	if (conn_lun_needs_flush(c))
		return conn_lun_flush_start(c); /* the response follows when it is done */
	conn_logout_respond(c);
}

static uint8_t tmf_abort_task(struct iscsi_conn *c, const struct iscsi_tmf_req *m)
{
	struct iscsi_task *t = conn_cmd_find_task(c, m->ref_itt);
	if (t) {
		t->aborted = true;
		return ISCSI_TMF_RSP_COMPLETE;
	}
	if (conn_pending_abort(c, m->ref_itt)) /* held behind a CmdSN gap: it never runs */
		return ISCSI_TMF_RSP_COMPLETE;
	/* RFC 7143 11.5.1 b: a command we never received, whose CmdSN is in the window and before
	 * the TMF's own, counts as received (so the gap it left closes) and is complete. */
	if (sna_ge(m->ref_cmdsn, c->exp_cmdsn) && sna_le(m->ref_cmdsn, c->max_cmdsn) &&
	    sna_lt(m->ref_cmdsn, m->cmdsn)) {
		c->tmf_fill_gap = true; /* after the TMF response: see tmf_req */
		return ISCSI_TMF_RSP_COMPLETE;
	}
	return ISCSI_TMF_RSP_NO_TASK;
}

void conn_tmf_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_tmf_req *m = &c->tmf_req;
	uint8_t rsp = ISCSI_TMF_RSP_COMPLETE;

	if (c->tmf_pending || pdu_decode_tmf_req(pdu, m) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	switch (m->function) {
	case ISCSI_TMF_ABORT_TASK:
		rsp = tmf_abort_task(c, m);
		break;
	case ISCSI_TMF_ABORT_TASK_SET:
	case ISCSI_TMF_CLEAR_TASK_SET:
	case ISCSI_TMF_LOGICAL_UNIT_RESET:
		if (m->h.lun != 0 || !c->have_target) {
			rsp = ISCSI_TMF_RSP_NO_LUN;
			break;
		}
		for (struct iscsi_task *t = c->tasks; t; t = t->next)
			if (tmf_affects(c, t))
				t->aborted = true;
		if (m->function == ISCSI_TMF_LOGICAL_UNIT_RESET)
			scsi_lu_reset(c->target.lu, &c->nexus);
		break;
	case ISCSI_TMF_TARGET_WARM_RESET:
	case ISCSI_TMF_TARGET_COLD_RESET:
		for (struct iscsi_task *t = c->tasks; t; t = t->next)
			t->aborted = true;
		if (c->have_target)
			scsi_lu_reset(c->target.lu, &c->nexus);
		break;
	case ISCSI_TMF_CLEAR_ACA:
		rsp = ISCSI_TMF_RSP_NOT_SUPPORTED; /* NACA is refused, so ACA never exists */
		break;
	case ISCSI_TMF_TASK_REASSIGN:
		rsp = ISCSI_TMF_RSP_NO_REASSIGN; /* ErrorRecoveryLevel 0 */
		break;
	default:
		rsp = ISCSI_TMF_RSP_REJECTED;
		break;
	}
	c->tmf_response = rsp;
	c->tmf_pending = true;
	bool fill_gap = c->tmf_fill_gap;
	c->tmf_fill_gap = false;
	/* Free what can go now; the response waits for tasks with I/O in flight. */
	struct iscsi_task *t = c->tasks, *next;
	for (; t; t = next) {
		next = t->next;
		if (t->aborted)
			conn_cmd_abort_task(t);
	}
	conn_check_waiters(c);
	if (fill_gap) /* the lost command counts as received: held ones behind it run now */
		conn_cmdsn_received(c, m->ref_cmdsn);
}

/* ---- Logout ---- */

void conn_logout_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	if (pdu_decode_logout_req(pdu, &c->logout_req) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	if (c->logout_req.reason == ISCSI_LOGOUT_REMOVE_FOR_RECOVERY) {
		struct conn_tx *tx = conn_tx_new(c, 0);
		if (!tx)
			return conn_fail(c, "out of memory");
		struct iscsi_logout_rsp r = {
		    .response = ISCSI_LOGOUT_RSP_RECOVERY_UNSUPPORTED,
		    .itt = c->logout_req.h.itt,
		    .statsn = conn_take_statsn(c),
		    .exp_cmdsn = c->exp_cmdsn,
		    .max_cmdsn = c->max_cmdsn,
		};
		pdu_encode_logout_rsp(tx->hdr, &r);
		conn_tx_finish_hdr(c, tx);
		conn_queue(c, tx);
		return;
	}
	/* Close the session (or its only connection): let running commands finish first. */
	conn_set_phase(c, CONN_LOGOUT_WAIT);
	conn_check_waiters(c);
}

/* ---- Text (full feature phase) ---- */

#define CONN_TEXT_OUT_CAP 65536

static void text_send_part(struct iscsi_conn *c, uint32_t itt)
{
	uint32_t left = c->text_len - c->text_off;
	uint32_t n = left < c->peer_mrdsl ? left : c->peer_mrdsl;
	bool more = n < left;
	struct conn_tx *tx = conn_tx_new(c, n);

	if (!tx)
		return conn_fail(c, "out of memory");
	if (n)
		memcpy(tx->owned, c->text_out + c->text_off, n);
	c->text_off += n;
	if (more && ++c->next_ttt == ISCSI_RSVD_TAG)
		c->next_ttt = 1;
	c->text_ttt = more ? c->next_ttt : ISCSI_RSVD_TAG;
	struct iscsi_text_rsp r = {
	    .final = !more,
	    .cont = more,
	    .itt = itt,
	    .ttt = c->text_ttt,
	    .statsn = conn_take_statsn(c),
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	    .data_len = n,
	};
	pdu_encode_text_rsp(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
	if (!more) {
		free(c->text_out);
		c->text_out = NULL;
	}
}

/* Build the whole answer to the accumulated request. */
static void text_answer(struct iscsi_conn *c)
{
	struct text_out o;
	char *buf = malloc(CONN_TEXT_OUT_CAP);

	if (!buf)
		return conn_fail(c, "out of memory");
	text_out_init(&o, buf, CONN_TEXT_OUT_CAP);
	for (unsigned i = 0; i < c->text_req.n_pairs; i++) {
		const struct text_pair *p = &c->text_req.pairs[i];
		if (strcmp(p->key, "SendTargets") == 0 && c->env.send_targets) {
			uint32_t len = 0;
			int err = c->env.send_targets(c->env.ctx, c, p->value,
						      (uint8_t *)buf + o.len, o.cap - o.len, &len);
			if (err == -EINVAL)
				text_out_add(&o, p->key, "Reject");
			else if (err == 0 || err == -EMSGSIZE) /* whole targets that fit */
				o.len += len;
		} else {
			text_out_add(&o, p->key, "NotUnderstood");
		}
	}
	free(c->text_out);
	c->text_out = (uint8_t *)buf;
	c->text_len = o.len;
	c->text_off = 0;
}

void conn_text_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_text_req q;

	if (pdu_decode_text_req(pdu, &q) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	if (q.ttt != ISCSI_RSVD_TAG) {
		/* The initiator asks for the next part of a long answer. */
		if (!c->text_out || q.ttt != c->text_ttt)
			return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
		return text_send_part(c, q.h.itt);
	}
	if (c->text_req.len == 0)
		c->text_itt = q.h.itt;
	if (text_in_append(&c->text_req, pdu->data, pdu->data_len) < 0) {
		text_in_reset(&c->text_req);
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
	}
	if (q.cont) { /* more of the request follows: acknowledge with an empty response */
		c->text_len = c->text_off = 0;
		free(c->text_out);
		c->text_out = calloc(1, 1);
		return text_send_part(c, q.h.itt);
	}
	int err = text_in_parse(&c->text_req, TEXT_VALUE_MAX);
	if (err == 0)
		text_answer(c);
	text_in_reset(&c->text_req);
	if (err)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	text_send_part(c, q.h.itt);
}
