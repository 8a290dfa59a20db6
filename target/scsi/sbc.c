/* sbc.c: the block commands of SBC-4 5: READ CAPACITY(10/16), READ and WRITE (6/10/12/16),
 * VERIFY (10/12/16) and SYNCHRONIZE CACHE (10/16). READ and WRITE never touch the data: they
 * hand the transport a byte range to stream (SCSI_NEXT_READ / SCSI_NEXT_WRITE). */
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

struct rw sbc_decode_rw(const uint8_t *cdb)
{
	struct rw rw = {0};
	switch (cdb[0] >> 5) { /* SPC-5 4.3.2: the group code gives the CDB layout */
	case 0:		       /* 6 bytes: 21-bit LBA, 0 blocks means 256 (SBC-4 5.16) */
		rw.lba = get_be24(cdb + 1) & 0x1fffff;
		rw.blocks = cdb[4] ? cdb[4] : 256;
		rw.len_byte = 4;
		break;
	case 1:
	case 2: /* 10 bytes */
		rw.lba = get_be32(cdb + 2);
		rw.blocks = get_be16(cdb + 7);
		rw.len_byte = 7;
		break;
	case 5: /* 12 bytes */
		rw.lba = get_be32(cdb + 2);
		rw.blocks = get_be32(cdb + 6);
		rw.len_byte = 6;
		break;
	default: /* 16 bytes */
		rw.lba = get_be64(cdb + 2);
		rw.blocks = get_be32(cdb + 10);
		rw.len_byte = 10;
	}
	return rw;
}

static bool is_6byte(const uint8_t *cdb)
{
	return (cdb[0] >> 5) == 0;
}

/* Checks shared by READ, WRITE and VERIFY: no protection information (RDPROTECT, WRPROTECT,
 * VRPROTECT must be 0: we report PROTECT=0), no rebuild assist (RARC), MAXIMUM TRANSFER LENGTH,
 * then the range. Returns false with *err set. */
bool sbc_rw_check(struct scsi_lu *lu, const uint8_t *cdb, const struct rw *rw, uint64_t max_bytes,
		  struct sense *err)
{
	if (!is_6byte(cdb) && (cdb[1] & 0xe0)) {
		*err = sense_invalid_field_in_cdb(1, 7);
		return false;
	}
	if (!is_6byte(cdb) && (cdb[0] == 0x28 || cdb[0] == 0xa8 || cdb[0] == 0x88) &&
	    (cdb[1] & 0x04)) {
		*err = sense_invalid_field_in_cdb(1, 2);
		return false;
	}
	if ((uint64_t)rw->blocks * lu->cfg.block_size > max_bytes) {
		*err = sense_invalid_field_in_cdb(rw->len_byte, 7);
		return false;
	}
	if (!scsi_lu_range_ok(lu, rw->lba, rw->blocks)) {
		*err = sense_lba_out_of_range();
		return false;
	}
	return true;
}

enum scsi_next sbc_read(struct scsi_lu *lu, struct scsi_task *task)
{
	struct rw rw = sbc_decode_rw(task->cdb);
	struct sense err;
	if (!sbc_rw_check(lu, task->cdb, &rw, SCSI_MAX_XFER_BYTES, &err))
		return scsi_task_fail(lu, task, err);
	if (!rw.blocks) /* SBC-4 5.12: not an error, nothing moves */
		return scsi_task_good(task);
	if (!lu_range_lock(lu, task, rw.lba, rw.blocks, false))
		return scsi_task_wait(task);
	task->st.lba = rw.lba;
	task->io_off = rw.lba * lu->cfg.block_size;
	task->io_len = (uint64_t)rw.blocks * lu->cfg.block_size;
	task->io_flags = 0;
	return SCSI_NEXT_READ;
}

static bool is_write_verify(const uint8_t *cdb)
{
	return cdb[0] == 0x2e || cdb[0] == 0xae || cdb[0] == 0x8e;
}

