/* sbc_thin.c: logical block provisioning (SBC-4 4.7) on sparse files: UNMAP, WRITE SAME(10/16) and
 * GET LBA STATUS. Deallocation is a hole punch (BLK_PUNCH), which reads back as zeroes (LBPRZ);
 * mapped / deallocated status comes from SEEK_DATA / SEEK_HOLE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

#define UNMAP_LIST_MAX (8u + 16u * SCSI_UNMAP_MAX_DESC)

static enum scsi_next submit_io(struct scsi_lu *lu, struct scsi_task *task, enum blk_op op,
				uint64_t off, uint64_t len)
{
	memset(&task->io, 0, sizeof(task->io));
	task->io.op = op;
	task->io.dev = lu->dev;
	task->io.off = off;
	task->io.len = len;
	return SCSI_NEXT_IO;
}

/* SBC-4 5.30 UNMAP: the parameter list comes as Data-Out; every descriptor is checked before the
 * first punch, then one BLK_PUNCH per non-empty descriptor. */
enum scsi_next sbc_unmap(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t len = get_be16(task->cdb + 7);
	if (!len)
		return scsi_task_good(task);
	if (len < 8)
		return scsi_task_fail(lu, task, sense_param_list_length_error());
	if (len > UNMAP_LIST_MAX) /* more descriptors than MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT */
		return scsi_task_fail(lu, task, sense_invalid_field_in_param_list(2, 7));
	task->st.opcode_step = 1;
	return scsi_task_data_out(task, len);
}

/* Checks every descriptor; [*lo, *hi) spans the LBAs they name (for the range lock). */
static bool unmap_validate(struct scsi_lu *lu, struct scsi_task *task, uint32_t *count,
			   uint64_t *lo, uint64_t *hi, struct sense *err)
{
	const uint8_t *p = task->data;
	uint32_t bdlen = get_be16(p + 2), avail = task->data_len - 8;
	uint64_t total = 0;
	*lo = UINT64_MAX;
	*hi = 0;
	*count = (bdlen < avail ? bdlen : avail) / 16; /* a partial descriptor is ignored */
	if (*count > SCSI_UNMAP_MAX_DESC) {
		*err = sense_invalid_field_in_param_list(2, 7);
		return false;
	}
	for (uint32_t i = 0; i < *count; i++) {
		uint64_t lba = get_be64(p + 8 + 16 * i);
		uint32_t n = get_be32(p + 16 + 16 * i);
		total += n;
		if (!scsi_lu_range_ok(lu, lba, n)) {
			*err = sense_lba_out_of_range();
			return false;
		}
		if (n && lba < *lo)
			*lo = lba;
		if (n && lba + n > *hi)
			*hi = lba + n;
	}
	if (total > SCSI_UNMAP_MAX_LBAS) {
		*err = sense_invalid_field_in_param_list(8, 7);
		return false;
	}
	return true;
}

enum scsi_next sbc_unmap_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t count, bs = lu->cfg.block_size;
	uint64_t lo, hi;
	struct sense err;
	if (task->st.opcode_step == 1) {
		if (!unmap_validate(lu, task, &count, &lo, &hi, &err))
			return scsi_task_fail(lu, task, err);
		if (hi > lo && !lu_range_lock(lu, task, lo, hi - lo, false))
			return scsi_task_wait(task);
		task->st.nblocks = count;
		task->st.pos = 0;
		task->st.opcode_step = 2;
	} else if (task->io.res < 0) {
		return scsi_task_fail(lu, task, sense_io_error(true, task->io.res, task->st.lba));
	}
	while (task->st.pos < task->st.nblocks) {
		const uint8_t *d = task->data + 8 + 16 * task->st.pos++;
		uint64_t lba = get_be64(d);
		uint32_t n = get_be32(d + 8);
		if (n) {
			task->st.lba = lba;
			return submit_io(lu, task, BLK_PUNCH, lba * bs, (uint64_t)n * bs);
		}
	}
	scsi_task_data_free(task);
	return scsi_task_good(task);
}

