/* sanitize.c: SANITIZE (SBC-4 5.30, 4.11): OVERWRITE, BLOCK ERASE and EXIT FAILURE MODE.
 * CRYPTOGRAPHIC ERASE is not offered (nothing is encrypted): it is not in the CDB table, so it
 * answers INVALID FIELD IN CDB and REPORT SUPPORTED OPERATION CODES leaves it out.
 *
 * The operation is the LU's background job (scsi.h, cfg.start_bg), not the command's: it goes
 * on when the command is aborted, its session is reset or logs out, or the target restarts
 * (the state is saved through cfg.save_bg and resumed, from the start, by
 * sanitize_restore). With IMMED the command answers GOOD once the job has started; without
 * it the command waits for the end (SCSI_NEXT_WAIT) and reports how it went, unless it is
 * aborted first (the job then still runs to its end).
 *
 * - The command first takes an exclusive range over the whole LU (lu_range.c), so commands
 *   already running finish before anything is overwritten; from then on every command but
 *   INQUIRY, REPORT LUNS and REQUEST SENSE (the unit-attention-exempt ones) ends with NOT
 *   READY, SANITIZE IN PROGRESS and a progress indication (REQUEST SENSE returns that sense
 *   as its data), from any nexus (task.c).
 * - OVERWRITE writes the initialization pattern (repeated from the start of every block;
 *   inverted on every other pass with INVERT) over every LBA, OVERWRITE COUNT times, and
 *   flushes after each pass, so every pass reaches the disk rather than only the last one.
 *   A pass whose pattern is all zeroes leaves holes alone (they hold nothing on the disk and
 *   already read as zeroes) and overwrites the data extents in place. When the last pass
 *   wrote zeroes on a thin LU, the LU is then punched whole, giving the space back.
 * - BLOCK ERASE (thin LUs only: it is listed with the thin-provisioning commands) punches the
 *   whole LU: every block reads back as zeroes and is deallocated (WABEREQ 01b in VPD B1h:
 *   reads after it succeed).
 * - A job whose request fails (or that cannot be saved or started) leaves the LU in sanitize
 *   failure mode (SBC-4 4.11.3), saved across restarts: commands that access the medium end
 *   with MEDIUM ERROR, SANITIZE COMMAND FAILED until a SANITIZE succeeds or, when the failed
 *   one had AUSE set, an EXIT FAILURE MODE.
 * - No unit attention follows a successful sanitize: the medium is the same size and shape.
 *
 * Saved state (cfg.save_bg), big-endian: "RSZ1", state (1 running, 2 failed), service
 * action, flags (bit 0 INVERT, bit 1 AUSE), OVERWRITE COUNT, pattern length (2 bytes), the
 * pattern. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

enum { SA_OVERWRITE = 0x01, SA_BLOCK_ERASE = 0x02, SA_EXIT_FAILURE = 0x1f };
enum { SAN_PARAMS = 0, SAN_LOCK, SAN_WAIT }; /* the command's steps */
enum job_phase { PH_PASS, PH_PUNCH, PH_END };
enum job_req { RQ_SEEK_DATA, RQ_SEEK_HOLE, RQ_WRITE, RQ_PASS_FLUSH, RQ_PUNCH, RQ_END_FLUSH };

#define SAN_CHUNK_BYTES	  (4u << 20) /* one pattern write */
#define SAN_PUNCH_BYTES	  (1ull << 30)
#define SAN_MAX_PATTERN	  4096u
#define SAN_STATE_HDR	  10u
#define SAN_STATE_RUNNING 1
#define SAN_STATE_FAILED  2

struct san_job {
	uint8_t sa, passes, pass;
	bool invert, ause, thin;
	uint16_t plen;
	uint8_t pattern[SAN_MAX_PATTERN];
	uint32_t block_size;
	uint64_t total;	   /* bytes of one pass: the LU's size when the job began */
	uint64_t pos;	   /* bytes of the current pass (or of the punch) done or skipped */
	uint64_t data_end; /* zero pass: end of the data extent that starts at pos */
	bool skip_holes;   /* this pass writes zeroes */
	bool at_data;	   /* zero pass: pos is known to start a data extent */
	enum job_phase phase;
	enum job_req req; /* the request in flight */
	uint32_t chunk;
	uint8_t *buf; /* chunk bytes of this pass's pattern */
};