/* FUA (SBC-4 5.38): durable before GOOD. With write_cache off every write is. DPO and FUA_NV are
 * hints we accept.
 * WRITE AND VERIFY (SBC-4 5.43-5.45) is the same stream, always FUA: "verify" means the data is
 * on the medium, and once the file has it (RWF_DSYNC) a read back can only return what was
 * written, so BYTCHK 00b and 01b are both satisfied by the durable write. BYTCHK 1xb is
 * reserved for this command. */
enum scsi_next sbc_write(struct scsi_lu *lu, struct scsi_task *task)
{
	struct rw rw = sbc_decode_rw(task->cdb);
	struct sense err;
	bool wv = is_write_verify(task->cdb);
	if (wv && (task->cdb[1] & 0x04))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 2));
	if (!sbc_rw_check(lu, task->cdb, &rw, SCSI_MAX_XFER_BYTES, &err))
		return scsi_task_fail(lu, task, err);
	if (!rw.blocks)
		return scsi_task_good(task);
	if (!lu_range_lock(lu, task, rw.lba, rw.blocks, false))
		return scsi_task_wait(task);
	bool fua = wv || (!is_6byte(task->cdb) && (task->cdb[1] & 0x08));
	task->st.lba = rw.lba;
	task->io_off = rw.lba * lu->cfg.block_size;
	task->io_len = (uint64_t)rw.blocks * lu->cfg.block_size;
	task->io_flags = fua || !lu->cfg.write_cache ? BLK_F_FUA : 0;
	return SCSI_NEXT_WRITE;
}

/* VERIFY (SBC-4 5.33-5.35). BYTCHK 00b: the medium is always readable, so only the range is
 * checked. 01b: the Data-Out (TRANSFER LENGTH blocks) is compared with the medium; 11b: one
 * block of Data-Out is compared with each block of the range. Both are buffered whole, so they
 * are capped at SCSI_MAX_BUFFER_BYTES (INVALID FIELD IN CDB on the length beyond it). */
enum scsi_next sbc_verify(struct scsi_lu *lu, struct scsi_task *task)
{
	struct rw rw = sbc_decode_rw(task->cdb);
	uint8_t bytchk = (task->cdb[1] >> 1) & 3;
	struct sense err;
	uint64_t cap = bytchk ? SCSI_MAX_BUFFER_BYTES : UINT64_MAX;
	if (bytchk == 2)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 2));
	if (!sbc_rw_check(lu, task->cdb, &rw, cap, &err))
		return scsi_task_fail(lu, task, err);
	if (!bytchk || !rw.blocks)
		return scsi_task_good(task);
	task->st.lba = rw.lba;
	task->st.nblocks = rw.blocks;
	task->st.opcode_step = 1;
	return scsi_task_data_out(task, bytchk == 3 ? lu->cfg.block_size
						    : rw.blocks * lu->cfg.block_size);
}

static enum scsi_next verify_compare(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *media = task->st.aux;
	uint64_t len = task->st.nblocks * lu->cfg.block_size;
	uint32_t unit = task->data_len; /* the whole range (01b) or one block (11b) */
	for (uint64_t i = 0; i < len; i++) {
		if (media[i] != task->data[i % unit]) /* SBC-4 5.33: INFORMATION = byte offset */
			return scsi_task_fail(lu, task, sense_miscompare(i));
	}
	scsi_task_data_free(task);
	return scsi_task_good(task);
}

enum scsi_next sbc_verify_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t len = task->st.nblocks * lu->cfg.block_size;
	switch (task->st.opcode_step) {
	case 1: /* Data-Out is in: read the range */
		if (!lu_range_lock(lu, task, task->st.lba, task->st.nblocks, false))
			return scsi_task_wait(task);
		free(task->st.aux);
		task->st.aux = malloc((size_t)len);
		if (!task->st.aux)
			return scsi_task_busy(task);
		task->st.aux_len = (uint32_t)len;
		task->st.opcode_step = 2;
		memset(&task->io, 0, sizeof(task->io));
		task->io.op = BLK_READ;
		task->io.dev = lu->dev;
		task->io.off = task->st.lba * lu->cfg.block_size;
		blk_io_set_buf(&task->io, task->st.aux, len);
		return SCSI_NEXT_IO;
	case 2:
		if (task->io.res < 0)
			return scsi_task_fail(lu, task,
					      sense_io_error(false, task->io.res, task->st.lba));
		return verify_compare(lu, task);
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}

