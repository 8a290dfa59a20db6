/* task.c: the task life cycle. scsi_task_start() applies the checks every command shares, in the
 * order SAM-5 / SPC-5 give them (logical unit exists, unit attention, opcode supported, CDB
 * fields valid, write protection), then runs the command's handler from the CDB table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "target/scsi/scsi_int.h"

enum scsi_next scsi_task_fail(struct scsi_lu *lu, struct scsi_task *task, struct sense s)
{
	scsi_task_data_free(task);
	task->status = SCSI_CHECK_CONDITION;
	task->sense_len = (uint8_t)sense_encode(&s, lu && lu->d_sense, task->sense);
	return SCSI_NEXT_DONE;
}

enum scsi_next scsi_task_good(struct scsi_task *task)
{
	task->status = SCSI_GOOD;
	return SCSI_NEXT_DONE;
}

/* Out of memory: BUSY asks the initiator to retry later (SAM-5 5.3.1). */
enum scsi_next scsi_task_busy(struct scsi_task *task)
{
	scsi_task_data_free(task);
	task->status = SCSI_BUSY;
	return SCSI_NEXT_DONE;
}

void scsi_task_data_free(struct scsi_task *task)
{
	free(task->data);
	task->data = NULL;
	task->data_len = 0;
}

uint8_t *scsi_task_datain(struct scsi_task *task, uint32_t len)
{
	scsi_task_data_free(task);
	task->data = calloc(1, len ? len : 1);
	return task->data;
}

enum scsi_next scsi_task_datain_done(struct scsi_task *task, uint32_t generated, uint32_t alloc_len)
{
	task->data_len = generated < alloc_len ? generated : alloc_len;
	return scsi_task_good(task);
}

enum scsi_next scsi_task_wait(struct scsi_task *task)
{
	return task->wake ? SCSI_NEXT_WAIT : scsi_task_busy(task);
}

/* Every disposition leaves through here: a finished command gives its range back; one that
 * waited inside its start handler runs that handler again once woken. */
static enum scsi_next leave(struct scsi_task *task, enum scsi_next next, bool from_start)
{
	if (next == SCSI_NEXT_DONE)
		lu_range_unlock(task);
	else if (next == SCSI_NEXT_WAIT) /* a range wait; not a wait for the background job */
		task->st.rl_restart = from_start && lu_range_engaged(task);
	return next;
}

enum scsi_next scsi_task_data_out(struct scsi_task *task, uint32_t len)
{
	if (!scsi_task_datain(task, len))
		return scsi_task_busy(task);
	task->data_len = len;
	return SCSI_NEXT_DATA_OUT;
}

static enum scsi_next start_checked(struct scsi_lu *lu, struct scsi_task *task,
				    const struct scsi_cmd *cmd)
{
	struct sense s;
	if (task->cdb_len < cmd->cdb_len)
		return scsi_task_fail(lu, task, sense_invalid_opcode());
	if (!cdb_check(cmd, task->cdb, &s))
		return scsi_task_fail(lu, task, s);
	if (lu && (cmd->flags & CDB_F_WRITES) && lu->cfg.read_only)
		return scsi_task_fail(lu, task, sense_write_protected());
	if (lu && (cmd->flags & CDB_F_WRITES) && atomic_load(&lu->swp))
		return scsi_task_fail(lu, task, sense_sw_write_protected());
	return leave(task, cmd->start(lu, task), true);
}

enum scsi_next scsi_task_start(struct scsi_lu *lu, struct scsi_task *task)
{
	const struct scsi_cmd *cmd = task->cdb ? cdb_lookup(task->cdb, task->cdb_len) : NULL;
	struct sense ua;

