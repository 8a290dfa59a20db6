/* pr.c: reservations. PERSISTENT RESERVE IN / OUT (SPC-4 5.9, 6.15, 6.16) with every type and
 * service action but REPLACE LOST RESERVATION, SPC-2 RESERVE / RELEASE (6/10) (SPC-2 7.21-7.24,
 * SPC-4 5.9.3), and the conflict check of SPC-4 5.9.1 / SBC-4 4.17 run for every command.
 *
 * An I_T nexus is its initiator port name "NAME,i,0xISID" (there is one target port, so
 * ALL_TG_PT is accepted and changes nothing). State lives in lu->pr under lu->lock; the unit
 * attentions an action owes go to every attached nexus whose port matches. SPEC_I_PT is not
 * supported (SIP_C = 0). The OUT parameter list decoding is in pr_out.c. */
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

bool pr_all_regs(uint8_t type)
{
	return type == PR_WEAR || type == PR_EAAR;
}

static bool type_registrants(uint8_t type)
{
	return type == PR_WERO || type == PR_EARO || pr_all_regs(type);
}

static bool type_exclusive_access(uint8_t type)
{
	return type == PR_EA || type == PR_EARO || type == PR_EAAR;
}

int pr_find(const struct pr_state *st, const char *port)
{
	for (unsigned i = 0; i < st->nregs; i++)
		if (strcmp(st->regs[i].port, port) == 0)
			return (int)i;
	return -1;
}

bool pr_is_holder(const struct pr_state *st, int idx)
{
	if (idx < 0 || st->type == PR_NONE)
		return false;
	return pr_all_regs(st->type) || idx == st->holder;
}

/* ---- the conflict check ---- */

enum pr_class { PRC_ALLOW, PRC_READ, PRC_WRITE };

/* The command's class in the table of commands allowed in the presence of reservations (SPC-4
 * 5.9.1, SBC-4 4.17), from its CDB table flags. */
static enum pr_class pr_class(const struct scsi_cmd *cmd)
{
	if (cmd->flags & CDB_F_PR_EA)
		return PRC_ALLOW;
	return (cmd->flags & CDB_F_PR_WE) ? PRC_READ : PRC_WRITE;
}

/* Whether an access of class c by nexus nx conflicts with the reservations of lu; spc2_ok: the
 * command is one an SPC-2 reservation of another nexus lets through. Caller holds lu->lock. */
static bool conflict_locked(const struct scsi_lu *lu, const struct scsi_nexus *nx, enum pr_class c,
			    bool spc2_ok)
{
	if (lu->spc2_holder && lu->spc2_holder != nx)
		return !spc2_ok;
	if (lu->pr.type == PR_NONE)
		return false;
	int idx = pr_find(&lu->pr, nx ? nx->initiator_port : "");
	bool privileged = pr_is_holder(&lu->pr, idx) || (idx >= 0 && type_registrants(lu->pr.type));
	return !privileged &&
	       (c == PRC_WRITE || (c == PRC_READ && type_exclusive_access(lu->pr.type)));
}

bool pr_conflict(struct scsi_lu *lu, const struct scsi_task *task, const struct scsi_cmd *cmd)
{
	pthread_mutex_lock(&lu->lock);
	bool c = conflict_locked(lu, task->nexus, pr_class(cmd), cmd->flags & CDB_F_SPC2_OK);
	pthread_mutex_unlock(&lu->lock);
	return c;
}

/* The copy manager reads or writes lu for the initiator named `initiator` through that
 * initiator's own I_T nexuses on lu: READ-class or WRITE-class in the SPC-4 5.9.1 table, and
 * neither goes through an SPC-2 reservation of another nexus. It may do what at least one of
 * them may do (the initiator could do the same itself through that nexus). */
enum pr_reach pr_copy_access(struct scsi_lu *lu, const char *initiator, bool write)
{
	enum pr_reach r = PR_REACH_NONE;
	pthread_mutex_lock(&lu->lock);
	for (const struct scsi_nexus *nx = lu->nexuses; nx && r != PR_REACH_OK; nx = nx->next) {
		if (strcmp(nx->initiator_name, initiator) != 0)
			continue;
		r = conflict_locked(lu, nx, write ? PRC_WRITE : PRC_READ, false) ? PR_REACH_CONFLICT
										 : PR_REACH_OK;
	}
	pthread_mutex_unlock(&lu->lock);
	return r;
}

static enum scsi_next conflict(struct scsi_task *task)
{
	scsi_task_data_free(task);
	task->status = SCSI_RESERVATION_CONFLICT;
	return SCSI_NEXT_DONE;
}

/* ---- SPC-2 RESERVE / RELEASE ---- */

/* RESERVE(6/10): the whole LU for this nexus. Third-party and extents are not supported (the
 * CDB map refuses them). A persistent registration anywhere makes it a conflict (SPC-4
 * 5.9.3). */
enum scsi_next pr_spc2_reserve(struct scsi_lu *lu, struct scsi_task *task)
{
	bool ok;
	pthread_mutex_lock(&lu->lock);
	ok = lu->pr.nregs == 0 && lu->pr.type == PR_NONE &&
	     (!lu->spc2_holder || lu->spc2_holder == task->nexus);
	if (ok)
		lu->spc2_holder = task->nexus;
	pthread_mutex_unlock(&lu->lock);
	return ok ? scsi_task_good(task) : conflict(task);
}