/* task->st.aux of a SANITIZE command */
struct san_cmd {
	struct scsi_lu *lu;
	struct san_job *job; /* until the LU takes it */
	bool immed;
	bool failed; /* the job's outcome, for a command that waited */
};

static void job_free(struct san_job *j)
{
	if (j)
		free(j->buf);
	free(j);
}

void sanitize_free_job(struct scsi_lu *lu)
{
	job_free(lu->bg);
	lu->bg = NULL;
}

bool sanitize_blocks(struct scsi_lu *lu, const struct scsi_cmd *cmd, struct sense *out)
{
	if (!lu->sanitize_state)
		return false;
	pthread_mutex_lock(&lu->lock);
	uint8_t state = lu->sanitize_state;
	uint64_t done = lu->sanitize_done, total = lu->sanitize_total;
	pthread_mutex_unlock(&lu->lock);
	if (state == SANITIZE_RUNNING) {
		if (done > total)
			done = total;
		*out = sense_sanitize_in_progress(total ? (uint16_t)(done * 65535 / total) : 0);
		return !(cmd->flags & CDB_F_UA_EXEMPT);
	}
	if (state == SANITIZE_FAILED && (cmd->flags & CDB_F_MEDIUM) &&
	    cmd->opcode != SCSI_OP_SANITIZE) {
		*out = sense_sanitize_failed();
		return true;
	}
	return false;
}

bool sanitize_cancel_wait_locked(struct scsi_lu *lu, struct scsi_task *task)
{
	if (!lu->bg_waiter || lu->bg_waiter != task)
		return false;
	lu->bg_waiter = NULL;
	return true;
}

static void cmd_release(struct scsi_task *task)
{
	struct san_cmd *c = task->st.aux;
	if (!c)
		return;
	if (c->lu) {
		pthread_mutex_lock(&c->lu->lock);
		sanitize_cancel_wait_locked(c->lu, task);
		pthread_mutex_unlock(&c->lu->lock);
	}
	job_free(c->job);
	c->job = NULL;
}

/* The saved state of a job (running or failed) into buf; returns its length. */
static size_t state_encode(const struct san_job *j, uint8_t state, uint8_t *buf)
{
	memcpy(buf, "RSZ1", 4);
	buf[4] = state;
	buf[5] = j->sa;
	buf[6] = (uint8_t)((j->invert ? 1 : 0) | (j->ause ? 2 : 0));
	buf[7] = j->passes;
	put_be16(buf + 8, j->plen);
	memcpy(buf + SAN_STATE_HDR, j->pattern, j->plen);
	return SAN_STATE_HDR + j->plen;
}

static int save_state(struct scsi_lu *lu, const struct san_job *j, uint8_t state)
{
	uint8_t buf[SAN_STATE_HDR + SAN_MAX_PATTERN];
	if (!lu->cfg.save_bg)
		return 0;
	return lu->cfg.save_bg(lu->cfg.ctx, buf, j ? state_encode(j, state, buf) : 0);
}

/* The pattern of the current pass into buf; whether it is all zeroes. */
static bool fill_pass(struct san_job *j)
{
	uint8_t flip = (j->invert && (j->pass & 1)) ? 0xff : 0x00, any = 0;
	for (uint32_t i = 0; i < j->chunk; i++) {
		j->buf[i] = (uint8_t)(j->pattern[(i % j->block_size) % j->plen] ^ flip);
		any |= j->buf[i];
	}
	return any == 0;
}

/* Sizes the job for lu and allocates its pattern buffer; false when out of memory. */
static bool job_prepare(struct scsi_lu *lu, struct san_job *j)
{
	j->block_size = lu->cfg.block_size;
	j->total = scsi_lu_blocks(lu) * lu->cfg.block_size;
	j->thin = scsi_lu_thin(lu);
	j->pass = 0;
	j->pos = j->data_end = 0;
	j->at_data = false;
	j->phase = j->sa == SA_BLOCK_ERASE ? PH_PUNCH : PH_PASS;
	if (j->sa == SA_BLOCK_ERASE)
		return true;
	j->chunk = j->total < SAN_CHUNK_BYTES ? (uint32_t)j->total : SAN_CHUNK_BYTES;
	j->chunk = j->chunk ? j->chunk : j->block_size;
	j->buf = malloc(j->chunk);
	if (!j->buf)
		return false;
	j->skip_holes = fill_pass(j);
	return true;
}

