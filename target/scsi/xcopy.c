/* xcopy.c: the copy manager: EXTENDED COPY (LID1, SPC-4 6.4) with block-to-block segment
 * descriptors (02h) between copy targets named by identification descriptors (E4h), RECEIVE
 * COPY RESULTS (SPC-4 6.18: COPY STATUS and OPERATING PARAMETERS) and the third-party copy VPD
 * page (SPC-4 7.8.17).
 *
 * A copy target is this LU or, through cfg.find_lu, another LU of the daemon, named by the NAA
 * designator VPD 83h reports. The data never passes through us: each segment is copied as
 * BLK_COPY steps of at most XCOPY_CHUNK_BYTES (copy_file_range, which reflinks where the file
 * system can), one SCSI_NEXT_IO each.
 *
 * Decisions:
 * - Locking: each step holds a shared range on the destination LU (lu_range.c), the lock an
 *   ordinary WRITE takes, so a COMPARE AND WRITE, WRITE ATOMIC or SANITIZE on the destination
 *   is never interleaved with a copy step. The source is read without a range, as a READ
 *   racing a WRITE may be: SBC-4 gives EXTENDED COPY no atomicity, and holding two ranges (in
 *   two LUs) at once could deadlock against another copy going the other way.
 * - Overlap within one LU copies as if the source were read whole first (memmove): steps go
 *   backwards when the destination starts above an overlapping source, and no step overlaps
 *   itself (copy_file_range refuses that).
 * - Every descriptor is checked, and every copy target resolved and range-checked, before the
 *   first byte moves. Errors in the parameter list are ILLEGAL REQUEST; errors about copy
 *   targets and segments are COPY ABORTED (SPC-4 6.4.3.x), with COPY TARGET DEVICE NOT
 *   REACHABLE for a target we cannot find and no additional sense for a segment beyond a
 *   target's capacity; a write-protected destination is DATA PROTECT.
 * - Access to another LU (CVE-2020-28374 in Linux LIO was a copy manager that reached every LU
 *   it knew): a copy target other than this LU is reachable only while the initiator that sent
 *   the EXTENDED COPY has an I_T nexus of its own attached to it (same initiator name: a
 *   session that passed that LU's ACL and CHAP), else COPY TARGET DEVICE NOT REACHABLE. The
 *   copy then reads and writes that LU as the initiator could through such a nexus: reading a
 *   source is a READ-class access, writing a destination a WRITE-class one, checked against
 *   that LU's persistent and SPC-2 reservations with pr.c's table (pr_copy_access()). This LU
 *   needs no such check: the EXTENDED COPY itself went through it as a WRITE-class command.
 * - The plan keeps no pointer to the other LU's nexus (its session may log out at any time):
 *   only the initiator name, copied. Reachability and reservations are checked for every
 *   segment before the first byte moves, and again before each step under that LU's lock, so a
 *   logout or a reservation taken during a long copy stops it at the next step.
 *   Initiator names are not secrets: where the other LU relies on CHAP, a peer that claims
 *   the name of an initiator logged in there (and gets into this LU) reaches it while that
 *   session lasts. Matching more (ISID, CHAP user, address) would need the daemon's help.
 * - A reservation conflict on another LU ends the command with RESERVATION CONFLICT status.
 *   SPC-4 6.4 has the copy manager report a copy target's errors as COPY ABORTED sense, but
 *   we could not confirm what it asks for a reservation conflict the copy manager meets
 *   itself (the spec is unclear to us here); RESERVATION CONFLICT is what the initiator would
 *   get doing the same access itself, and what a conflict on this LU gives.
 * - The destination's write protection is checked whichever LU it is.
 * - LU ID TYPE and NUL of a target descriptor are obsolete in SPC-4 and ignored. */
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

#define XCOPY_HDR	16u
#define TGT_DESC_LEN	32u
#define SEG_B2B_LEN	28u /* block to block: DESCRIPTOR LENGTH 0018h + 4 */
#define TGT_IDENT	0xe4
#define SEG_BLOCK2BLOCK 0x02

