/* conn.c: the connection engine around conn_cmd.c (commands), conn_ctl.c (control PDUs) and
 * conn_life.c (phases and teardown): login phase, the CmdSN window and command ordering (RFC 7143
 * 4.2.2.1), Reject (11.17), the tx queue. */
#include "target/iscsi/conn_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "target/iscsi/crc32c.h"
#include "target/iscsi/framer.h"

/* ---- tx queue ---- */

struct conn_tx *conn_tx_new(struct iscsi_conn *c, uint32_t data_len)
{
	(void)c;
	struct conn_tx *tx = calloc(1, sizeof(*tx));
	if (!tx)
		return NULL;
	tx->hdr_len = BHS_LEN;
	if (data_len) {
		tx->owned = calloc(1, data_len);
		if (!tx->owned) {
			free(tx);
			return NULL;
		}
		tx->data = tx->owned;
		tx->data_len = data_len;
	}
	return tx;
}

/* Header digest, padding and data digest, once the BHS and data are final. */
void conn_tx_finish_hdr(struct iscsi_conn *c, struct conn_tx *tx)
{
	if (c->params.header_digest) {
		crc32c_put(tx->hdr + BHS_LEN, framer_header_digest(tx->hdr, NULL, 0));
		tx->hdr_len = BHS_LEN + ISCSI_DIGEST_LEN;
	}
	uint32_t pad = iscsi_pad4(tx->data_len);
	tx->trailer_len = pad;
	memset(tx->trailer, 0, sizeof(tx->trailer));
	if (tx->data_len && c->params.data_digest) {
		crc32c_put(tx->trailer + pad, framer_data_digest(tx->data, tx->data_len));
		tx->trailer_len += ISCSI_DIGEST_LEN;
	}
}

void conn_queue(struct iscsi_conn *c, struct conn_tx *tx)
{
	if (c->phase >= CONN_CLOSING) { /* nothing more goes out */
		free(tx->owned);
		free(tx);
		return;
	}
	tx->next = NULL;
	if (c->tx_tail)
		c->tx_tail->next = tx;
	else
		c->tx_head = tx;
	c->tx_tail = tx;
	if (c->env.kick)
		c->env.kick(c->env.ctx, c);
}

struct conn_tx *conn_tx_head(struct iscsi_conn *c)
{
	return c->tx_head;
}

void conn_tx_pop(struct iscsi_conn *c)
{
	struct conn_tx *tx = c->tx_head;
	if (!tx)
		return;
	c->tx_head = tx->next;
	if (!c->tx_head)
		c->tx_tail = NULL;
}

void conn_tx_done(struct iscsi_conn *c, struct conn_tx *tx)
{
	struct iscsi_task *t = tx->task;
	free(tx->owned);
	free(tx);
	if (t)
		conn_cmd_tx_done(t);
	(void)c;
}

/* ---- sequence numbers ---- */

uint32_t conn_take_statsn(struct iscsi_conn *c)
{
	return c->statsn++;
}

/* MaxCmdSN = ExpCmdSN + free slots - 1: the window shrinks as commands are taken and grows as
 * they finish, and never moves backwards (RFC 7143 4.2.2.1). */
void conn_window_update(struct iscsi_conn *c)
{
	uint32_t depth = c->cfg.queue_depth;
	uint32_t free_slots = c->nactive < depth ? depth - c->nactive : 0;
	uint32_t max = c->exp_cmdsn + free_slots - 1;
	if (sna_gt(max, c->max_cmdsn))
		c->max_cmdsn = max;
}

/* ---- errors ---- */

