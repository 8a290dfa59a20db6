/* mode.c: MODE SENSE(6/10) and MODE SELECT(6/10) (SPC-5 6.14-6.17, 7.5) with the pages a disk is
 * asked for: caching (SBC-4 6.5.5), control (SPC-5 7.5.8) and informational exceptions control
 * (SPC-5 7.5.13).
 *
 * Decision: one mode parameter is changeable, the control page's SWP (software write protect,
 * SPC-4 7.5.8): per LU, shared by every nexus, volatile (a restart clears it). Setting or
 * clearing it raises MODE PARAMETERS CHANGED for the other nexuses (SPC-4 5.14). WCE tells the
 * truth from the LUN's write_cache option (WCE=1: write-back with honest flushes; WCE=0: every
 * write is FUA) and is changed in the config, not by an initiator (which would also have to persist
 * it). MODE SELECT accepts a page that leaves every value as it is, and answers INVALID FIELD IN
 * PARAMETER LIST pointing at the first bit it would change that is not SWP. No page is savable:
 * PC=3 and SP=1 are refused. */
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

enum mode_pc { PC_CURRENT, PC_CHANGEABLE, PC_DEFAULT, PC_SAVED };

#define MODE_BUF      256
#define MODE_LIST_MAX 1024 /* a MODE SELECT parameter list longer than this cannot be valid */

/* Each builder writes its page (header included) for current/default values, or its changeable
 * mask, and returns the length. */
static uint32_t page_caching(struct scsi_lu *lu, enum mode_pc pc, uint8_t *d)
{
	memset(d, 0, 20);
	d[0] = 0x08;
	d[1] = 0x12;
	if (pc != PC_CHANGEABLE && lu->cfg.write_cache)
		d[2] = 0x04; /* WCE */
	return 20;
}

/* Control: TST 000b (one task set), QUEUE ALGORITHM MODIFIER 1 (unrestricted reordering),
 * QErr 00b, D_SENSE from the LU, TAS 0 (tasks aborted by another nexus end without status),
 * SWP changeable (a read-only LUN says so with the WP bit of the header instead). */
static uint32_t page_control(struct scsi_lu *lu, enum mode_pc pc, uint8_t *d)
{
	memset(d, 0, 12);
	d[0] = 0x0a;
	d[1] = 0x0a;
	if (pc == PC_CHANGEABLE) {
		d[4] = 0x08; /* SWP */
		return 12;
	}
	d[2] = lu->d_sense ? 0x04 : 0x00;
	d[3] = 0x10;
	if (pc == PC_CURRENT && atomic_load(&lu->swp))
		d[4] = 0x08;
	return 12;
}

/* Informational exceptions: DEXCPT=1, nothing to report. */
static uint32_t page_iec(struct scsi_lu *lu, enum mode_pc pc, uint8_t *d)
{
	(void)lu;
	memset(d, 0, 12);
	d[0] = 0x1c;
	d[1] = 0x0a;
	if (pc != PC_CHANGEABLE)
		d[2] = 0x08;
	return 12;
}

static const struct mode_page {
	uint8_t code;
	uint32_t (*build)(struct scsi_lu *lu, enum mode_pc pc, uint8_t *d);
} pages[] = {{0x08, page_caching}, {0x0a, page_control}, {0x1c, page_iec}};

#define NPAGES (sizeof(pages) / sizeof(pages[0]))

static const struct mode_page *find_page(uint8_t code)
{
	for (unsigned i = 0; i < NPAGES; i++)
		if (pages[i].code == code)
			return &pages[i];
	return NULL;
}

/* Header and block descriptor (SPC-5 7.5.5, SBC-4 6.5.2); returns the offset of the first page.
 * The mode data length is filled in at the end. */
static uint32_t mode_header(struct scsi_lu *lu, uint8_t *d, bool ten, bool dbd, bool llbaa)
{
	uint64_t blocks = scsi_lu_blocks(lu);
	bool wp = lu->cfg.read_only || atomic_load(&lu->swp);
	uint8_t dsp = 0x10 | (wp ? 0x80 : 0); /* DPOFUA, WP (SBC-4 6.5.1) */
	uint32_t bdlen = dbd ? 0 : (ten && llbaa) ? 16 : 8;
	uint32_t off = ten ? 8 : 4;
	if (ten) {
		d[3] = dsp;
		d[4] = bdlen == 16 ? 0x01 : 0x00; /* LONGLBA */
		put_be16(d + 6, (uint16_t)bdlen);
	} else {
		d[2] = dsp;
		d[3] = (uint8_t)bdlen;
	}
	if (bdlen == 8) {
		put_be32(d + off, blocks > 0xffffffffu ? 0xffffffffu : (uint32_t)blocks);
		put_be24(d + off + 5, lu->cfg.block_size);
	} else if (bdlen == 16) {
		put_be64(d + off, blocks);
		put_be32(d + off + 12, lu->cfg.block_size);
	}
	return off + bdlen;
}