/* SYNCHRONIZE CACHE (SBC-4 5.27-5.28): the range is checked (0 blocks: to the end), then the
 * whole file is flushed. IMMED is accepted; we still answer after the flush. */
enum scsi_next sbc_sync_cache(struct scsi_lu *lu, struct scsi_task *task)
{
	struct rw rw = sbc_decode_rw(task->cdb);
	if (!scsi_lu_range_ok(lu, rw.lba, rw.blocks))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	task->st.lba = rw.lba;
	memset(&task->io, 0, sizeof(task->io));
	task->io.op = BLK_FLUSH;
	task->io.dev = lu->dev;
	return SCSI_NEXT_IO;
}

/* Resume of single-request commands: the request's result is the command's. */
enum scsi_next sbc_io_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	if (task->io.res < 0)
		return scsi_task_fail(lu, task, sense_io_error(true, task->io.res, task->st.lba));
	return scsi_task_good(task);
}

/* SBC-4 5.20: READ CAPACITY(10). RETURNED LOGICAL BLOCK ADDRESS FFFFFFFFh tells the initiator
 * to use READ CAPACITY(16). PMI=0 with an LBA is refused (SBC-3 semantics, obsolete in SBC-4). */
enum scsi_next sbc_read_capacity10(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t blocks = scsi_lu_blocks(lu);
	uint64_t last = blocks ? blocks - 1 : 0;
	if (!(task->cdb[8] & 0x01) && get_be32(task->cdb + 2))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	uint8_t *d = scsi_task_datain(task, 8);
	if (!d)
		return scsi_task_busy(task);
	put_be32(d, last >= 0xffffffffu ? 0xffffffffu : (uint32_t)last);
	put_be32(d + 4, lu->cfg.block_size);
	return scsi_task_datain_done(task, 8, 8);
}

/* SBC-4 5.21: READ CAPACITY(16) parameter data: LBPME and LBPRZ on thin LUs; LOGICAL BLOCKS
 * PER PHYSICAL BLOCK EXPONENT from the LU's physical block (config physical_block_size), LOWEST
 * ALIGNED LOGICAL BLOCK ADDRESS 0 (LBA 0 starts a physical block).
 * Decision: by default the physical block is the logical block (exponent 0), also for 512-byte
 * LUNs. A file has no physical block; the 4 KiB the file system allocates in is advertised where
 * SBC-4 puts performance hints, OPTIMAL TRANSFER LENGTH GRANULARITY and OPTIMAL UNMAP
 * GRANULARITY (VPD B0h). 512e (512-byte logical, 4 KiB physical) is opt-in because GET LBA
 * STATUS cannot then answer libiscsi's GetLBAStatus.UnmapSingle, whose second loop asks at LBA
 * i + 1 and wants a descriptor at i + LBPPB: consistent with SBC-4 5.8 (the first descriptor
 * contains the STARTING LOGICAL BLOCK ADDRESS) only when LBPPB is 1. */
enum scsi_next sbc_read_capacity16(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t blocks = scsi_lu_blocks(lu);
	uint32_t alloc = get_be32(task->cdb + 10);
	uint8_t *d = scsi_task_datain(task, 32);
	if (!d)
		return scsi_task_busy(task);
	put_be64(d, blocks ? blocks - 1 : 0);
	put_be32(d + 8, lu->cfg.block_size);
	d[13] = scsi_lu_lbppb_exponent(lu); /* P_I_EXPONENT 0 */
	if (scsi_lu_thin(lu))
		d[14] = 0x80 | 0x40; /* LBPME, LBPRZ; LOWEST ALIGNED LBA 0 */
	return scsi_task_datain_done(task, 32, alloc);
}