void conn_send_reject(struct iscsi_conn *c, const uint8_t bhs[BHS_LEN], uint8_t reason)
{
	struct conn_tx *tx = conn_tx_new(c, BHS_LEN);
	if (!tx)
		return conn_fail(c, "out of memory");
	memcpy(tx->owned, bhs, BHS_LEN);
	struct iscsi_reject r = {
	    .reason = reason,
	    .statsn = conn_take_statsn(c),
	    .exp_cmdsn = c->exp_cmdsn,
	    .max_cmdsn = c->max_cmdsn,
	    .data_len = BHS_LEN,
	};
	pdu_encode_reject(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
	log_notice("%s %s: rejected %s PDU (reason 0x%02x)", c->env.peer, c->initiator_name,
		   pdu_op_name(pdu_opcode(bhs)), reason);
}

bool conn_awaits_chap_response(const struct iscsi_conn *c)
{
	return c->phase == CONN_LOGIN && c->login && login_awaits_chap_response(c->login);
}

bool conn_chap_passed(const struct iscsi_conn *c)
{
	return c->login && login_result(c->login)->authenticated;
}

/* ---- accessors ---- */

bool conn_header_digest(const struct iscsi_conn *c)
{
	return c->params.header_digest;
}

bool conn_data_digest(const struct iscsi_conn *c)
{
	return c->params.data_digest;
}

uint32_t conn_max_recv_data(const struct iscsi_conn *c)
{
	return c->phase == CONN_LOGIN ? ISCSI_LOGIN_MAX_DATA_LEN
				      : c->cfg.limits.max_recv_data_segment_length;
}

void conn_abort_tasks(struct iscsi_conn *c)
{
	struct iscsi_task *t = c->tasks, *next;
	for (; t; t = next) {
		next = t->next;
		if (!t->responded)
			conn_cmd_abort_task(t);
	}
}

const struct scsi_nexus *conn_nexus(const struct iscsi_conn *c)
{
	return &c->nexus;
}

void *conn_env_ctx(const struct iscsi_conn *c)
{
	return c->env.ctx;
}

const char *conn_initiator_name(const struct iscsi_conn *c)
{
	return c->initiator_name;
}

const char *conn_login_initiator(const struct iscsi_conn *c)
{
	return c->login ? login_result(c->login)->params.initiator_name : c->initiator_name;
}

uint16_t conn_login_status(const struct iscsi_conn *c)
{
	return c->login_status;
}

const char *conn_login_reason(const struct iscsi_conn *c)
{
	return c->login_reason;
}

const char *conn_login_target(const struct iscsi_conn *c)
{
	return c->login ? login_result(c->login)->params.target_name : c->target_name;
}

const struct iscsi_params *conn_login_params(const struct iscsi_conn *c)
{
	return c->login ? &login_result(c->login)->params : &c->params;
}

const char *conn_close_reason(const struct iscsi_conn *c)
{
	return c->close_reason;
}

const char *conn_target_name(const struct iscsi_conn *c)
{
	return c->target_name;
}

bool conn_is_discovery(const struct iscsi_conn *c)
{
	return c->discovery;
}

const uint8_t *conn_isid(const struct iscsi_conn *c)
{
	return c->isid;
}

uint16_t conn_tsih(const struct iscsi_conn *c)
{
	return c->tsih;
}

/* ---- full feature phase dispatch ---- */

static void ffp_dispatch(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	switch (pdu_opcode(pdu->bhs)) {
	case ISCSI_OP_SCSI_CMD:
		return conn_cmd_scsi(c, pdu);
	case ISCSI_OP_NOP_OUT:
		return conn_nop_out(c, pdu);
	case ISCSI_OP_TMF_REQ:
		return conn_tmf_req(c, pdu);
	case ISCSI_OP_TEXT_REQ:
		return conn_text_req(c, pdu);
	case ISCSI_OP_LOGOUT_REQ:
		return conn_logout_req(c, pdu);
	default:
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
	}
}

static void pending_drop(struct pending_cmd *p)
{
	free(p->pdu.ahs);
	free(p->pdu.data);
	p->pdu.ahs = p->pdu.data = NULL;
	p->pdu.ahs_len = p->pdu.data_len = 0;
}

bool conn_pending_abort(struct iscsi_conn *c, uint32_t itt)
{
	for (struct pending_cmd *p = c->pending; p; p = p->next) {
		if (!p->tombstone && pdu_bhs_itt(p->pdu.bhs) == itt) {
			pending_drop(p);
			p->tombstone = true;
			return true;
		}
	}
	return false;
}

/* pdu NULL: a tombstone that only consumes cmdsn. */
static int pending_hold(struct iscsi_conn *c, const struct iscsi_pdu *pdu, uint32_t cmdsn)
{
	if (c->npending >= CONN_PENDING_MAX)
		return -ENOBUFS;
	struct pending_cmd *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cmdsn = cmdsn;
	if (!pdu) {
		p->tombstone = true;
		p->next = c->pending;
		c->pending = p;
		c->npending++;
		return 0;
	}
	p->pdu = *pdu;
	p->pdu.ahs = pdu->ahs_len ? malloc(pdu->ahs_len) : NULL;
	p->pdu.data = pdu->data_len ? malloc(pdu->data_len) : NULL;
	if ((pdu->ahs_len && !p->pdu.ahs) || (pdu->data_len && !p->pdu.data)) {
		free(p->pdu.ahs);
		free(p->pdu.data);
		free(p);
		return -ENOMEM;
	}
	if (pdu->ahs_len)
		memcpy(p->pdu.ahs, pdu->ahs, pdu->ahs_len);
	if (pdu->data_len)
		memcpy(p->pdu.data, pdu->data, pdu->data_len);
	p->next = c->pending;
	c->pending = p;
	c->npending++;
	return 0;
}

/* Run held commands whose turn has come. */
static void pending_run(struct iscsi_conn *c)
{
	bool found = true;
	while (found && conn_in_full_feature(c)) {
		found = false;
		for (struct pending_cmd **pp = &c->pending; *pp; pp = &(*pp)->next) {
			struct pending_cmd *p = *pp;
			if (p->cmdsn != c->exp_cmdsn)
				continue;
			*pp = p->next;
			c->npending--;
			c->exp_cmdsn++;
			if (!p->tombstone)
				ffp_dispatch(c, &p->pdu);
			pending_drop(p);
			free(p);
			found = true;
			break;
		}
	}
}

/* RFC 7143 4.2.2.1: commands run in CmdSN order; one outside [ExpCmdSN, MaxCmdSN] is dropped
 * silently, one ahead of a gap waits for the gap to fill. */
static void ffp_ordered(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	int op = pdu_opcode(pdu->bhs);
	bool immediate = pdu_bhs_immediate(pdu->bhs);
	uint32_t cmdsn = pdu_req_cmdsn(pdu->bhs);

	if (op == ISCSI_OP_DATA_OUT)
		return conn_cmd_data_out(c, pdu);
	if (op == ISCSI_OP_SNACK)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_SNACK);
	if (op != ISCSI_OP_SCSI_CMD && op != ISCSI_OP_NOP_OUT && op != ISCSI_OP_TMF_REQ &&
	    op != ISCSI_OP_TEXT_REQ && op != ISCSI_OP_LOGOUT_REQ)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_CMD_NOT_SUPPORTED);
	if (immediate)
		return ffp_dispatch(c, pdu);
	if (cmdsn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		ffp_dispatch(c, pdu);
		pending_run(c);
		conn_window_update(c);
		return;
	}
	if (sna_gt(cmdsn, c->exp_cmdsn) && sna_le(cmdsn, c->max_cmdsn)) {
		if (pending_hold(c, pdu, cmdsn) < 0)
			conn_fail(c, "too many commands waiting for a CmdSN gap to fill");
		return;
	}
	log_debug("%s %s: dropped %s with CmdSN %u outside [%u, %u]", c->env.peer,
		  c->initiator_name, pdu_op_name(op), cmdsn, c->exp_cmdsn, c->max_cmdsn);
}