/* Publishes j as the LU's running job: the progress covers every pass. Under lu->lock. */
static void job_publish_locked(struct scsi_lu *lu, struct san_job *j)
{
	lu->bg = j;
	lu->sanitize_state = SANITIZE_RUNNING;
	lu->sanitize_ause = j->ause;
	lu->sanitize_done = 0;
	lu->sanitize_total = j->sa == SA_BLOCK_ERASE ? j->total : (uint64_t)j->passes * j->total;
}

/* The running job. lu->bg changes under lu->lock (a new job is published by a worker while this
 * thread may still be looping), so it is read under it too. */
static struct san_job *job_of(struct scsi_lu *lu)
{
	pthread_mutex_lock(&lu->lock);
	struct san_job *j = lu->bg;
	pthread_mutex_unlock(&lu->lock);
	return j;
}

bool sanitize_bg_next(struct scsi_lu *lu, struct blk_io *io)
{
	struct san_job *j = job_of(lu);
	if (!j || j->phase == PH_END)
		return false;
	memset(io, 0, sizeof(*io));
	io->dev = lu->dev;
	if (j->phase == PH_PUNCH) {
		if (j->pos >= j->total) {
			io->op = BLK_FLUSH;
			j->req = RQ_END_FLUSH;
			return true;
		}
		uint64_t n = j->total - j->pos;
		io->op = BLK_PUNCH;
		io->off = j->pos;
		io->len = n < SAN_PUNCH_BYTES ? n : SAN_PUNCH_BYTES;
		j->req = RQ_PUNCH;
		return true;
	}
	if (j->pos >= j->total) {
		io->op = BLK_FLUSH;
		j->req = RQ_PASS_FLUSH;
		return true;
	}
	if (j->skip_holes && j->pos >= j->data_end) {
		io->op = j->at_data ? BLK_SEEK_HOLE : BLK_SEEK_DATA;
		io->off = j->pos;
		j->req = j->at_data ? RQ_SEEK_HOLE : RQ_SEEK_DATA;
		return true;
	}
	uint64_t n = j->total - j->pos;
	if (j->skip_holes && j->data_end - j->pos < n)
		n = j->data_end - j->pos;
	n = n < j->chunk ? n : j->chunk;
	io->op = BLK_WRITE;
	io->off = j->pos;
	blk_io_set_buf(io, j->buf, n);
	j->req = RQ_WRITE;
	return true;
}

static void progress(struct scsi_lu *lu, uint64_t add)
{
	pthread_mutex_lock(&lu->lock);
	lu->sanitize_done += add;
	pthread_mutex_unlock(&lu->lock);
}

/* The job is over: the LU leaves the sanitize state (or enters failure mode, saved first), a
 * waiting command is woken with the outcome, and the job is freed. */
static void job_end(struct scsi_lu *lu, struct san_job *j, bool failed)
{
	/* a state left behind by a failed removal only makes a restart sanitize again */
	save_state(lu, failed ? j : NULL, SAN_STATE_FAILED);
	pthread_mutex_lock(&lu->lock);
	lu->bg = NULL;
	lu->sanitize_state = failed ? SANITIZE_FAILED : SANITIZE_IDLE;
	lu->sanitize_ause = failed && j->ause;
	struct scsi_task *w = lu->bg_waiter;
	lu->bg_waiter = NULL;
	if (w) {
		((struct san_cmd *)w->st.aux)->failed = failed;
		w->wake(w);
	}
	pthread_mutex_unlock(&lu->lock);
	job_free(j);
}

/* A pass has been flushed: the next one, the final punch, or the end. */
static void pass_done(struct scsi_lu *lu, struct san_job *j)
{
	bool zero = j->skip_holes;
	if (++j->pass < j->passes) {
		j->pos = j->data_end = 0;
		j->at_data = false;
		j->skip_holes = fill_pass(j);
		return;
	}
	if (zero && j->thin) {
		j->phase = PH_PUNCH;
		j->pos = 0;
		return;
	}
	j->phase = PH_END;
	job_end(lu, j, false);
}