static bool all_zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Fills the chunk buffer with the one-block pattern and starts the pattern writes. */
static enum scsi_next write_same_pattern(struct scsi_lu *lu, struct scsi_task *task,
					 const uint8_t *block)
{
	uint32_t bs = lu->cfg.block_size;
	uint64_t total = task->st.nblocks * bs;
	uint32_t chunk = total < SCSI_WSAME_CHUNK_BYTES ? (uint32_t)total : SCSI_WSAME_CHUNK_BYTES;
	uint8_t *buf = malloc(chunk);
	if (!buf)
		return scsi_task_busy(task);
	for (uint32_t off = 0; off < chunk; off += bs)
		memcpy(buf + off, block, bs);
	free(task->st.aux);
	task->st.aux = buf;
	task->st.aux_len = chunk;
	task->st.pos = 0;
	task->st.opcode_step = 3;
	scsi_task_data_free(task);
	return sbc_write_same_resume(lu, task);
}

/* Decides between a punch and pattern writes once the data block is known (NULL: NDOB, zeroes).
 * With UNMAP the range is deallocated whatever the Data-Out holds (SBC-3 5.42 semantics, which
 * LIO shares and libiscsi's WriteSame10.UnmapUntilEnd expects: it sends a block of FFh with
 * UNMAP and reads zeroes back, LBPRZ). We also punch zero writes on thin LUs, since a hole
 * reads back the same. */
static enum scsi_next write_same_go(struct scsi_lu *lu, struct scsi_task *task,
				    const uint8_t *block)
{
	uint32_t bs = lu->cfg.block_size;
	bool unmap = task->cdb[1] & 0x08;
	if (!lu_range_lock(lu, task, task->st.lba, task->st.nblocks, false))
		return scsi_task_wait(task);
	if (!block || unmap || all_zero(block, bs)) {
		if (scsi_lu_thin(lu)) {
			task->st.opcode_step = 2;
			scsi_task_data_free(task);
			return submit_io(lu, task, BLK_PUNCH, task->st.lba * bs,
					 task->st.nblocks * bs);
		}
		static const uint8_t zero[4096];
		return write_same_pattern(lu, task, zero);
	}
	return write_same_pattern(lu, task, block);
}

/* SBC-4 5.48-5.49 WRITE SAME(10/16): WSNZ=0, so NUMBER OF LOGICAL BLOCKS 0 means "through the
 * last LBA" (then LBA must be below the capacity); MAXIMUM WRITE SAME LENGTH; no ANCHOR; UNMAP
 * only on thin LUs; NDOB (16 only) means a block of zeroes without Data-Out. Otherwise the
 * Data-Out is exactly one block: an Expected Data Transfer Length that says otherwise is refused
 * before any data moves (SBC-4 5.48: the data-out buffer holds a single block), pointing at the
 * length. */
enum scsi_next sbc_write_same(struct scsi_lu *lu, struct scsi_task *task)
{
	const uint8_t *cdb = task->cdb;
	bool sixteen = cdb[0] == 0x93, unmap = cdb[1] & 0x08, ndob = sixteen && (cdb[1] & 0x01);
	uint64_t lba = sixteen ? get_be64(cdb + 2) : get_be32(cdb + 2);
	uint64_t blocks = sixteen ? get_be32(cdb + 10) : get_be16(cdb + 7);
	uint8_t len_byte = sixteen ? 10 : 7;