enum xcopy_step { XC_DATA = 1, XC_NEXT, XC_COPIED };

struct xcopy_target {
	struct scsi_lu *lu;
	void *ref; /* from cfg.find_lu, NULL for this LU */
};

struct xcopy_seg {
	uint16_t src, dst; /* target indexes */
	uint64_t src_lba, dst_lba;
	uint64_t bytes;
};

struct xcopy_plan {
	struct scsi_lu *lu; /* the LU the command came to (owns find_lu / put_lu) */
	char initiator[sizeof(((struct scsi_nexus *)0)->initiator_name)]; /* "": no nexus */
	struct xcopy_target tgt[XCOPY_MAX_TARGETS];
	struct xcopy_seg seg[XCOPY_MAX_SEGMENTS];
	unsigned ntgt, nseg, cur;
	uint64_t done;			       /* bytes of seg[cur] copied */
	uint64_t step_src, step_dst, step_len; /* the step in flight */
	int slot;			       /* index into lu->xcopy, or -1 (list ID not held) */
	uint64_t bytes;			       /* copied in all */
};

/* SPC-4 6.4.1 CDB: PARAMETER LIST LENGTH in bytes 10-13. The whole list is taken as Data-Out;
 * one longer than the header and the largest descriptor list allowed cannot be valid. */
enum scsi_next xcopy_extended_copy(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t len = get_be32(task->cdb + 10);
	if (!len) /* SPC-4 6.4.1: not an error, nothing is copied */
		return scsi_task_good(task);
	if (len < XCOPY_HDR || len > XCOPY_HDR + XCOPY_MAX_DESC_LIST)
		return scsi_task_fail(lu, task, sense_param_list_length_error());
	task->st.opcode_step = XC_DATA;
	return scsi_task_data_out(task, len);
}

static void plan_release(struct scsi_task *task)
{
	struct xcopy_plan *p = task->st.aux;
	if (!p)
		return;
	for (unsigned i = 0; i < p->ntgt; i++)
		if (p->tgt[i].ref && p->lu->cfg.put_lu)
			p->lu->cfg.put_lu(p->lu->cfg.ctx, p->tgt[i].ref);
	if (p->slot >= 0) {
		pthread_mutex_lock(&p->lu->lock);
		struct xcopy_result *r = &p->lu->xcopy[p->slot];
		if (r->status == 0) /* aborted while running */
			r->status = 2;
		pthread_mutex_unlock(&p->lu->lock);
	}
	p->ntgt = 0;
	p->slot = -1;
}

/* Resolves one identification target descriptor (SPC-4 6.4.6.2) at d (offset off in the list). */
static bool parse_target(struct scsi_lu *lu, struct xcopy_plan *p, const uint8_t *d, uint32_t off,
			 struct sense *err)
{
	struct xcopy_target *t = &p->tgt[p->ntgt];
	uint8_t naa[8];
	if (d[0] != TGT_IDENT) {
		*err = sense_unsupported_target_descriptor();
		return false;
	}
	if ((d[1] & 0x1f) != 0) { /* PERIPHERAL DEVICE TYPE: block devices only */
		*err = sense_invalid_field_in_param_list(off + 1, 4);
		return false;
	}
	/* the designator: association LU, NAA, 8 bytes (the one VPD 83h gives) */
	if ((d[5] & 0x30) != 0 || (d[5] & 0x0f) != 3 || d[7] != 8) {
		*err = sense_copy_target_unreachable();
		return false;
	}
	scsi_lu_naa(lu, naa);
	t->lu = NULL;
	t->ref = NULL;
	if (!memcmp(naa, d + 8, 8))
		t->lu = lu;
	else if (lu->cfg.find_lu && p->initiator[0])
		t->lu = lu->cfg.find_lu(lu->cfg.ctx, d + 8, 8, p->initiator, &t->ref);
	if (t->lu)
		p->ntgt++; /* holds t->ref from here, for plan_release */
	if (!t->lu ||
	    (t->lu != lu && pr_copy_access(t->lu, p->initiator, false) == PR_REACH_NONE)) {
		*err = sense_copy_target_unreachable();
		return false;
	}
	if (get_be24(d + 29) != t->lu->cfg.block_size) { /* DISK BLOCK LENGTH */
		*err = sense_invalid_field_in_param_list(off + 29, 7);
		return false;
	}
	return true;
}

