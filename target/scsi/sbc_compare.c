/* sbc_compare.c: the read-modify-write commands of SBC-4, each atomic against every other access to
 * its range through an exclusive range lock (lu_range.c):
 * - COMPARE AND WRITE (SBC-4 5.2): Data-Out is NUMBER OF LOGICAL BLOCKS of verify data then as
 *   many of write data; the range is read and compared, and written only if it matches;
 *   otherwise MISCOMPARE with the offset of the first differing byte in INFORMATION.
 * - ORWRITE(16) (SBC-4 5.9): the range becomes medium OR Data-Out.
 * - WRITE ATOMIC(16) (SBC-4 5.46, 4.29): the Data-Out is buffered whole and written with one
 *   backend write (one pwritev) while the exclusive range is held. Decision: that is our atomic
 *   write. No other command can see or interleave with a part of it, and a failed or aborted
 *   transfer writes nothing; what a power loss in the middle of the pwritev leaves is up to the
 *   file system (no torn-write guarantee across a crash), as with a disk without power-loss
 *   protection. Limits in VPD 0xB0: 1 MiB maximum, alignment and granularity 1 block, no
 *   atomic boundary.
 * The Data-Out is taken before the range: the lock is never held across a network transfer. */
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

enum rmw_step { STEP_DATA = 1, STEP_READ, STEP_WRITE };

static void io_setup(struct scsi_lu *lu, struct scsi_task *task, enum blk_op op, void *buf,
		     uint64_t len)
{
	memset(&task->io, 0, sizeof(task->io));
	task->io.op = op;
	task->io.dev = lu->dev;
	task->io.off = task->st.lba * lu->cfg.block_size;
	blk_io_set_buf(&task->io, buf, len);
}

/* Takes the exclusive range and reads it into st.aux. */
static enum scsi_next rmw_read(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t len = task->st.nblocks * lu->cfg.block_size;
	if (!lu_range_lock(lu, task, task->st.lba, task->st.nblocks, true))
		return scsi_task_wait(task);
	if (!task->st.aux) {
		task->st.aux = malloc((size_t)len);
		if (!task->st.aux)
			return scsi_task_busy(task);
		task->st.aux_len = (uint32_t)len;
	}
	task->st.opcode_step = STEP_READ;
	io_setup(lu, task, BLK_READ, task->st.aux, len);
	return SCSI_NEXT_IO;
}

static enum scsi_next rmw_write(struct scsi_lu *lu, struct scsi_task *task, void *buf)
{
	task->st.opcode_step = STEP_WRITE;
	io_setup(lu, task, BLK_WRITE, buf, task->st.nblocks * lu->cfg.block_size);
	task->io.flags = (task->cdb[1] & 0x08) || !lu->cfg.write_cache ? BLK_F_FUA : 0;
	return SCSI_NEXT_IO;
}

static enum scsi_next rmw_written(struct scsi_lu *lu, struct scsi_task *task)
{
	if (task->io.res < 0)
		return scsi_task_fail(lu, task, sense_io_error(true, task->io.res, task->st.lba));
	scsi_task_data_free(task);
	return scsi_task_good(task);
}

/* The shared first step: no protection information, range, Data-Out length against the
 * Expected Data Transfer Length (a mismatch would write what the initiator did not mean). */
static enum scsi_next rmw_start(struct scsi_lu *lu, struct scsi_task *task, uint64_t lba,
				uint32_t blocks, uint32_t dout_blocks, unsigned len_byte)
{
	uint32_t bs = lu->cfg.block_size;
	if (task->cdb[1] & 0xe0)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 7));
	if (!scsi_lu_range_ok(lu, lba, blocks))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	if (task->exp_xfer_len != (uint64_t)dout_blocks * bs)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(len_byte, 7));
	if (!blocks)
		return scsi_task_good(task);
	task->st.lba = lba;
	task->st.nblocks = blocks;
	task->st.opcode_step = STEP_DATA;
	return scsi_task_data_out(task, dout_blocks * bs);
}

enum scsi_next sbc_compare_and_write(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t n = task->cdb[13];
	if (n > scsi_caw_max_blocks(lu->cfg.block_size)) /* SBC-4 5.2: beyond the VPD limit */
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(13, 7));
	return rmw_start(lu, task, get_be64(task->cdb + 2), n, 2 * n, 13);
}

/* What a read-modify-write makes of the media it read (len bytes at task->st.aux): the next
 * disposition, normally rmw_write() of the data to write. */
typedef enum scsi_next (*rmw_merge_fn)(struct scsi_lu *lu, struct scsi_task *task, uint8_t *media,
				       uint64_t len);

static enum scsi_next rmw_resume(struct scsi_lu *lu, struct scsi_task *task, rmw_merge_fn merge)
{
	switch (task->st.opcode_step) {
	case STEP_DATA:
		return rmw_read(lu, task);
	case STEP_READ:
		if (task->io.res < 0)
			return scsi_task_fail(lu, task,
					      sense_io_error(false, task->io.res, task->st.lba));
		return merge(lu, task, task->st.aux, task->st.nblocks * lu->cfg.block_size);
	case STEP_WRITE:
		return rmw_written(lu, task);
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}

/* COMPARE AND WRITE: the Data-Out buffer is the verify data, then the write data. */
static enum scsi_next caw_merge(struct scsi_lu *lu, struct scsi_task *task, uint8_t *media,
				uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		if (media[i] != task->data[i])
			return scsi_task_fail(lu, task, sense_miscompare(i));
	return rmw_write(lu, task, task->data + len);
}

enum scsi_next sbc_compare_and_write_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	return rmw_resume(lu, task, caw_merge);
}

enum scsi_next sbc_orwrite(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t n = get_be32(task->cdb + 10);
	if ((uint64_t)n * lu->cfg.block_size > SCSI_MAX_BUFFER_BYTES)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(10, 7));
	return rmw_start(lu, task, get_be64(task->cdb + 2), n, n, 10);
}

/* ORWRITE: the media OR the Data-Out buffer. */
static enum scsi_next or_merge(struct scsi_lu *lu, struct scsi_task *task, uint8_t *media,
			       uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		media[i] |= task->data[i];
	return rmw_write(lu, task, media);
}

enum scsi_next sbc_orwrite_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	return rmw_resume(lu, task, or_merge);
}

/* SBC-4 5.46: ATOMIC BOUNDARY must be 0 (MAXIMUM ATOMIC BOUNDARY SIZE is 0); the transfer
 * length at most MAXIMUM ATOMIC TRANSFER LENGTH. */
enum scsi_next sbc_write_atomic(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t n = get_be16(task->cdb + 12);
	if (get_be16(task->cdb + 10))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(10, 7));
	if ((uint64_t)n * lu->cfg.block_size > SCSI_ATOMIC_MAX_BYTES)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(12, 7));
	return rmw_start(lu, task, get_be64(task->cdb + 2), n, n, 12);
}

enum scsi_next sbc_write_atomic_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	switch (task->st.opcode_step) {
	case STEP_DATA:
		if (!lu_range_lock(lu, task, task->st.lba, task->st.nblocks, true))
			return scsi_task_wait(task);
		return rmw_write(lu, task, task->data);
	case STEP_WRITE:
		return rmw_written(lu, task);
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}