/* RELEASE(6/10): ends this nexus's reservation; from another nexus it does nothing (SPC-2
 * 7.23: GOOD). With persistent registrations it is a conflict. */
enum scsi_next pr_spc2_release(struct scsi_lu *lu, struct scsi_task *task)
{
	bool ok;
	pthread_mutex_lock(&lu->lock);
	ok = lu->pr.nregs == 0 && lu->pr.type == PR_NONE;
	if (ok && lu->spc2_holder == task->nexus)
		lu->spc2_holder = NULL;
	pthread_mutex_unlock(&lu->lock);
	return ok ? scsi_task_good(task) : conflict(task);
}

/* ---- PERSISTENT RESERVE IN ---- */

static uint32_t in_read_keys(const struct pr_state *st, uint8_t *d, uint32_t cap)
{
	uint32_t off = 8;
	put_be32(d, st->generation);
	for (unsigned i = 0; i < st->nregs && off + 8 <= cap; i++, off += 8)
		put_be64(d + off, st->regs[i].key);
	put_be32(d + 4, 8 * st->nregs);
	return off;
}

/* SPC-4 6.15.3: the all-registrants types report key 0. */
static uint32_t in_read_reservation(const struct pr_state *st, uint8_t *d)
{
	put_be32(d, st->generation);
	if (st->type == PR_NONE)
		return 8;
	put_be32(d + 4, 16);
	if (!pr_all_regs(st->type))
		put_be64(d + 8, st->regs[st->holder].key);
	d[21] = st->type; /* SCOPE 0h: logical unit */
	return 24;
}

/* SPC-4 6.15.4: CRH 0, SIP_C 0, ATP_C 1, PTPL_C when the daemon can save, TMV with every type;
 * ALLOW COMMANDS 001b (the SPC-4 table, which we apply). */
static uint32_t in_report_caps(const struct scsi_lu *lu, const struct pr_state *st, uint8_t *d)
{
	put_be16(d, 8);
	d[2] = 0x04 | (lu->cfg.save_pr ? 0x01 : 0);
	d[3] = 0x80 | 0x10 | (st->aptpl ? 0x01 : 0);
	d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02; /* WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX */
	d[5] = 0x01;				 /* EX_AC_AR */
	return 8;
}

/* iSCSI TransportID (SPC-4 7.6.4.6), format 01b: "NAME,i,0xISID", NUL padded to 4 bytes. */
static uint32_t put_transport_id(uint8_t *d, const char *port)
{
	uint32_t n = (uint32_t)strlen(port) + 1, padded = (n + 3) & ~3u;
	if (padded < 20)
		padded = 20;
	memset(d, 0, 4 + padded);
	d[0] = 0x40 | 0x05;
	put_be16(d + 2, (uint16_t)padded);
	memcpy(d + 4, port, n - 1);
	return 4 + padded;
}

static uint32_t in_full_status(const struct scsi_lu *lu, const struct pr_state *st, uint8_t *d,
			       uint32_t cap)
{
	uint32_t off = 8;
	put_be32(d, st->generation);
	for (unsigned i = 0; i < st->nregs; i++) {
		const struct pr_reg *r = &st->regs[i];
		if (off + 24 + 4 + PR_PORT_MAX + 4 > cap)
			break;
		put_be64(d + off, r->key);
		d[off + 12] = (r->all_tg_pt ? 0x02 : 0) | (pr_is_holder(st, (int)i) ? 0x01 : 0);
		d[off + 13] = pr_is_holder(st, (int)i) ? st->type : 0;
		put_be16(d + off + 18, lu->cfg.rel_port_id);
		uint32_t tid = put_transport_id(d + off + 24, r->port);
		put_be32(d + off + 20, tid);
		off += 24 + tid;
	}
	put_be32(d + 4, off - 8);
	return off;
}

enum scsi_next pr_in(struct scsi_lu *lu, struct scsi_task *task)
{
	uint8_t sa = task->cdb[1] & 0x1f;
	uint32_t alloc = get_be16(task->cdb + 7), len;
	if (sa > 3)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 4));
	uint8_t *d = scsi_task_datain(task, SCSI_DATAIN_MAX);
	if (!d)
		return scsi_task_busy(task);
	pthread_mutex_lock(&lu->lock);
	switch (sa) {
	case 0:
		len = in_read_keys(&lu->pr, d, SCSI_DATAIN_MAX);
		break;
	case 1:
		len = in_read_reservation(&lu->pr, d);
		break;
	case 2:
		len = in_report_caps(lu, &lu->pr, d);
		break;
	default:
		len = in_full_status(lu, &lu->pr, d, SCSI_DATAIN_MAX);
	}
	pthread_mutex_unlock(&lu->lock);
	return scsi_task_datain_done(task, len, alloc);
}

int pr_restore(struct scsi_lu *lu, const void *buf, size_t len)
{
	struct pr_state st;
	int err = pr_parse(&st, buf, len);
	pthread_mutex_lock(&lu->lock);
	lu->pr = st;
	pthread_mutex_unlock(&lu->lock);
	return err;
}
