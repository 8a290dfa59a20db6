/* sbc_media.c: SBC-4 commands about the medium rather than its data: PRE-FETCH(10/16) (SBC-4
 * 5.10-5.11) and READ DEFECT DATA(10/12) (SBC-4 5.18-5.19). A file has no cache of ours to fill
 * and no grown defects to list. */
#include "common/wire.h"
#include "target/scsi/scsi_int.h"

/* PRE-FETCH: the range is checked; nothing is loaded (the page cache is the kernel's), so the
 * answer is GOOD, which SBC-4 5.10 gives when the blocks would not all fit in the cache. IMMED
 * is accepted either way. */
enum scsi_next sbc_prefetch(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool sixteen = cdb[0] == 0x90;
	uint64_t lba = sixteen ? get_be64(cdb + 2) : get_be32(cdb + 2);
	uint32_t n = sixteen ? get_be32(cdb + 10) : get_be16(cdb + 7);
	if (!scsi_lu_range_ok(lu, lba, n))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	return scsi_task_good(task);
}

/* READ DEFECT DATA: empty lists in the requested format, with PLISTV / GLISTV set for the
 * lists that were asked for (both are valid and empty). */
enum scsi_next sbc_read_defect_data(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool twelve = cdb[0] == 0xb7;
	uint8_t req = twelve ? cdb[1] : cdb[2];
	uint32_t alloc = twelve ? get_be32(cdb + 6) : get_be16(cdb + 7);
	uint32_t len = twelve ? 8 : 4;
	(void)lu;
	uint8_t *d = scsi_task_datain(task, len);
	if (!d)
		return scsi_task_busy(task);
	d[1] = req & 0x1f; /* PLISTV (bit 4), GLISTV (bit 3), DEFECT LIST FORMAT */
	return scsi_task_datain_done(task, len, alloc);
}
