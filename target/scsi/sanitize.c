/* sanitize.c: SANITIZE (SBC-4 5.30, 4.11): OVERWRITE, BLOCK ERASE and EXIT FAILURE MODE.
 * CRYPTOGRAPHIC ERASE is not offered (nothing is encrypted): it is not in the CDB table, so it
 * answers INVALID FIELD IN CDB and REPORT SUPPORTED OPERATION CODES leaves it out.
 *
 * - OVERWRITE writes the initialization pattern (repeated from the start of every block;
 *   inverted on every other pass with INVERT) over every LBA, OVERWRITE COUNT times, in
 *   SCSI_WSAME_CHUNK_BYTES pieces, then flushes.
 * - BLOCK ERASE (thin LUs only: it is listed with the thin-provisioning commands) punches the
 *   whole LU: every block reads back as zeroes and is deallocated (WABEREQ 01b in VPD B1h:
 *   reads after it succeed).
 * - While an operation runs every command but INQUIRY, REPORT LUNS and REQUEST SENSE (the
 *   unit-attention-exempt ones) ends with NOT READY, SANITIZE IN PROGRESS and a progress
 *   indication (REQUEST SENSE returns that sense as its data), from any nexus (task.c).
 * - An operation that fails, or whose command goes away before it ends (abort, reset,
 *   connection loss), leaves the LU in sanitize failure mode (SBC-4 4.11.3): commands that
 *   access the medium end with MEDIUM ERROR, SANITIZE COMMAND FAILED until a SANITIZE succeeds
 *   or, when the failed one had AUSE set, an EXIT FAILURE MODE.
 * - The operation runs inside its command, which holds an exclusive range over the whole LU
 *   (rlock.c): commands already running finish first. IMMED is accepted but status still comes
 *   at the end: the scsi layer has no way to run I/O without a task (a daemon callback for
 *   background tasks would be needed; see the report of issue 4).
 * - No unit attention follows a successful sanitize: the medium is the same size and shape. */
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

enum { SA_OVERWRITE = 0x01, SA_BLOCK_ERASE = 0x02, SA_EXIT_FAILURE = 0x1f };
enum { SAN_LOCK = 1, SAN_IO, SAN_FLUSHED };

struct san_job {
	struct scsi_lu *lu;
	uint8_t sa;
	uint8_t passes, pass;
	bool invert, ause, finished;
	uint64_t pos; /* bytes of the current pass written */
	uint32_t chunk;
	uint8_t *buf; /* the pattern over chunk bytes */
};

bool sanitize_blocks(struct scsi_lu *lu, const struct scsi_cmd *cmd, struct sense *out)
{
	if (!lu->sanitize_state)
		return false;
	pthread_mutex_lock(&lu->lock);
	uint8_t state = lu->sanitize_state;
	uint64_t done = lu->sanitize_done, total = lu->sanitize_total;
	pthread_mutex_unlock(&lu->lock);
	if (state == SANITIZE_RUNNING) {
		*out = sense_sanitize_in_progress(total ? (uint16_t)(done * 65536 / total) : 0);
		return !(cmd->flags & CDB_F_UA_EXEMPT);
	}
	if (state == SANITIZE_FAILED && (cmd->flags & CDB_F_MEDIUM) && cmd->opcode != 0x48) {
		*out = sense_sanitize_failed();
		return true;
	}
	return false;
}

static void set_state(struct scsi_lu *lu, uint8_t state, bool ause)
{
	pthread_mutex_lock(&lu->lock);
	lu->sanitize_state = state;
	lu->sanitize_ause = ause;
	pthread_mutex_unlock(&lu->lock);
}

static void job_release(struct scsi_task *task)
{
	struct san_job *j = task->st.aux;
	if (j && !j->finished) /* the command went away in the middle */
		set_state(j->lu, SANITIZE_FAILED, j->ause);
	if (j)
		free(j->buf);
}

/* SBC-4 5.30.2.2 OVERWRITE parameter list: INVERT, TEST, OVERWRITE COUNT, pattern length and
 * the pattern, which must fill the list exactly and fit a block. */
static bool overwrite_params(struct scsi_lu *lu, struct san_job *j, const uint8_t *p, uint32_t len,
			     struct sense *err)
{
	uint32_t plen = get_be16(p + 2), bs = lu->cfg.block_size;
	if (p[0] & 0x60) { /* TEST: no test modes */
		*err = sense_invalid_field_in_param_list(0, 6);
		return false;
	}
	if (!(p[0] & 0x1f)) {
		*err = sense_invalid_field_in_param_list(0, 4);
		return false;
	}
	if (!plen || plen > bs || plen + 4 != len) {
		*err = sense_invalid_field_in_param_list(2, 7);
		return false;
	}
	j->invert = p[0] & 0x80;
	j->passes = p[0] & 0x1f;
	uint64_t total = lu_blocks(lu) * bs;
	j->chunk = total < SCSI_WSAME_CHUNK_BYTES ? (uint32_t)total : SCSI_WSAME_CHUNK_BYTES;
	j->buf = malloc(j->chunk ? j->chunk : 1);
	if (!j->buf) {
		err->key = SENSE_NO_SENSE; /* out of memory: BUSY */
		return false;
	}
	for (uint32_t i = 0; i < j->chunk; i++)
		j->buf[i] = p[4 + (i % bs) % plen];
	return true;
}