/* One block to block segment descriptor (SPC-4 6.4.5.5): indexes, count and ranges. */
static bool parse_segment(struct xcopy_plan *p, const uint8_t *d, uint32_t off, struct sense *err)
{
	struct xcopy_seg *s = &p->seg[p->nseg];
	if (d[0] != SEG_BLOCK2BLOCK) {
		*err = sense_unsupported_segment_descriptor();
		return false;
	}
	if (get_be16(d + 2) != SEG_B2B_LEN - 4) {
		*err = sense_invalid_field_in_param_list(off + 2, 7);
		return false;
	}
	s->src = get_be16(d + 4);
	s->dst = get_be16(d + 6);
	if (s->src >= p->ntgt || s->dst >= p->ntgt) {
		*err = sense_copy_target_unreachable();
		return false;
	}
	struct scsi_lu *src = p->tgt[s->src].lu, *dst = p->tgt[s->dst].lu;
	uint32_t sbs = src->cfg.block_size, dbs = dst->cfg.block_size;
	uint32_t n = get_be16(d + 10);
	s->src_lba = get_be64(d + 12);
	s->dst_lba = get_be64(d + 20);
	s->bytes = (uint64_t)n * ((d[1] & 0x02) ? dbs : sbs); /* DC: count in destination blocks */
	if (s->bytes % sbs || s->bytes % dbs) {
		*err = sense_copy_inexact_segment();
		return false;
	}
	if (!scsi_lu_range_ok(src, s->src_lba, s->bytes / sbs) ||
	    !scsi_lu_range_ok(dst, s->dst_lba, s->bytes / dbs)) {
		*err = sense_copy_aborted();
		return false;
	}
	if (dst->cfg.read_only || atomic_load(&dst->swp)) {
		*err = sense_write_protected();
		return false;
	}
	p->nseg++;
	return true;
}

/* SPC-4 6.4.3 parameter list: header, target descriptors, segment descriptors, inline data
 * (we take none: MAXIMUM INLINE DATA LENGTH 0). */
static bool parse_list(struct scsi_lu *lu, struct xcopy_plan *p, const uint8_t *b, uint32_t len,
		       struct sense *err)
{
	uint32_t tlen = get_be16(b + 2), slen = get_be32(b + 8), ilen = get_be32(b + 12);
	if ((uint64_t)XCOPY_HDR + tlen + slen + ilen > len) {
		*err = sense_param_list_length_error();
		return false;
	}
	if (tlen % TGT_DESC_LEN) {
		*err = sense_invalid_field_in_param_list(2, 7);
		return false;
	}
	if (ilen) {
		*err = sense_invalid_field_in_param_list(12, 7);
		return false;
	}
	if (tlen / TGT_DESC_LEN > XCOPY_MAX_TARGETS) {
		*err = sense_too_many_target_descriptors();
		return false;
	}
	uint32_t off = XCOPY_HDR;
	for (; off < XCOPY_HDR + tlen; off += TGT_DESC_LEN)
		if (!parse_target(lu, p, b + off, off, err))
			return false;
	for (uint32_t end = off + slen; off < end;) {
		if (end - off < 4 || end - off < 4u + get_be16(b + off + 2)) {
			*err = sense_param_list_length_error();
			return false;
		}
		if (p->nseg == XCOPY_MAX_SEGMENTS) {
			*err = sense_too_many_segment_descriptors();
			return false;
		}
		if (!parse_segment(p, b + off, off, err))
			return false;
		off += 4u + get_be16(b + off + 2);
	}
	return true;
}

/* LIST ID USAGE (SPC-4 6.4.3.2): 00b and 01b hold the status for RECEIVE COPY RESULTS (the
 * list identifier must not be in use by a running copy of this nexus); 10b and 11b hold
 * nothing. Takes a slot (reusing the oldest finished one); false: OPERATION IN PROGRESS. */
