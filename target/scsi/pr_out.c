/* pr_out.c: PERSISTENT RESERVE OUT (SPC-4 6.16, 5.9.7-5.9.12): the parameter list comes as
 * Data-Out, then one service action changes lu->pr under lu->lock, raising the unit attentions
 * it owes other nexuses; with APTPL the new state is saved through cfg.save_pr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

enum pr_sa {
	SA_REGISTER = 0,
	SA_RESERVE = 1,
	SA_RELEASE = 2,
	SA_CLEAR = 3,
	SA_PREEMPT = 4,
	SA_PREEMPT_ABORT = 5,
	SA_REGISTER_IGNORE = 6,
	SA_REGISTER_MOVE = 7,
};

#define PROUT_LIST_MAX 1024

/* The outcome of a service action: status, or sense. */
struct pr_res {
	uint8_t status;
	struct sense sense;
	bool changed; /* state changed: save it when APTPL is (or was) on */
};

static struct pr_res res_good(bool changed)
{
	return (struct pr_res){.status = SCSI_GOOD, .changed = changed};
}

static struct pr_res res_conflict(void)
{
	return (struct pr_res){.status = SCSI_RESERVATION_CONFLICT};
}

static struct pr_res res_sense(struct sense s)
{
	return (struct pr_res){.status = SCSI_CHECK_CONDITION, .sense = s};
}

struct pr_req {
	uint8_t sa, scope, type;
	uint64_t key, sakey;
	bool aptpl, all_tg_pt, unreg;
	const char *port; /* the nexus's initiator port */
	struct scsi_nexus *nexus;
	char move_port[PR_PORT_MAX]; /* REGISTER AND MOVE destination */
};

/* Unit attention ua for every attached nexus on port (except `except`). */
static void ua_port(struct scsi_lu *lu, const char *port, uint32_t ua,
		    const struct scsi_nexus *except, bool abort)
{
	for (struct scsi_nexus *nx = lu->nexuses; nx; nx = nx->next) {
		if (nx == except || strcmp(nx->initiator_port, port) != 0)
			continue;
		nx->ua_pending |= ua;
		if (abort && lu->cfg.abort_nexus)
			lu->cfg.abort_nexus(lu->cfg.ctx, nx);
	}
}

/* Every registrant but the requester gets ua. */
static void ua_others(struct scsi_lu *lu, const struct pr_req *rq, uint32_t ua)
{
	for (unsigned i = 0; i < lu->pr.nregs; i++)
		if (strcmp(lu->pr.regs[i].port, rq->port) != 0)
			ua_port(lu, lu->pr.regs[i].port, ua, NULL, false);
}

static void release_reservation(struct pr_state *st)
{
	st->type = PR_NONE;
	st->holder = -1;
}

/* Drops registration idx, keeping the holder index right; the last registrant of an
 * all-registrants reservation, or a single holder, takes the reservation with it. */
static void reg_remove(struct pr_state *st, int idx)
{
	if (st->type != PR_NONE && !pr_all_regs(st->type) && st->holder == idx)
		release_reservation(st);
	memmove(&st->regs[idx], &st->regs[idx + 1],
		(st->nregs - (unsigned)idx - 1) * sizeof(st->regs[0]));
	st->nregs--;
	if (st->holder > idx)
		st->holder--;
	if (st->nregs == 0)
		release_reservation(st);
}

static struct pr_res do_register(struct scsi_lu *lu, const struct pr_req *rq)
{
	struct pr_state *st = &lu->pr;
	int idx = pr_find(st, rq->port);
	bool ignore = rq->sa == SA_REGISTER_IGNORE;
	if (idx < 0) {
		if (!ignore && rq->key)
			return res_conflict();
		if (!rq->sakey)
			return res_good(false);
		if (st->nregs == PR_MAX_REGS)
			return res_sense(sense_insufficient_registration());
		struct pr_reg *r = &st->regs[st->nregs++];
		r->key = rq->sakey;
		r->all_tg_pt = rq->all_tg_pt;
		snprintf(r->port, sizeof(r->port), "%s", rq->port);
	} else if (!ignore && rq->key != st->regs[idx].key) {
		return res_conflict();
	} else if (!rq->sakey) {
		/* SPC-4 5.9.11.2: a registrants-only holder leaving releases the reservation */
		bool ro = (st->type == PR_WERO || st->type == PR_EARO) && st->holder == idx;
		reg_remove(st, idx);
		if (ro)
			ua_others(lu, rq, SCSI_UA_RESERVATIONS_RELEASED);
	} else {
		st->regs[idx].key = rq->sakey;
	}
	st->aptpl = rq->aptpl;
	st->generation++;
	return res_good(true);
}

static bool type_valid(uint8_t t)
{
	return t == PR_WE || t == PR_EA || t == PR_WERO || t == PR_EARO || t == PR_WEAR ||
	       t == PR_EAAR;
}

static struct pr_res do_reserve(struct scsi_lu *lu, const struct pr_req *rq, int idx)
{
	struct pr_state *st = &lu->pr;
	if (st->type == PR_NONE) {
		st->type = rq->type;
		st->holder = pr_all_regs(rq->type) ? -1 : idx;
		return res_good(true);
	}
	if (pr_is_holder(st, idx) && st->type == rq->type)
		return res_good(false);
	return res_conflict();
}