void sanitize_bg_done(struct scsi_lu *lu, const struct blk_io *io)
{
	struct san_job *j = job_of(lu);
	if (!j)
		return;
	if (io->res < 0) {
		j->phase = PH_END;
		job_end(lu, j, true);
		return;
	}
	uint64_t res = (uint64_t)io->res;
	switch (j->req) {
	case RQ_SEEK_DATA: /* skip the hole [pos, res) */
		res = res < j->total ? res : j->total;
		progress(lu, res > j->pos ? res - j->pos : 0);
		j->pos = res > j->pos ? res : j->pos;
		j->at_data = true;
		break;
	case RQ_SEEK_HOLE:
		j->data_end = res > j->pos ? res : j->pos + j->block_size;
		j->at_data = false;
		break;
	case RQ_WRITE:
		j->pos += io->len;
		progress(lu, io->len);
		break;
	case RQ_PASS_FLUSH:
		pass_done(lu, j);
		break;
	case RQ_PUNCH:
		j->pos += io->len;
		if (j->sa == SA_BLOCK_ERASE)
			progress(lu, io->len);
		break;
	case RQ_END_FLUSH:
		j->phase = PH_END;
		job_end(lu, j, false);
		break;
	}
}

int sanitize_restore(struct scsi_lu *lu, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (!len)
		return 0;
	if (len < SAN_STATE_HDR || memcmp(p, "RSZ1", 4) != 0)
		return -EINVAL;
	uint16_t plen = get_be16(p + 8);
	bool overwrite = p[5] == SA_OVERWRITE;
	if ((p[4] != SAN_STATE_RUNNING && p[4] != SAN_STATE_FAILED) ||
	    (!overwrite && p[5] != SA_BLOCK_ERASE) || (p[6] & ~3u) || len != SAN_STATE_HDR + plen ||
	    (overwrite ? !plen || plen > lu->cfg.block_size || !p[7] || p[7] > 31 : plen != 0))
		return -EINVAL;
	if (p[4] == SAN_STATE_FAILED) {
		pthread_mutex_lock(&lu->lock);
		lu->sanitize_state = SANITIZE_FAILED;
		lu->sanitize_ause = p[6] & 2;
		pthread_mutex_unlock(&lu->lock);
		return 0;
	}
	struct san_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->sa = p[5];
	j->invert = p[6] & 1;
	j->ause = p[6] & 2;
	j->passes = overwrite ? p[7] : 1;
	j->plen = plen;
	memcpy(j->pattern, p + SAN_STATE_HDR, plen);
	if (!job_prepare(lu, j)) {
		job_free(j);
		return -ENOMEM;
	}
	pthread_mutex_lock(&lu->lock);
	job_publish_locked(lu, j);
	pthread_mutex_unlock(&lu->lock);
	return 1;
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
	if (!plen || plen > bs || plen > SAN_MAX_PATTERN || plen + 4 != len) {
		*err = sense_invalid_field_in_param_list(2, 7);
		return false;
	}
	j->invert = p[0] & 0x80;
	j->passes = p[0] & 0x1f;
	j->plen = (uint16_t)plen;
	memcpy(j->pattern, p + 4, plen);
	return true;
}

/* SBC-4 5.30.1: PARAMETER LIST LENGTH 0 for BLOCK ERASE and EXIT FAILURE MODE; 5 up to the
 * block size + 4 for OVERWRITE. */