static bool hold_result(struct scsi_lu *lu, struct scsi_task *task, struct xcopy_plan *p,
			uint8_t list_id, uint8_t usage)
{
	int free_slot = -1;
	p->slot = -1;
	if (usage >= 2)
		return true;
	pthread_mutex_lock(&lu->lock);
	for (unsigned i = 0; i < XCOPY_HELD_RESULTS; i++) {
		struct xcopy_result *r = &lu->xcopy[i];
		if (r->nexus == task->nexus && r->list_id == list_id) {
			if (r->status == 0) {
				pthread_mutex_unlock(&lu->lock);
				return false;
			}
			free_slot = (int)i;
			break;
		}
		if (free_slot < 0 && (!r->nexus || r->status != 0))
			free_slot = (int)i;
	}
	if (free_slot >= 0) {
		lu->xcopy[free_slot] = (struct xcopy_result){task->nexus, list_id, 0, 0, 0};
		p->slot = free_slot;
	}
	pthread_mutex_unlock(&lu->lock);
	return true;
}

static void note_result(struct xcopy_plan *p, uint8_t status)
{
	if (p->slot < 0)
		return;
	pthread_mutex_lock(&p->lu->lock);
	struct xcopy_result *r = &p->lu->xcopy[p->slot];
	r->status = status ? status : r->status;
	r->segments = (uint16_t)p->cur;
	r->bytes = p->bytes;
	pthread_mutex_unlock(&p->lu->lock);
}

static enum scsi_next copy_fail(struct scsi_lu *lu, struct scsi_task *task, struct sense s)
{
	struct xcopy_plan *p = task->st.aux;
	if (p)
		note_result(p, 2);
	return scsi_task_fail(lu, task, s);
}

/* Whether the initiator may now read seg's source and write its destination where they are
 * other LUs (see "Access to another LU" above). */
static enum pr_reach seg_access(const struct xcopy_plan *p, const struct xcopy_seg *s)
{
	struct scsi_lu *src = p->tgt[s->src].lu, *dst = p->tgt[s->dst].lu;
	enum pr_reach r = PR_REACH_OK;
	/* another LU being sanitized (or left in sanitize failure mode) answers nothing but
	 * INQUIRY: it is not reachable as a copy target (checked again before every step) */
	if ((src != p->lu && atomic_load(&src->sanitize_state) != SANITIZE_IDLE) ||
	    (dst != p->lu && atomic_load(&dst->sanitize_state) != SANITIZE_IDLE))
		return PR_REACH_NONE;
	if (src != p->lu)
		r = pr_copy_access(src, p->initiator, false);
	if (r == PR_REACH_OK && dst != p->lu)
		r = pr_copy_access(dst, p->initiator, true);
	return r;
}

static enum scsi_next access_refused(struct scsi_lu *lu, struct scsi_task *task, enum pr_reach r)
{
	if (r == PR_REACH_NONE)
		return copy_fail(lu, task, sense_copy_target_unreachable());
	note_result(task->st.aux, 2);
	scsi_task_data_free(task);
	task->status = SCSI_RESERVATION_CONFLICT;
	task->sense_len = 0;
	return SCSI_NEXT_DONE;
}

/* The next step of seg[cur]: at most a chunk; within one file, never overlapping itself, and
 * backwards when the destination lies above an overlapping source (memmove semantics). */
static void next_step(struct xcopy_plan *p)
{
	const struct xcopy_seg *s = &p->seg[p->cur];
	uint64_t so = s->src_lba * p->tgt[s->src].lu->cfg.block_size;
	uint64_t dof = s->dst_lba * p->tgt[s->dst].lu->cfg.block_size;
	uint64_t left = s->bytes - p->done,
		 len = left < XCOPY_CHUNK_BYTES ? left : XCOPY_CHUNK_BYTES;
	bool same = p->tgt[s->src].lu->dev == p->tgt[s->dst].lu->dev;
	bool overlap = same && so < dof + s->bytes && dof < so + s->bytes;
	uint64_t dist = so > dof ? so - dof : dof - so;
	uint64_t at = p->done;
	if (overlap && len > dist)
		len = dist;
	if (overlap && dof > so)
		at = left - len; /* from the end: the part not yet copied is [0, left) */
	p->step_src = so + at;
	p->step_dst = dof + at;
	p->step_len = len;
}