/* SPC-4 5.9.11.2: releasing a registrants-only or all-registrants reservation tells the other
 * registrants RESERVATIONS RELEASED. */
static struct pr_res do_release(struct scsi_lu *lu, const struct pr_req *rq, int idx)
{
	struct pr_state *st = &lu->pr;
	if (!pr_is_holder(st, idx))
		return res_good(false);
	if (st->type != rq->type)
		return res_sense(sense_invalid_release());
	bool tell = st->type != PR_WE && st->type != PR_EA;
	release_reservation(st);
	if (tell)
		ua_others(lu, rq, SCSI_UA_RESERVATIONS_RELEASED);
	return res_good(true);
}

static struct pr_res do_clear(struct scsi_lu *lu, const struct pr_req *rq)
{
	ua_others(lu, rq, SCSI_UA_RESERVATIONS_PREEMPTED);
	lu->pr.nregs = 0;
	release_reservation(&lu->pr);
	lu->pr.generation++;
	return res_good(true);
}

/* Removes every registration with key (but `keep`), each nexus getting REGISTRATIONS
 * PREEMPTED (and its tasks aborted for PREEMPT AND ABORT). Returns how many went. */
static unsigned remove_key(struct scsi_lu *lu, const struct pr_req *rq, uint64_t key, int keep,
			   bool all_but_keep)
{
	struct pr_state *st = &lu->pr;
	unsigned n = 0;
	char keep_port[PR_PORT_MAX];
	snprintf(keep_port, sizeof(keep_port), "%s", keep >= 0 ? st->regs[keep].port : "");
	for (int i = (int)st->nregs - 1; i >= 0; i--) {
		struct pr_reg *r = &st->regs[i];
		if (strcmp(r->port, keep_port) == 0 || (!all_but_keep && r->key != key))
			continue;
		ua_port(lu, r->port, SCSI_UA_REGISTRATIONS_PREEMPTED, NULL,
			rq->sa == SA_PREEMPT_ABORT);
		reg_remove(st, i);
		n++;
	}
	return n;
}

static void new_reservation(struct pr_state *st, const struct pr_req *rq)
{
	int idx = pr_find(st, rq->port);
	st->type = rq->type;
	st->holder = pr_all_regs(rq->type) ? -1 : idx;
}

/* SPC-4 5.9.11.4 PREEMPT / 5.9.11.5 PREEMPT AND ABORT. */
static struct pr_res do_preempt(struct scsi_lu *lu, const struct pr_req *rq, int idx)
{
	struct pr_state *st = &lu->pr;
	if (st->type == PR_NONE || (pr_all_regs(st->type) && rq->sakey) ||
	    (!pr_all_regs(st->type) && rq->sakey != st->regs[st->holder].key)) {
		/* no reservation involved: only registrations go */
		if (!rq->sakey)
			return res_sense(sense_invalid_field_in_param_list(8, 7));
		if (!remove_key(lu, rq, rq->sakey, -1, false))
			return res_conflict();
	} else {
		uint8_t old = st->type;
		remove_key(lu, rq, rq->sakey, idx, pr_all_regs(old));
		new_reservation(st, rq);
		if (old != rq->type)
			ua_others(lu, rq, SCSI_UA_RESERVATIONS_RELEASED);
	}
	st->generation++;
	return res_good(true);
}

/* SPC-4 5.9.8: the holder hands its reservation to the nexus named by the TransportID. */
static struct pr_res do_move(struct scsi_lu *lu, const struct pr_req *rq, int idx)
{
	struct pr_state *st = &lu->pr;
	if (!pr_is_holder(st, idx) || pr_all_regs(st->type))
		return res_conflict();
	if (!rq->sakey || strcmp(rq->move_port, rq->port) == 0)
		return res_sense(sense_invalid_field_in_param_list(24, -1));
	int dst = pr_find(st, rq->move_port);
	if (dst < 0) {
		if (st->nregs == PR_MAX_REGS)
			return res_sense(sense_insufficient_registration());
		dst = (int)st->nregs++;
		snprintf(st->regs[dst].port, PR_PORT_MAX, "%s", rq->move_port);
		st->regs[dst].all_tg_pt = false;
	}
	st->regs[dst].key = rq->sakey;
	st->holder = dst;
	if (rq->unreg)
		reg_remove(st, idx);
	st->aptpl = rq->aptpl;
	st->generation++;
	return res_good(true);
}

static struct pr_res pr_apply(struct scsi_lu *lu, const struct pr_req *rq)
{
	if (rq->sa == SA_REGISTER || rq->sa == SA_REGISTER_IGNORE)
		return do_register(lu, rq);
	int idx = pr_find(&lu->pr, rq->port);
	if (idx < 0 || lu->pr.regs[idx].key != rq->key)
		return res_conflict();
	switch (rq->sa) {
	case SA_RESERVE:
		return do_reserve(lu, rq, idx);
	case SA_RELEASE:
		return do_release(lu, rq, idx);
	case SA_CLEAR:
		return do_clear(lu, rq);
	case SA_PREEMPT:
	case SA_PREEMPT_ABORT:
		return do_preempt(lu, rq, idx);
	default:
		return do_move(lu, rq, idx);
	}
}