void conn_cmdsn_received(struct iscsi_conn *c, uint32_t cmdsn)
{
	if (cmdsn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		pending_run(c);
	} else if (pending_hold(c, NULL, cmdsn) < 0) {
		conn_fail(c, "too many commands waiting for a CmdSN gap to fill");
		return;
	}
	conn_window_update(c);
}

/* ---- login phase ---- */

static void nexus_init(struct iscsi_conn *c)
{
	struct scsi_nexus *nx = &c->nexus;
	snprintf(nx->initiator_name, sizeof(nx->initiator_name), "%s", c->initiator_name);
	memcpy(nx->isid, c->isid, sizeof(nx->isid));
	snprintf(nx->initiator_port, sizeof(nx->initiator_port), "%s,i,0x%02x%02x%02x%02x%02x%02x",
		 c->initiator_name, c->isid[0], c->isid[1], c->isid[2], c->isid[3], c->isid[4],
		 c->isid[5]);
}

/* The login succeeded: take the target and register the session. 0, or the login status that
 * refuses it after all. */
static int login_done(struct iscsi_conn *c, struct login_out *out)
{
	const struct login_result *res = login_result(c->login);

	c->discovery = res->params.session_type == ISCSI_SESSION_DISCOVERY;
	snprintf(c->initiator_name, sizeof(c->initiator_name), "%s", res->params.initiator_name);
	snprintf(c->target_name, sizeof(c->target_name), "%s", res->params.target_name);
	memcpy(c->isid, res->isid, sizeof(c->isid));
	if (!c->discovery) {
		int st = c->env.get_target(c->env.ctx, c->target_name, &c->target);
		if (st != 0)
			return st;
		c->have_target = true;
	}
	c->tsih = c->env.session_add ? c->env.session_add(c->env.ctx, c) : 1;
	c->registered = c->env.session_add != NULL;
	login_set_tsih(out, c->tsih);
	c->exp_cmdsn = res->exp_cmdsn;
	c->max_cmdsn = res->max_cmdsn;
	c->statsn = res->next_statsn;
	if (c->have_target) {
		nexus_init(c);
		scsi_lu_attach(c->target.lu, &c->nexus);
	}
	log_info("%s %s: logged in to %s (%s, CmdSN window %u, MaxRecvDataSegmentLength %u/%u, "
		 "MaxBurstLength %u%s%s)",
		 c->env.peer, c->initiator_name, c->discovery ? "discovery" : c->target_name,
		 res->authenticated ? "CHAP" : "no authentication", c->cfg.queue_depth,
		 res->params.max_recv_data_segment_length,
		 res->params.peer_max_recv_data_segment_length, res->params.max_burst_length,
		 res->params.header_digest ? ", header digest" : "",
		 res->params.data_digest ? ", data digest" : "");
	return 0;
}