enum scsi_next mode_sense(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool ten = cdb[0] == 0x5a;
	enum mode_pc pc = cdb[2] >> 6;
	uint8_t code = cdb[2] & 0x3f, sub = cdb[3];
	uint32_t alloc = ten ? get_be16(cdb + 7) : cdb[4];
	const struct mode_page *one = NULL;

	if (pc == PC_SAVED)
		return scsi_task_fail(lu, task, sense_saving_params_unsupported());
	if (code != 0x3f && !(one = find_page(code)))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 5));
	if (sub != 0x00 && sub != 0xff) /* no subpages but 0; FFh asks for all of them */
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(3, 7));
	uint8_t *d = scsi_task_datain(task, MODE_BUF);
	if (!d)
		return scsi_task_busy(task);
	uint32_t len = mode_header(lu, d, ten, cdb[1] & 0x08, ten && (cdb[1] & 0x10));
	for (unsigned i = 0; i < NPAGES; i++)
		if (!one || one == &pages[i])
			len += pages[i].build(lu, pc, d + len);
	if (ten)
		put_be16(d, (uint16_t)(len - 2));
	else
		d[0] = (uint8_t)(len - 1);
	return scsi_task_datain_done(task, len, alloc);
}

enum scsi_next mode_select(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool ten = cdb[0] == 0x55;
	uint32_t len = ten ? get_be16(cdb + 7) : cdb[4];
	if (cdb[1] & 0x01) /* SP: nothing is savable */
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 0));
	if (!len)
		return scsi_task_good(task);
	if (len < (ten ? 8u : 4u) || len > MODE_LIST_MAX)
		return scsi_task_fail(lu, task, sense_param_list_length_error());
	return scsi_task_data_out(task, len);
}

static int highest_bit(uint8_t v)
{
	int b = 7;
	while (b > 0 && !(v & (1u << b)))
		b--;
	return b;
}

/* Checks one page of the list at p (len bytes left, off its offset) against the current values
 * and the changeable mask; a control page sets *swp to its SWP bit. Returns its length, or 0
 * with *err set. */
static uint32_t select_page(struct scsi_lu *lu, const uint8_t *p, uint32_t left, uint32_t off,
			    int *swp, struct sense *err)
{
	uint8_t cur[MODE_BUF], chg[MODE_BUF];
	const struct mode_page *mp = find_page(p[0] & 0x3f);
	if (left < 2 || 2u + p[1] > left) {
		*err = sense_param_list_length_error();
		return 0;
	}
	if (!mp || (p[0] & 0x40)) { /* unknown page, or a subpage (SPF) */
		*err = sense_invalid_field_in_param_list(off, (p[0] & 0x40) ? 6 : 5);
		return 0;
	}
	uint32_t n = mp->build(lu, PC_CURRENT, cur);
	if (2u + p[1] != n) {
		*err = sense_invalid_field_in_param_list(off + 1, 7);
		return 0;
	}
	mp->build(lu, PC_CHANGEABLE, chg);
	for (uint32_t i = 2; i < n; i++) {
		uint8_t bad = (uint8_t)((p[i] ^ cur[i]) & ~chg[i]);
		if (bad) {
			*err = sense_invalid_field_in_param_list(off + i, highest_bit(bad));
			return 0;
		}
	}
	if (mp->code == 0x0a)
		*swp = (p[4] & 0x08) != 0;
	return n;
}

/* Block descriptor in a MODE SELECT list: the block length cannot change; NUMBER OF LOGICAL
 * BLOCKS may be 0 (no change) or the current capacity. */
static bool select_block_desc(struct scsi_lu *lu, const uint8_t *b, uint32_t bdlen, uint32_t off,
			      struct sense *err)
{
	uint64_t blocks = bdlen == 16 ? get_be64(b) : get_be32(b);
	uint32_t bs = bdlen == 16 ? get_be32(b + 12) : get_be24(b + 5);
	uint64_t cur = scsi_lu_blocks(lu);
	if (bdlen == 8 && cur > 0xffffffffu)
		cur = 0xffffffffu;
	if (blocks && blocks != cur) {
		*err = sense_invalid_field_in_param_list(off, 7);
		return false;
	}
	if (bs != lu->cfg.block_size) {
		*err = sense_invalid_field_in_param_list(off + (bdlen == 16 ? 12 : 5), 7);
		return false;
	}
	return true;
}

enum scsi_next mode_select_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	bool ten = task->cdb[0] == 0x55;
	const uint8_t *p = task->data;
	uint32_t len = task->data_len, off = ten ? 8 : 4;
	uint32_t bdlen = ten ? get_be16(p + 6) : p[3];
	struct sense err;
	int swp = -1;

	if (p[ten ? 2 : 1] != 0) /* MEDIUM TYPE: 00h for a disk */
		return scsi_task_fail(lu, task, sense_invalid_field_in_param_list(ten ? 2 : 1, 7));
	if (bdlen != 0 && bdlen != 8 && !(ten && bdlen == 16 && (p[4] & 0x01)))
		return scsi_task_fail(lu, task, sense_invalid_field_in_param_list(ten ? 7 : 3, 7));
	if (off + bdlen > len)
		return scsi_task_fail(lu, task, sense_param_list_length_error());
	if (bdlen && !select_block_desc(lu, p + off, bdlen, off, &err))
		return scsi_task_fail(lu, task, err);
	for (off += bdlen; off < len;) {
		uint32_t n = select_page(lu, p + off, len - off, off, &swp, &err);
		if (!n)
			return scsi_task_fail(lu, task, err);
		off += n;
	}
	if (swp >= 0 && atomic_exchange(&lu->swp, swp != 0) != (swp != 0))
		scsi_lu_raise_ua(lu, SCSI_UA_MODE_PARAMS_CHANGED, task->nexus);
	scsi_task_data_free(task);
	return scsi_task_good(task);
}