/* ---- decoding ---- */

/* The iSCSI TransportID of REGISTER AND MOVE (SPC-4 7.6.4.6), format 01b only: a port. */
static bool parse_move_tid(struct pr_req *rq, const uint8_t *p, uint32_t len)
{
	uint32_t tid_len = get_be32(p + 20);
	if (tid_len < 4 || tid_len > len - 24 || p[24] != 0x45)
		return false;
	uint32_t n = get_be16(p + 26);
	if (n > tid_len - 4 || n >= PR_PORT_MAX)
		return false;
	memcpy(rq->move_port, p + 28, n);
	rq->move_port[n] = '\0';
	return strstr(rq->move_port, ",i,0x") != NULL;
}

static bool decode(struct scsi_lu *lu, struct scsi_task *task, struct pr_req *rq, struct sense *err)
{
	const uint8_t *p = task->data, *cdb = task->cdb;
	rq->sa = cdb[1] & 0x1f;
	rq->scope = cdb[2] >> 4;
	rq->type = cdb[2] & 0x0f;
	rq->key = get_be64(p);
	rq->sakey = get_be64(p + 8);
	rq->nexus = task->nexus;
	rq->port = task->nexus ? task->nexus->initiator_port : "";
	if (rq->sa == SA_REGISTER_MOVE) {
		rq->unreg = p[17] & 0x02;
		rq->aptpl = p[17] & 0x01;
		if (!parse_move_tid(rq, p, task->data_len)) {
			*err = sense_invalid_field_in_param_list(24, -1);
			return false;
		}
	} else {
		rq->aptpl = p[20] & 0x01;
		rq->all_tg_pt = p[20] & 0x04;
		if (p[20] & 0x08) { /* SPEC_I_PT: not supported (SIP_C = 0) */
			*err = sense_invalid_field_in_param_list(20, 3);
			return false;
		}
	}
	if (rq->aptpl && !lu->cfg.save_pr) {
		*err = sense_invalid_field_in_param_list(rq->sa == SA_REGISTER_MOVE ? 17 : 20, 0);
		return false;
	}
	return true;
}

/* SPC-4 6.16.1: PARAMETER LIST LENGTH 24 (SPEC_I_PT = 0), more for REGISTER AND MOVE; scope
 * and type are checked for the actions that use them. */
enum scsi_next pr_out(struct scsi_lu *lu, struct scsi_task *task)
{
	uint8_t sa = task->cdb[1] & 0x1f, type = task->cdb[2] & 0x0f;
	uint32_t len = get_be32(task->cdb + 5);
	bool typed = sa == SA_RESERVE || sa == SA_RELEASE || sa == SA_PREEMPT ||
		     sa == SA_PREEMPT_ABORT || sa == SA_REGISTER_MOVE;
	if (sa > SA_REGISTER_MOVE)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 4));
	if (typed && (task->cdb[2] >> 4))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	if (typed && !type_valid(type))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 3));
	if (sa == SA_REGISTER_MOVE ? len < 28 || len > PROUT_LIST_MAX : len != 24)
		return scsi_task_fail(lu, task, sense_param_list_length_error());
	return scsi_task_data_out(task, len);
}

static enum scsi_next save_state(struct scsi_lu *lu, struct scsi_task *task, uint8_t *buf,
				 size_t len)
{
	int err = lu->cfg.save_pr(lu->cfg.ctx, buf, len);
	free(buf);
	pthread_mutex_unlock(&lu->pr_save_lock);
	if (err < 0)
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	scsi_task_data_free(task);
	return scsi_task_good(task);
}

enum scsi_next pr_out_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	struct pr_req rq;
	struct sense err;
	memset(&rq, 0, sizeof(rq));
	if (!decode(lu, task, &rq, &err))
		return scsi_task_fail(lu, task, err);
	uint8_t *buf = lu->cfg.save_pr ? malloc(PR_SAVE_MAX) : NULL;
	if (lu->cfg.save_pr && !buf)
		return scsi_task_busy(task);
	pthread_mutex_lock(&lu->pr_save_lock);
	pthread_mutex_lock(&lu->lock);
	bool was_aptpl = lu->pr.aptpl;
	struct pr_res res = pr_apply(lu, &rq);
	bool save = buf && res.changed && (was_aptpl || lu->pr.aptpl);
	size_t len = save ? pr_serialize(&lu->pr, buf) : 0;
	pthread_mutex_unlock(&lu->lock);
	if (save)
		return save_state(lu, task, buf, len);
	free(buf);
	pthread_mutex_unlock(&lu->pr_save_lock);
	scsi_task_data_free(task);
	if (res.status == SCSI_CHECK_CONDITION)
		return scsi_task_fail(lu, task, res.sense);
	task->status = res.status;
	return SCSI_NEXT_DONE;
}