static void login_answer(struct iscsi_conn *c, struct login_out *out_p);

static void login_pdu(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct login_out out;

	if (pdu_opcode(pdu->bhs) != ISCSI_OP_LOGIN_REQ)
		return conn_fail(c, "a PDU other than Login Request during login");
	if (c->login_parked) /* RFC 7143 6.1: one request at a time, each waits for its answer */
		return conn_fail(c, "a Login Request before the answer to the previous one");
	login_step(c->login, pdu, &out);
	login_answer(c, &out);
}

bool conn_login_parked(const struct iscsi_conn *c)
{
	return c->login_parked;
}

bool conn_login_resume(struct iscsi_conn *c)
{
	if (!c->login_parked || c->phase != CONN_LOGIN)
		return false;
	c->login_parked = false;
	struct login_out out = c->parked_out;
	login_answer(c, &out);
	return true;
}

/* The response to a login step: finishing the login (taking the target) on its last. */
static void login_answer(struct iscsi_conn *c, struct login_out *out_p)
{
	struct login_out out = *out_p;

	if (out.action == LOGIN_DONE) {
		int st = login_done(c, &out);
		if (st == CONN_TARGET_PENDING) {
			c->parked_out = *out_p;
			c->login_parked = true;
			return;
		}
		if (st)
			login_refuse(
			    c->login, &out, (uint16_t)st,
			    st == ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE
				? "the LUN cannot be used now (held by a ringsan command or "
				  "another "
				  "node, or its storage does not answer: the log line before says "
				  "which)"
				: "the target went away during login");
	}
	struct conn_tx *tx = conn_tx_new(c, out.pdu.data_len);
	if (!tx)
		return conn_fail(c, "out of memory");
	memcpy(tx->hdr, out.pdu.bhs, BHS_LEN);
	if (out.pdu.data_len)
		memcpy(tx->owned, out.pdu.data, out.pdu.data_len);
	conn_tx_finish_hdr(c, tx); /* digests start only after this PDU (RFC 7143 13.1) */
	conn_queue(c, tx);
	switch (out.action) {
	case LOGIN_CONTINUE:
		return;
	case LOGIN_FAIL:
		if (ISCSI_LOGIN_STATUS_CLASS(out.status) == 1)
			log_info("%s %s: login to %s redirected to %s", c->env.peer,
				 login_result(c->login)->params.initiator_name,
				 login_result(c->login)->params.target_name,
				 login_result(c->login)->target.redirect);
		else
			log_warn("%s %s: login to %s failed (status %02x/%02x): %s", c->env.peer,
				 login_result(c->login)->params.initiator_name[0]
				     ? login_result(c->login)->params.initiator_name
				     : "(unnamed initiator)",
				 login_result(c->login)->params.target_name[0]
				     ? login_result(c->login)->params.target_name
				     : "(no target)",
				 ISCSI_LOGIN_STATUS_CLASS(out.status),
				 ISCSI_LOGIN_STATUS_DETAIL(out.status),
				 out.reason ? out.reason : "refused");
		c->login_status = out.status;
		c->login_reason = out.reason ? out.reason : "refused";
		conn_set_phase(c, CONN_LOGGED_OUT); /* close once the response is sent */
		return;
	case LOGIN_DONE:
		c->params = login_result(c->login)->params;
		c->peer_mrdsl = c->params.peer_max_recv_data_segment_length;
		conn_set_phase(c, CONN_FULL_FEATURE);
		conn_window_update(c);
		return;
	}
}