static enum scsi_next copy_next(struct scsi_lu *lu, struct scsi_task *task)
{
	struct xcopy_plan *p = task->st.aux;
	while (p->cur < p->nseg) {
		const struct xcopy_seg *s = &p->seg[p->cur];
		struct scsi_lu *src = p->tgt[s->src].lu, *dst = p->tgt[s->dst].lu;
		if (p->done >= s->bytes ||
		    (src->dev == dst->dev &&
		     s->src_lba * src->cfg.block_size == s->dst_lba * dst->cfg.block_size)) {
			p->cur++; /* done, or a copy onto itself */
			p->done = 0;
			continue;
		}
		next_step(p);
		enum pr_reach reach = seg_access(p, s);
		if (reach != PR_REACH_OK)
			return access_refused(lu, task, reach);
		uint32_t dbs = dst->cfg.block_size;
		if (!lu_range_lock(dst, task, p->step_dst / dbs, p->step_len / dbs, false))
			return scsi_task_wait(task);
		task->st.opcode_step = XC_COPIED;
		memset(&task->io, 0, sizeof(task->io));
		task->io.op = BLK_COPY;
		task->io.dev = dst->dev;
		task->io.off = p->step_dst;
		task->io.len = p->step_len;
		task->io.src = src->dev;
		task->io.src_off = p->step_src;
		return SCSI_NEXT_IO;
	}
	note_result(p, 1);
	return scsi_task_good(task);
}

static enum scsi_next copy_begin(struct scsi_lu *lu, struct scsi_task *task)
{
	struct xcopy_plan *p = calloc(1, sizeof(*p));
	struct sense err;
	if (!p)
		return scsi_task_busy(task);
	p->lu = lu;
	p->slot = -1;
	if (task->nexus)
		memcpy(p->initiator, task->nexus->initiator_name, sizeof(p->initiator));
	p->initiator[sizeof(p->initiator) - 1] = '\0';
	free(task->st.aux);
	task->st.aux = p;
	task->st.aux_release = plan_release;
	if (!parse_list(lu, p, task->data, task->data_len, &err))
		return scsi_task_fail(lu, task, err);
	for (unsigned i = 0; i < p->nseg; i++) {
		enum pr_reach reach = seg_access(p, &p->seg[i]);
		if (reach != PR_REACH_OK)
			return access_refused(lu, task, reach);
	}
	if (!hold_result(lu, task, p, task->data[0], (task->data[1] >> 3) & 3))
		return scsi_task_fail(lu, task, sense_operation_in_progress());
	scsi_task_data_free(task);
	task->st.opcode_step = XC_NEXT;
	return copy_next(lu, task);
}

enum scsi_next xcopy_extended_copy_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	struct xcopy_plan *p = task->st.aux;
	switch (task->st.opcode_step) {
	case XC_DATA:
		return copy_begin(lu, task);
	case XC_NEXT: /* woken with the destination range granted */
		return copy_next(lu, task);
	case XC_COPIED:
		lu_range_unlock(task);
		if (task->io.res < 0)
			return copy_fail(
			    lu, task,
			    sense_copy_aborted_by(sense_io_error(
				true, task->io.res, p->step_dst / lu->cfg.block_size)));
		p->done += p->step_len;
		p->bytes += p->step_len;
		task->st.opcode_step = XC_NEXT;
		return copy_next(lu, task);
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}

/* SPC-4 6.18.3 COPY STATUS for the list identifier of this nexus; a finished copy's status is
 * given once. TRANSFER COUNT in MiB (units 02h) once it passes 4 GiB - 1 in bytes. */
