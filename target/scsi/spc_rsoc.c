/* spc_rsoc.c: REPORT SUPPORTED OPERATION CODES (SPC-5 6.35), generated from the CDB table so the
 * usage maps it reports are the ones the dispatcher enforces. */
#include "common/wire.h"
#include "target/scsi/scsi_int.h"

#define RSOC_MAX_CMDS 128

/* Command timeouts descriptor (SPC-5 6.35.4): no nominal time, the table's recommendation. */
static uint32_t put_timeouts(uint8_t *d, const struct scsi_cmd *cmd)
{
	put_be16(d, 0x000a);
	put_be32(d + 8, cmd->timeout_s);
	return 12;
}

static bool cmd_visible(struct scsi_lu *lu, const struct scsi_cmd *cmd)
{
	return !(cmd->flags & CDB_F_THIN) || (lu && scsi_lu_thin(lu));
}

static uint32_t rsoc_all(struct scsi_lu *lu, bool rctd, uint8_t *d)
{
	const struct scsi_cmd *cmds[RSOC_MAX_CMDS];
	size_t n = cdb_list(cmds, RSOC_MAX_CMDS);
	uint32_t off = 4;
	for (size_t i = 0; i < n && i < RSOC_MAX_CMDS; i++) {
		const struct scsi_cmd *c = cmds[i];
		if (!cmd_visible(lu, c))
			continue;
		d[off] = c->opcode;
		if (c->flags & CDB_F_SA)
			put_be16(d + off + 2, c->sa);
		d[off + 5] = (rctd ? 0x02 : 0) | ((c->flags & CDB_F_SA) ? 0x01 : 0);
		put_be16(d + off + 6, c->cdb_len);
		off += 8;
		if (rctd)
			off += put_timeouts(d + off, c);
	}
	put_be32(d, off - 4);
	return off;
}

static uint32_t rsoc_one(const struct scsi_cmd *c, bool rctd, uint8_t *d)
{
	uint8_t usage[CDB_MAX_LEN];
	if (!c) {
		d[1] = 0x01; /* SUPPORT 001b: not supported */
		return 4;
	}
	d[1] = (rctd ? 0x80 : 0) | 0x03; /* SUPPORT 011b: supported as the standard says */
	put_be16(d + 2, c->cdb_len);
	cdb_usage(c, usage);
	for (unsigned i = 0; i < c->cdb_len; i++)
		d[4 + i] = usage[i];
	uint32_t off = 4u + c->cdb_len;
	if (rctd)
		off += put_timeouts(d + off, c);
	return off;
}

enum scsi_next spc_report_supported_opcodes(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool rctd = cdb[2] & 0x80;
	uint8_t options = cdb[2] & 0x07, op = cdb[3];
	uint16_t sa = get_be16(cdb + 4);
	uint32_t alloc = get_be32(cdb + 6);
	const struct scsi_cmd *c = NULL;

	switch (options) {
	case 0:
		break;
	case 1: /* opcode only: an opcode with service actions needs 2 */
		if (cdb_opcode_has_sa(op))
			return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 2));
		c = cdb_find(op, 0);
		break;
	case 2: /* opcode and service action */
		if (!cdb_opcode_has_sa(op))
			return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 2));
		c = sa <= 0x1f ? cdb_find(op, (uint8_t)sa) : NULL;
		break;
	case 3: /* either: the service action counts only where the opcode has them */
		c = !cdb_opcode_has_sa(op) || sa <= 0x1f ? cdb_find(op, (uint8_t)sa) : NULL;
		break;
	default:
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 2));
	}
	if (c && !cmd_visible(lu, c))
		c = NULL;
	uint8_t *d = scsi_task_datain(task, 4 + RSOC_MAX_CMDS * 20);
	if (!d)
		return scsi_task_busy(task);
	uint32_t len = options ? rsoc_one(c, rctd, d) : rsoc_all(lu, rctd, d);
	return scsi_task_datain_done(task, len, alloc);
}