/* ---- life cycle ---- */

struct iscsi_conn *conn_new(const struct conn_config *cfg, const struct conn_env *env,
			    uint64_t now_ms)
{
	struct iscsi_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->env = *env;
	c->phase = CONN_LOGIN;
	c->refs = 1; /* the daemon's, until conn_free */
	c->last_rx_ms = now_ms;
	c->started_ms = now_ms;
	negotiate_params_default(&c->params);
	c->peer_mrdsl = ISCSI_LOGIN_MAX_DATA_LEN;
	struct login_config lc = {
	    .limits = cfg->limits,
	    .text_cap = TEXT_DEFAULT_CAP,
	    .cmdsn_window = cfg->queue_depth,
	    .initial_statsn = 1,
	    .tpgt = ISCSI_PORTAL_GROUP_TAG,
	};
	c->login = login_new(&lc, env->login_ops, env->login_ctx);
	if (!c->login || text_in_init(&c->text_req, TEXT_DEFAULT_CAP) < 0) {
		login_free(c->login);
		free(c);
		return NULL;
	}
	return c;
}

void conn_pending_free(struct iscsi_conn *c)
{
	while (c->pending) {
		struct pending_cmd *p = c->pending;
		c->pending = p->next;
		pending_drop(p);
		free(p);
	}
	c->npending = 0;
}

int conn_recv(struct iscsi_conn *c, const struct iscsi_pdu *pdu, uint64_t now_ms)
{
	c->last_rx_ms = now_ms;
	c->nop_sent_ms = 0; /* anything from the peer shows it is alive */
	c->ping_deadline_ms = 0;
	if (c->phase == CONN_LOGIN)
		login_pdu(c, pdu);
	else if (conn_in_full_feature(c))
		ffp_ordered(c, pdu);
	/* else logged out or closing: ignored */
	return c->phase >= CONN_CLOSING ? -EPROTO : 0;
}

void conn_data_digest_error(struct iscsi_conn *c, const uint8_t bhs[BHS_LEN])
{
	if (conn_in_full_feature(c))
		conn_send_reject(c, bhs, ISCSI_REJECT_DATA_DIGEST);
	else
		conn_fail(c, "data digest error during login");
}