static enum scsi_next copy_status(struct scsi_lu *lu, struct scsi_task *task, uint32_t alloc)
{
	struct xcopy_result got = {0};
	pthread_mutex_lock(&lu->lock);
	for (unsigned i = 0; i < XCOPY_HELD_RESULTS; i++) {
		struct xcopy_result *r = &lu->xcopy[i];
		if (r->nexus && r->nexus == task->nexus && r->list_id == task->cdb[2]) {
			got = *r;
			if (r->status != 0)
				r->nexus = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&lu->lock);
	if (!got.nexus)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	uint8_t *d = scsi_task_datain(task, 12);
	if (!d)
		return scsi_task_busy(task);
	bool mib = got.bytes > 0xffffffffu;
	put_be32(d, 8);
	d[4] = got.status;
	put_be16(d + 5, got.segments);
	d[7] = mib ? 0x02 : 0x00;
	put_be32(d + 8, (uint32_t)(mib ? got.bytes >> 20 : got.bytes));
	return scsi_task_datain_done(task, 12, alloc);
}

/* SPC-4 6.18.4 OPERATING PARAMETERS. */
static enum scsi_next operating_params(struct scsi_lu *lu, struct scsi_task *task, uint32_t alloc)
{
	uint8_t *d = scsi_task_datain(task, 46);
	if (!d)
		return scsi_task_busy(task);
	put_be32(d, 42);
	put_be16(d + 8, XCOPY_MAX_TARGETS);
	put_be16(d + 10, XCOPY_MAX_SEGMENTS);
	put_be32(d + 12, XCOPY_MAX_DESC_LIST);
	put_be32(d + 16, 0xffffu * lu->cfg.block_size); /* MAXIMUM SEGMENT LENGTH */
	put_be16(d + 34, 1); /* TOTAL CONCURRENT COPIES: one per command, run in the command */
	d[36] = 1;
	d[37] = 9; /* DATA SEGMENT GRANULARITY: 2^9 = the smallest block */
	d[43] = 2; /* IMPLEMENTED DESCRIPTOR LIST */
	d[44] = SEG_BLOCK2BLOCK;
	d[45] = TGT_IDENT;
	return scsi_task_datain_done(task, 46, alloc);
}

enum scsi_next xcopy_receive_copy_results(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t alloc = get_be32(task->cdb + 10);
	switch (task->cdb[1] & 0x1f) {
	case 0x00:
		return copy_status(lu, task, alloc);
	case 0x03:
		if (task->cdb[2]) /* LIST IDENTIFIER is reserved here */
			return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
		return operating_params(lu, task, alloc);
	default:
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 4));
	}
}

void xcopy_forget_nexus(struct scsi_lu *lu, const struct scsi_nexus *nx)
{
	for (unsigned i = 0; i < XCOPY_HELD_RESULTS; i++)
		if (lu->xcopy[i].nexus == nx)
			lu->xcopy[i].nexus = NULL;
}

/* SPC-4 7.8.17 third-party copy page: Supported Commands (0001h), Parameter Data (0004h) and
 * Supported Descriptors (0008h) for the LID1 commands. Returns the page length. */
uint32_t xcopy_vpd(struct scsi_lu *lu, uint8_t *d)
{
	static const uint8_t cmds[] = {0x83, 1, 0x00, 0x84, 2, 0x00, 0x03};
	uint32_t off = 4;
	(void)lu;
	put_be16(d + off, 0x0001);
	put_be16(d + off + 2, 8); /* 1 + 7, padded to 8 */
	d[off + 4] = sizeof(cmds);
	memcpy(d + off + 5, cmds, sizeof(cmds));
	off += 12;
	put_be16(d + off, 0x0004);
	put_be16(d + off + 2, 0x1c);
	put_be16(d + off + 8, XCOPY_MAX_TARGETS);
	put_be16(d + off + 10, XCOPY_MAX_SEGMENTS);
	put_be32(d + off + 12, XCOPY_MAX_DESC_LIST);
	off += 32;
	put_be16(d + off, 0x0008);
	put_be16(d + off + 2, 4);
	d[off + 4] = 2;
	d[off + 5] = SEG_BLOCK2BLOCK;
	d[off + 6] = TGT_IDENT;
	off += 8;
	return off;
}