static enum scsi_next job_start(struct scsi_lu *lu, struct scsi_task *task, struct san_job *j)
{
	if (task->st.aux != j)
		free(task->st.aux);
	task->st.aux = j;
	task->st.aux_release = job_release;
	scsi_data_free(task);
	pthread_mutex_lock(&lu->lock);
	lu->sanitize_state = SANITIZE_RUNNING;
	lu->sanitize_ause = j->ause;
	lu->sanitize_done = 0;
	lu->sanitize_total = (uint64_t)j->passes * lu_blocks(lu) * lu->cfg.block_size;
	pthread_mutex_unlock(&lu->lock);
	task->st.opcode_step = SAN_LOCK;
	return sanitize_resume(lu, task);
}

/* SBC-4 5.30.1: PARAMETER LIST LENGTH 0 for BLOCK ERASE and EXIT FAILURE MODE; 5 up to the
 * block size + 4 for OVERWRITE. */
enum scsi_next sanitize_start(struct scsi_lu *lu, struct scsi_task *task)
{
	uint8_t sa = task->cdb[1] & 0x1f;
	uint32_t len = get_be16(task->cdb + 7);
	bool ause = task->cdb[1] & 0x20;
	if (sa == SA_OVERWRITE ? len < 5 || len > lu->cfg.block_size + 4 : len != 0)
		return scsi_fail(lu, task, sense_invalid_field_in_cdb(7, 7));
	if (sa == SA_EXIT_FAILURE) {
		/* SBC-4 4.11.3: leaving failure mode needs a failed sanitize that allowed it */
		pthread_mutex_lock(&lu->lock);
		bool failed = lu->sanitize_state == SANITIZE_FAILED, allowed = lu->sanitize_ause;
		if (failed && allowed)
			lu->sanitize_state = SANITIZE_IDLE;
		pthread_mutex_unlock(&lu->lock);
		if (failed && !allowed)
			return scsi_fail(lu, task, sense_sanitize_failed());
		return scsi_good(task);
	}
	struct san_job *j = calloc(1, sizeof(*j));
	if (!j)
		return scsi_busy(task);
	j->lu = lu;
	j->sa = sa;
	j->ause = ause;
	j->passes = 1;
	if (sa == SA_BLOCK_ERASE)
		return job_start(lu, task, j);
	free(task->st.aux);
	task->st.aux = j;
	task->st.aux_release = job_release;
	j->finished = true; /* nothing has started yet */
	task->st.opcode_step = 0;
	return scsi_data_out(task, len);
}

static void progress(struct scsi_lu *lu, uint64_t add)
{
	pthread_mutex_lock(&lu->lock);
	lu->sanitize_done += add;
	pthread_mutex_unlock(&lu->lock);
}

/* The next request: a punch of up to 1 GiB (BLOCK ERASE), or a chunk of the pattern. */
static enum scsi_next job_next(struct scsi_lu *lu, struct scsi_task *task, struct san_job *j)
{
	uint64_t total = lu_blocks(lu) * lu->cfg.block_size;
	if (j->pos >= total && ++j->pass < j->passes) {
		j->pos = 0;
		for (uint32_t i = 0; j->invert && i < j->chunk; i++) /* SBC-4 5.30.2.2 INVERT */
			j->buf[i] = (uint8_t)~j->buf[i];
	}
	memset(&task->io, 0, sizeof(task->io));
	task->io.dev = lu->dev;
	if (j->pos >= total) {
		task->st.opcode_step = SAN_FLUSHED;
		task->io.op = BLK_FLUSH;
		return SCSI_NEXT_IO;
	}
	uint64_t n = total - j->pos, max = j->sa == SA_BLOCK_ERASE ? (1ull << 30) : j->chunk;
	n = n < max ? n : max;
	task->io.op = j->sa == SA_BLOCK_ERASE ? BLK_PUNCH : BLK_WRITE;
	task->io.off = j->pos;
	task->io.len = n;
	if (j->sa != SA_BLOCK_ERASE) {
		blk_io_set_buf(&task->io, j->buf, n);
		task->io.flags = lu->cfg.write_cache ? 0 : BLK_F_FUA;
	}
	task->st.pos = n;
	task->st.opcode_step = SAN_IO;
	return SCSI_NEXT_IO;
}

static enum scsi_next job_fail(struct scsi_lu *lu, struct scsi_task *task, struct san_job *j)
{
	j->finished = true;
	set_state(lu, SANITIZE_FAILED, j->ause);
	return scsi_fail(lu, task, sense_sanitize_failed());
}

enum scsi_next sanitize_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	struct san_job *j = task->st.aux;
	struct sense err;
	switch (task->st.opcode_step) {
	case 0: /* the OVERWRITE parameter list is in */
		if (!overwrite_params(lu, j, task->data, task->data_len, &err))
			return err.key ? scsi_fail(lu, task, err) : scsi_busy(task);
		j->finished = false;
		return job_start(lu, task, j);
	case SAN_LOCK:
		if (!lu_range_lock(lu, task, 0, lu_blocks(lu), true))
			return scsi_wait(task);
		return job_next(lu, task, j);
	case SAN_IO:
		if (task->io.res < 0)
			return job_fail(lu, task, j);
		j->pos += task->st.pos;
		progress(lu, task->st.pos);
		return job_next(lu, task, j);
	case SAN_FLUSHED:
		if (task->io.res < 0)
			return job_fail(lu, task, j);
		j->finished = true;
		set_state(lu, SANITIZE_IDLE, false);
		return scsi_good(task);
	default:
		return scsi_fail(lu, task, sense_internal_target_failure());
	}
}
