/* spc.c: the primary commands every device type has (SPC-5 6): TEST UNIT READY, REQUEST SENSE,
 * INQUIRY standard data, REPORT LUNS, and the SBC-4 medium commands that are no-ops for a disk
 * that cannot be removed or spun down (START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL). */
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

#ifndef RINGSAN_VERSION
#define RINGSAN_VERSION "0"
#endif

#define INQ_VENDOR  "RINGSAN "
#define INQ_PRODUCT "ringsan disk    "
#define INQ_STD_LEN 74 /* through the eight version descriptors (SPC-5 6.6.2) */

enum scsi_next spc_test_unit_ready(struct scsi_lu *lu, struct scsi_task *task)
{
	(void)lu;
	return scsi_task_good(task);
}

/* SPC-5 6.39: REQUEST SENSE returns (and clears) a pending unit attention as parameter data with
 * GOOD status; NO SENSE when nothing is pending; LOGICAL UNIT NOT SUPPORTED for a missing LUN.
 * DESC selects descriptor format, which we support. */
enum scsi_next spc_request_sense(struct scsi_lu *lu, struct scsi_task *task)
{
	bool desc = task->cdb[1] & 0x01;
	uint32_t alloc = task->cdb[4];
	struct sense s = sense_no_sense();
	const struct scsi_cmd *self = cdb_find(0x03, 0);
	if (!lu)
		s = sense_lun_not_supported();
	else if (!scsi_lu_ua_take(lu, task->nexus, &s))
		sanitize_blocks(lu, self, &s); /* SBC-4 4.11.2: the progress of a sanitize */
	uint8_t *d = scsi_task_datain(task, SENSE_DESC_MAX);
	if (!d)
		return scsi_task_busy(task);
	return scsi_task_datain_done(task, (uint32_t)sense_encode(&s, desc, d), alloc);
}

static void put_padded(uint8_t *dst, const char *src, size_t n)
{
	size_t len = strlen(src);
	memset(dst, ' ', n);
	memcpy(dst, src, len < n ? len : n);
}

/* SPC-5 6.6.2 standard INQUIRY data. VERSION is 06h (SPC-4): libiscsi's conformance suite fails
 * any other value, and nothing we rely on needs SPC-5 semantics. */
static uint32_t inquiry_standard(struct scsi_lu *lu, uint8_t *d)
{
	static const uint16_t versions[] = {
	    0x00a0, /* SAM-5 */
	    0x0960, /* iSCSI */
	    0x0460, /* SPC-4 */
	    0x04c0, /* SBC-3: libiscsi keys its SBC-3 checks on this descriptor */
	};
	d[0] = lu ? 0x00 : 0x7f; /* direct access; or qualifier 011b, type 1Fh: no LUN here */
	d[2] = 0x06;
	d[3] = 0x10 | 0x02; /* HISUP, RESPONSE DATA FORMAT 2 */
	d[4] = INQ_STD_LEN - 5;
	d[7] = 0x02; /* CMDQUE */
	put_padded(d + 8, INQ_VENDOR, 8);
	put_padded(d + 16, INQ_PRODUCT, 16);
	put_padded(d + 32, RINGSAN_VERSION, 4);
	for (unsigned i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		put_be16(d + 58 + 2 * i, versions[i]);
	return INQ_STD_LEN;
}

enum scsi_next spc_inquiry(struct scsi_lu *lu, struct scsi_task *task)
{
	bool evpd = task->cdb[1] & 0x01;
	uint8_t page = task->cdb[2];
	uint32_t alloc = get_be16(task->cdb + 3);
	if (!evpd && page) /* SPC-5 6.6.1 */
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	if (evpd) {
		if (!lu)
			return scsi_task_fail(lu, task, sense_lun_not_supported());
		return vpd_inquiry(lu, task, page, alloc);
	}
	uint8_t *d = scsi_task_datain(task, INQ_STD_LEN);
	if (!d)
		return scsi_task_busy(task);
	return scsi_task_datain_done(task, inquiry_standard(lu, d), alloc);
}

/* SPC-5 6.33: one logical unit, LUN 0. SELECT REPORT 00h/02h list it, 01h (well known LUNs
 * only) lists nothing, 10h-12h (administrative / subsidiary, SPC-5) list it as well since LUN 0
 * is not a conglomerate. Allocation length below 16 is an error. */
enum scsi_next spc_report_luns(struct scsi_lu *lu, struct scsi_task *task)
{
	uint8_t select = task->cdb[2];
	uint32_t alloc = get_be32(task->cdb + 6);
	uint32_t luns;
	switch (select) {
	case 0x00:
	case 0x02:
	case 0x10:
	case 0x11:
	case 0x12:
		luns = 1;
		break;
	case 0x01:
		luns = 0;
		break;
	default:
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	}
	if (alloc < 16)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(6, 7));
	uint8_t *d = scsi_task_datain(task, 16);
	if (!d)
		return scsi_task_busy(task);
	put_be32(d, luns * 8); /* LUN 0 is eight zero bytes */
	if (lu)
		scsi_lu_ua_clear(lu, task->nexus, SCSI_UA_REPORTED_LUNS_CHANGED);
	return scsi_task_datain_done(task, 8 + luns * 8, alloc);
}

/* SBC-4 5.25: nothing to spin up or eject. Reserved POWER CONDITION values are refused; the
 * others, LOEJ and START are accepted and leave the LU ready (a file cannot be ejected; the
 * command is optional for non-removable media and ignoring it is what initiators expect). */
enum scsi_next spc_start_stop_unit(struct scsi_lu *lu, struct scsi_task *task)
{
	switch (task->cdb[4] >> 4) {
	case 0x0: /* START_VALID */
	case 0x1: /* ACTIVE */
	case 0x2: /* IDLE */
	case 0x3: /* STANDBY */
	case 0x7: /* LU_CONTROL */
	case 0xa: /* FORCE_IDLE_0 */
	case 0xb: /* FORCE_STANDBY_0 */
		return scsi_task_good(task);
	default:
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(4, 7));
	}
}

/* SBC-4 5.15: our medium is not removable (RMB=0). Allowing removal is trivially GOOD;
 * preventing it is refused as an unsupported PREVENT value, pointing at the field. */
enum scsi_next spc_prevent_allow(struct scsi_lu *lu, struct scsi_task *task)
{
	if (task->cdb[4] & 0x03)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(4, 1));
	return scsi_task_good(task);
}
