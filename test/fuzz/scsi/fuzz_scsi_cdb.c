/* fuzz_scsi_cdb.c: arbitrary CDBs (and a little Data-Out) through scsi_task_start / resume /
 * stream_done against a small thin memory LU, via the unit tests' transport driver.
 * Input: byte 0 picks the variant (bit 0: LUN missing, bit 1: read-only, bit 2: 4096-byte
 * blocks, bit 3: write cache off, bit 4: a pending unit attention, bit 5: next backend request
 * fails), bytes 1..16 are the CDB, the rest is Data-Out. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "test/unit/scsi/scsi_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drv d;
	struct drv_result r;
	uint8_t cdb[16] = {0};
	if (size < 2)
		return 0;
	uint8_t mode = data[0];
	size_t cdb_len = size - 1 < 16 ? size - 1 : 16;
	memcpy(cdb, data + 1, cdb_len);
	if (drv_init(&d, 256 * 1024, (mode & 0x04) ? 4096 : 512) != 0)
		return 0;
	if (mode & 0x0a) {
		d.cfg.read_only = mode & 0x02;
		d.cfg.write_cache = !(mode & 0x08);
		drv_reopen(&d);
	}
	if (!(mode & 0x10))
		drv_clear_ua(&d);
	if (mode & 0x20)
		blk_mem_fail_next(&d.mq, (mode & 0x40) ? -ENOSPC : -EIO, 1);
	drv_run(&d, (mode & 0x01) ? NULL : d.lu, &d.nx, cdb, 16, data + 1 + cdb_len,
		size - 1 - cdb_len, &r);
	/* The contract: status and sense agree, Data-In only with GOOD. */
	if (r.status == SCSI_CHECK_CONDITION && r.sense_len < 8)
		__builtin_trap();
	if (r.status != SCSI_GOOD && r.data_len && r.reads == 0)
		__builtin_trap();
	drv_result_free(&r);
	drv_fini(&d);
	return 0;
}