	task->status = SCSI_GOOD;
	task->sense_len = 0;
	/* SPC-5 (incorrect logical unit selection): only INQUIRY, REPORT LUNS and REQUEST SENSE
	 * answer for a LUN that does not exist; everything else is LOGICAL UNIT NOT SUPPORTED. */
	if (!lu) {
		if (cmd && (cmd->flags & CDB_F_ANY_LUN))
			return start_checked(NULL, task, cmd);
		return scsi_task_fail(NULL, task, sense_lun_not_supported());
	}
	/* SPC-5 5.14: a pending unit attention is reported on any command but INQUIRY, REPORT
	 * LUNS and REQUEST SENSE, before anything else about the command is looked at. */
	if (!(cmd && (cmd->flags & CDB_F_UA_EXEMPT)) && scsi_lu_ua_take(lu, task->nexus, &ua))
		return scsi_task_fail(lu, task, ua);
	/* SPC-4 4.5.x: an unsupported service action of a supported opcode is an invalid field */
	if (!cmd && task->cdb && task->cdb_len >= 2 && cdb_opcode_has_sa(task->cdb[0]))
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(1, 4));
	if (!cmd || ((cmd->flags & CDB_F_THIN) && !scsi_lu_thin(lu)))
		return scsi_task_fail(lu, task, sense_invalid_opcode());
	/* SBC-4 4.11: a sanitize in progress, or one that failed */
	if (sanitize_blocks(lu, cmd, &ua))
		return scsi_task_fail(lu, task, ua);
	/* SPC-4 5.9.1 / SPC-2 7.21: reservations held by other nexuses */
	if (pr_conflict(lu, task, cmd)) {
		task->status = SCSI_RESERVATION_CONFLICT;
		return SCSI_NEXT_DONE;
	}
	return start_checked(lu, task, cmd);
}

enum scsi_next scsi_task_resume(struct scsi_lu *lu, struct scsi_task *task)
{
	const struct scsi_cmd *cmd = cdb_lookup(task->cdb, task->cdb_len);
	struct sense s;
	/* SBC-4 4.11.2: a sanitize that began while this task waited (for a range the sanitize
	 * held, or for its Data-Out) ends it as it would end a new command; the task must not
	 * write behind the overwrite. The SANITIZE itself waits for its own job. */
	if (lu && cmd && cmd->opcode != SCSI_OP_SANITIZE && sanitize_blocks(lu, cmd, &s))
		return leave(task, scsi_task_fail(lu, task, s), false);
	if (lu && cmd && task->st.rl_restart) {
		task->st.rl_restart = false;
		return leave(task, cmd->start(lu, task), true);
	}
	if (!lu || !cmd || !cmd->resume)
		return leave(task, scsi_task_fail(lu, task, sense_internal_target_failure()),
			     false);
	return leave(task, cmd->resume(lu, task), false);
}

enum scsi_next scsi_task_stream_done(struct scsi_lu *lu, struct scsi_task *task, int64_t res)
{
	lu_range_unlock(task);
	if (res >= 0)
		return scsi_task_good(task);
	const struct scsi_cmd *cmd = cdb_lookup(task->cdb, task->cdb_len);
	bool write = cmd && cmd->dir == CDB_DIR_OUT;
	return scsi_task_fail(lu, task, sense_io_error(write, res, task->st.lba));
}

void scsi_task_fini(struct scsi_task *task)
{
	lu_range_unlock(task);
	scsi_task_data_free(task);
	if (task->st.aux_release)
		task->st.aux_release(task);
	task->st.aux_release = NULL;
	free(task->st.aux);
	task->st.aux = NULL;
	task->st.aux_len = 0;
}

/* A task waits either for a range (lu_range.c) or for the end of a sanitize (sanitize.c). */
bool scsi_task_cancel_wait(struct scsi_lu *lu, struct scsi_task *task)
{
	bool was;
	if (!lu)
		lu = task->st.rl_lu;
	if (!lu)
		return false;
	pthread_mutex_lock(&lu->lock);
	was = lu_range_cancel_wait_locked(lu, task) || sanitize_cancel_wait_locked(lu, task);
	pthread_mutex_unlock(&lu->lock);
	return was;
}