enum scsi_next sanitize_start(struct scsi_lu *lu, struct scsi_task *task)
{
	uint8_t sa = task->cdb[1] & 0x1f;
	uint32_t len = get_be16(task->cdb + 7);
	bool ause = task->cdb[1] & 0x20;
	if (sa == SA_OVERWRITE ? len < 5 || len > lu->cfg.block_size + 4 : len != 0)
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(7, 7));
	if (sa == SA_EXIT_FAILURE) {
		/* SBC-4 4.11.3: leaving failure mode needs a failed sanitize that allowed it */
		pthread_mutex_lock(&lu->lock);
		bool failed = lu->sanitize_state == SANITIZE_FAILED, allowed = lu->sanitize_ause;
		pthread_mutex_unlock(&lu->lock);
		if (failed && !allowed)
			return scsi_task_fail(lu, task, sense_sanitize_failed());
		if (failed && save_state(lu, NULL, 0) < 0)
			return scsi_task_fail(lu, task, sense_internal_target_failure());
		pthread_mutex_lock(&lu->lock);
		if (lu->sanitize_state == SANITIZE_FAILED)
			lu->sanitize_state = SANITIZE_IDLE;
		pthread_mutex_unlock(&lu->lock);
		return scsi_task_good(task);
	}
	if (task->st.aux_release == cmd_release) /* woken after waiting for the LU: carry on */
		return sanitize_resume(lu, task);
	if (!lu->cfg.start_bg)
		return scsi_task_fail(lu, task, sense_invalid_opcode());
	struct san_cmd *c = calloc(1, sizeof(*c));
	struct san_job *j = calloc(1, sizeof(*j));
	if (!c || !j) {
		free(c);
		free(j);
		return scsi_task_busy(task);
	}
	free(task->st.aux);
	task->st.aux = c;
	task->st.aux_release = cmd_release;
	c->lu = lu;
	c->job = j;
	c->immed = task->cdb[1] & 0x80;
	j->sa = sa;
	j->ause = ause;
	j->passes = 1;
	if (sa == SA_OVERWRITE) {
		task->st.opcode_step = SAN_PARAMS;
		return scsi_task_data_out(task, len);
	}
	task->st.opcode_step = SAN_LOCK;
	return sanitize_resume(lu, task);
}

/* The job's failure sense when it cannot begin; the LU keeps its former state. */
static enum scsi_next begin_failed(struct scsi_lu *lu, struct scsi_task *task, uint8_t before,
				   bool ause_before)
{
	pthread_mutex_lock(&lu->lock);
	struct san_job *j = lu->bg;
	lu->bg = NULL;
	lu->bg_waiter = NULL;
	lu->sanitize_state = before;
	lu->sanitize_ause = ause_before;
	pthread_mutex_unlock(&lu->lock);
	job_free(j);
	return scsi_task_fail(lu, task, sense_internal_target_failure());
}

/* The whole LU is ours: hand the job to the LU, save it and have the daemon run it. */
static enum scsi_next begin(struct scsi_lu *lu, struct scsi_task *task, struct san_cmd *c)
{
	struct san_job *j = c->job;
	if (!job_prepare(lu, j))
		return scsi_task_busy(task);
	pthread_mutex_lock(&lu->lock);
	uint8_t before = lu->sanitize_state;
	bool ause_before = lu->sanitize_ause;
	if (before == SANITIZE_RUNNING) { /* one began while this one waited for the LU */
		pthread_mutex_unlock(&lu->lock);
		return scsi_task_fail(lu, task, sense_sanitize_in_progress(0));
	}
	job_publish_locked(lu, j);
	c->job = NULL;
	if (!c->immed)
		lu->bg_waiter = task;
	pthread_mutex_unlock(&lu->lock);
	lu_range_unlock(task); /* new commands now see SANITIZE IN PROGRESS */
	if (save_state(lu, j, SAN_STATE_RUNNING) < 0)
		return begin_failed(lu, task, before, ause_before);
	if (lu->cfg.start_bg(lu->cfg.ctx) < 0) {
		j->ause =
		    ause_before; /* back to the saved state of before: none, or failure mode */
		save_state(lu, before == SANITIZE_FAILED ? j : NULL, SAN_STATE_FAILED);
		return begin_failed(lu, task, before, ause_before);
	}
	if (c->immed)
		return scsi_task_good(task);
	task->st.opcode_step = SAN_WAIT;
	return scsi_task_wait(task);
}

enum scsi_next sanitize_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	struct san_cmd *c = task->st.aux;
	struct sense err;
	switch (task->st.opcode_step) {
	case SAN_PARAMS: /* the OVERWRITE parameter list is in */
		if (!overwrite_params(lu, c->job, task->data, task->data_len, &err))
			return scsi_task_fail(lu, task, err);
		scsi_task_data_free(task);
		task->st.opcode_step = SAN_LOCK;
		/* fall through */
	case SAN_LOCK:
		if (!lu_range_lock(lu, task, 0, scsi_lu_blocks(lu), true))
			return scsi_task_wait(task);
		return begin(lu, task, c);
	case SAN_WAIT: /* the job ended */
		return c->failed ? scsi_task_fail(lu, task, sense_sanitize_failed())
				 : scsi_task_good(task);
	default:
		return scsi_task_fail(lu, task, sense_internal_target_failure());
	}
}