	if (cdb[1] & 0xe0)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 7));
	if (unmap && !scsi_lu_thin(lu))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 3));
	if (!blocks && lba >= scsi_lu_blocks(lu))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	if (!blocks)
		blocks = scsi_lu_blocks(lu) - lba;
	if (blocks * lu->cfg.block_size > SCSI_WSAME_MAX_BYTES)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(len_byte, 7));
	if (!scsi_lu_range_ok(lu, lba, blocks))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	if (!ndob && task->exp_xfer_len != lu->cfg.block_size)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(len_byte, 7));
	task->st.lba = lba;
	task->st.nblocks = blocks;
	if (ndob)
		return write_same_go(lu, task, NULL);
	task->st.opcode_step = 1;
	return scsi_task_data_out(task, lu->cfg.block_size);
}

enum scsi_next sbc_write_same_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	uint32_t bs = lu->cfg.block_size;
	uint64_t total = task->st.nblocks * bs;
	switch (task->st.opcode_step) {
	case 1: /* the data block is in */
		return write_same_go(lu, task, task->data);
	case 2: /* punch done */
		return sbc_io_resume(lu, task);
	case 3: /* pattern writes, one chunk at a time */
		if (task->st.pos && task->io.res < 0)
			return scsi_task_fail(lu, task,
					      sense_io_error(true, task->io.res, task->st.lba));
		if (task->st.pos >= total)
			return scsi_task_good(task);
		uint64_t n = total - task->st.pos;
		if (n > task->st.aux_len)
			n = task->st.aux_len;
		submit_io(lu, task, BLK_WRITE, task->st.lba * bs + task->st.pos, n);
		blk_io_set_buf(&task->io, task->st.aux, n);
		task->io.flags = lu->cfg.write_cache ? 0 : BLK_F_FUA;
		task->st.pos += n;
		return SCSI_NEXT_IO;
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}

/* SBC-4 5.8 GET LBA STATUS: one descriptor for the extent that starts at the LBA, mapped or
 * deallocated, found with SEEK_DATA (and then SEEK_HOLE when the LBA is mapped). */
enum scsi_next sbc_get_lba_status(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t lba = get_be64(task->cdb + 2);
	if (lba >= scsi_lu_blocks(lu))
		return scsi_task_fail(lu, task, sense_lba_out_of_range());
	task->st.lba = lba;
	task->st.opcode_step = 1;
	return submit_io(lu, task, BLK_SEEK_DATA, lba * lu->cfg.block_size, 0);
}

static enum scsi_next lba_status_done(struct scsi_lu *lu, struct scsi_task *task, uint64_t end,
				      bool mapped)
{
	uint32_t bs = lu->cfg.block_size;
	uint64_t blocks = scsi_lu_blocks(lu), last = (end + bs - 1) / bs;
	if (last > blocks)
		last = blocks;
	uint64_t n = last > task->st.lba ? last - task->st.lba : 1;
	uint8_t *d = scsi_task_datain(task, 24);
	if (!d)
		return scsi_task_busy(task);
	put_be32(d, 20);
	put_be64(d + 8, task->st.lba);
	put_be32(d + 16, n > 0xffffffffu ? 0xffffffffu : (uint32_t)n);
	d[20] = mapped ? 0x00 : 0x01; /* PROVISIONING STATUS: mapped / deallocated */
	return scsi_task_datain_done(task, 24, get_be32(task->cdb + 10));
}

enum scsi_next sbc_get_lba_status_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	uint64_t off = task->st.lba * lu->cfg.block_size, size = atomic_load(&lu->size_bytes);
	int64_t res = task->io.res;
	if (res == -ENXIO) /* no data at or after off */
		res = (int64_t)size;
	if (res < 0)
		return scsi_task_fail(lu, task, sense_io_error(false, res, task->st.lba));
	if (task->st.opcode_step == 1 && (uint64_t)res > off) /* a hole up to the next data */
		return lba_status_done(lu, task, (uint64_t)res, false);
	if (task->st.opcode_step == 1) { /* data at off: where does it end? */
		task->st.opcode_step = 2;
		return submit_io(lu, task, BLK_SEEK_HOLE, off, 0);
	}
	return lba_status_done(lu, task, (uint64_t)res, true);
}
