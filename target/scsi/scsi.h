/* scsi.h: the SCSI logical unit (SPC-5 / SBC-4) as a pure module: CDB in, status + sense + a plan
 * for data out. It never does I/O itself: it tells the transport what to move (Data-In from the
 * backing file, Data-Out into it) or fills a struct blk_io for the transport to submit.
 *
 * Threads: one struct scsi_lu is shared by every worker thread serving that LUN; its shared state
 * (unit attentions, reservations, range locks) is guarded by lu->lock. A struct scsi_task belongs
 * to one connection on one worker. */
#ifndef RINGSAN_SCSI_SCSI_H
#define RINGSAN_SCSI_SCSI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/block/blk.h"

/* SAM-5 status codes */
enum scsi_status {
	SCSI_GOOD = 0x00,
	SCSI_CHECK_CONDITION = 0x02,
	SCSI_CONDITION_MET = 0x04,
	SCSI_BUSY = 0x08,
	SCSI_RESERVATION_CONFLICT = 0x18,
	SCSI_TASK_SET_FULL = 0x28,
	SCSI_ACA_ACTIVE = 0x30,
	SCSI_TASK_ABORTED = 0x40,
};

#define SCSI_SENSE_MAX 96

struct scsi_nexus;

/* What the LU is made from: the LUN file's facts plus its config options. */
struct scsi_lu_config {
	char name[65];	      /* LUN name, e.g. "win11" */
	char target_iqn[224]; /* BASE_IQN:NAME, for the SCSI target name designator */
	char description[256];
	uint8_t uuid[16];    /* stable identity: serial and designators derive from it */
	uint32_t block_size; /* 512 or 4096 */
	/* Physical block reported by READ CAPACITY(16): a power of two from block_size to 65536;
	 * 0 (or anything else) means block_size, one logical block per physical block. */
	uint32_t physical_block_size;
	bool read_only;
	bool write_cache;     /* WCE=1 in the caching page; off: every write is FUA */
	bool thin;	      /* UNMAP / WRITE SAME UNMAP / LBPME */
	uint16_t rel_port_id; /* relative target port identifier (1) */
	uint16_t tpgt;	      /* target portal group tag (1) */

	/* Callbacks into the daemon (each may be NULL), all given ctx. */
	void *ctx;
	/* APTPL (SPC-4 5.9.5): persist the persistent reservation state, len bytes at buf (a
	 * pure serialization, at most a few KiB), atomically beside the LUN (temp file, fsync,
	 * rename, fsync of the directory), replacing what was saved before; hand it back to
	 * pr_restore() when the LU is created again. Called on the worker thread that
	 * runs the PERSISTENT RESERVE OUT, without lu->lock, serialized per LU (so saves never
	 * cross); it may block. 0 or -errno (the command then fails with INTERNAL TARGET FAILURE;
	 * the in-memory state has changed already). NULL: APTPL is not supported (PTPL_C = 0,
	 * APTPL = 1 is refused). A state with APTPL = 0 is saved too (so a restart forgets it). */
	int (*save_pr)(void *ctx, const void *buf, size_t len);
	/* PREEMPT AND ABORT (SPC-4 5.9.11.5): abort every task of nexus nx on this LU (as ABORT
	 * TASK SET would, without status: TAS = 0). Called under lu->lock from any thread: it must
	 * only post the request to the nexus's worker, not block and not call the scsi layer.
	 * NULL: PREEMPT AND ABORT preempts without aborting (tasks in flight then finish). */
	void (*abort_nexus)(void *ctx, struct scsi_nexus *nx);
	/* EXTENDED COPY between LUs (SPC-4 6.4; xcopy.c): the LU whose NAA designator (VPD 83h,
	 * the 8 bytes scsi_lu_naa() gives) is naa[0..len), or NULL when there is none or when
	 * `initiator` (the InitiatorName of the nexus that sent the EXTENDED COPY, never empty)
	 * may not use it (its ACL does not admit that name); the copy then ends with COPY
	 * ABORTED, COPY TARGET DEVICE NOT REACHABLE. find_lu only has to find the LU and apply the
	 * daemon's own policy: the scsi layer then also requires that the initiator has an I_T
	 * nexus of its own attached to that LU (a logged-in session, which passed its ACL and
	 * CHAP) and checks that LU's reservations for it (xcopy.c, pr_copy_access()), at the
	 * start and before every copy step. Called on the worker thread that runs the EXTENDED
	 * COPY, without any lu->lock held; it must not block and must not call into the scsi
	 * layer except scsi_lu_naa(). It may return the calling LU itself.
	 * The returned LU and its blk_dev stay valid (not freed, fd not closed, not resized) until
	 * put_lu(ctx, *ref) — the copy holds that reference from the parse of its parameter list
	 * until the command ends (GOOD, error or abort: scsi_task_fini), so for at most one
	 * EXTENDED COPY command. A LU that is being removed may be returned; its removal waits
	 * for the last put_lu. NULL find_lu: only copies within the same LU work (a descriptor
	 * naming any other LU is COPY TARGET DEVICE NOT REACHABLE). put_lu may be called from the
	 * worker thread that runs the copy only. */
	struct scsi_lu *(*find_lu)(void *ctx, const uint8_t *naa, size_t len, const char *initiator,
				   void **ref);
	void (*put_lu)(void *ctx, void *ref);
	/* The LU's background job (SANITIZE, SBC-4 4.11): it belongs to the LU, not to the
	 * command that started it, so it goes on when that command ends (IMMED), is aborted, or
	 * its session is reset or logs out. start_bg asks the daemon to run the job: on a thread
	 * of its own (the job's requests block), loop
	 *     while (sanitize_bg_next(lu, &io)) {
	 *             run io synchronously; sanitize_bg_done(lu, &io);
	 *     }
	 * keeping the LU, its blk_dev and the backing file open and in use (as a session would)
	 * until sanitize_bg_next() returns false. The daemon may pause between requests (a rate
	 * limit) and may stop between them when it shuts down: the saved state then resumes the
	 * job at the next start (sanitize_restore). If start_bg is called while the daemon's
	 * loop for this LU is still ending, the loop must go round again instead (it then finds
	 * the new job). Called from a worker thread without lu->lock held; 0 or -errno (the
	 * SANITIZE then fails, nothing written). NULL: SANITIZE is not offered. */
	int (*start_bg)(void *ctx);
	/* Persist the job's state, len bytes at buf (a pure serialization of a few KiB at most),
	 * atomically beside the LUN, replacing what was saved before; len 0 removes it. Hand it
	 * back to sanitize_restore() when the LU is created again. Called without lu->lock,
	 * from the worker running a SANITIZE or from the job's own thread, never two at once.
	 * 0 or -errno. NULL: nothing is persisted (a restart forgets a running sanitize). */
	int (*save_bg)(void *ctx, const void *buf, size_t len);
};

struct scsi_lu;

/* Unit attention conditions (SPC-5 5.14), as bits of scsi_nexus.ua_pending. A nexus reports one
 * per command, lowest bit first: the order is the priority. */
enum scsi_ua {
	SCSI_UA_POWER_ON = 1u << 0,		   /* 29/00, on attach */
	SCSI_UA_BUS_DEVICE_RESET = 1u << 1,	   /* 29/03, LUN reset by another nexus */
	SCSI_UA_RESERVATIONS_PREEMPTED = 1u << 2,  /* 2A/03 */
	SCSI_UA_RESERVATIONS_RELEASED = 1u << 3,   /* 2A/04 */
	SCSI_UA_REGISTRATIONS_PREEMPTED = 1u << 4, /* 2A/05 */
	SCSI_UA_MODE_PARAMS_CHANGED = 1u << 5,	   /* 2A/01 */
	SCSI_UA_CAPACITY_CHANGED = 1u << 6,	   /* 2A/09, scsi_lu_set_size() */
	SCSI_UA_SOFT_THRESHOLD = 1u << 7,	   /* 38/07, thin provisioning space low */
	SCSI_UA_REPORTED_LUNS_CHANGED = 1u << 8,   /* 3F/0E, cleared by REPORT LUNS too */
};

/* I_T nexus: one iSCSI session as the LU sees it. Embedded in the session; the scsi layer links
 * it into the LU on attach and owns ua_pending and the list links (under lu->lock). */
struct scsi_nexus {
	char initiator_name[224];
	uint8_t isid[6];
	char initiator_port[256]; /* "NAME,i,0xISID" (RFC 7143 / SPC-5 iSCSI TransportID) */
	/* owned by the scsi layer */
	uint32_t ua_pending; /* bit set of pending unit attentions, enum scsi_ua */
	struct scsi_nexus *next;
	struct scsi_lu *lu;
};

/* What the transport must do next with a task. */
enum scsi_next {
	/* Finished: send status (and task->data, data_len bytes of Data-In, if any). */
	SCSI_NEXT_DONE,
	/* Receive task->data_len bytes of Data-Out into task->data (already allocated by the scsi
	 * layer), then call scsi_task_resume(). Used for parameter lists (UNMAP, MODE SELECT,
	 * PERSISTENT RESERVE OUT, COMPARE AND WRITE ...), always small and capped. */
	SCSI_NEXT_DATA_OUT,
	/* Stream bytes [io_off, io_off + io_len) of the backing file to the initiator as Data-In,
	 * in pieces of the transport's choosing, then call scsi_task_stream_done(). */
	SCSI_NEXT_READ,
	/* Receive io_len bytes of Data-Out and write them at io_off with io_flags (BLK_F_FUA), in
	 * pieces of the transport's choosing, then call scsi_task_stream_done(). */
	SCSI_NEXT_WRITE,
	/* Submit task->io (op, offsets, buffers filled in; the transport sets io.done/io.owner),
	 * then call scsi_task_resume() once it completes (io.res holds the result). */
	SCSI_NEXT_IO,
	/* Wait for task->wake(task), then call scsi_task_resume() (see "Range lock" below). */
	SCSI_NEXT_WAIT,
};

struct scsi_task {
	/* In: set by the transport before scsi_task_start(). */
	const uint8_t *cdb; /* points into the transport's command; valid for the task's life */
	uint16_t cdb_len;
	uint64_t lun;	       /* 8-byte SAM LUN as received */
	uint32_t exp_xfer_len; /* iSCSI Expected Data Transfer Length */
	bool dir_read, dir_write;
	uint8_t attr; /* task attribute (simple, ordered, head of queue, ACA) */
	struct scsi_nexus *nexus;
	/* Called once per SCSI_NEXT_WAIT, from any thread, under lu->lock: post the task to its
	 * own loop, which then calls scsi_task_resume(). Nothing else. */
	void (*wake)(struct scsi_task *task);

	/* Out: valid at SCSI_NEXT_DONE. */
	uint8_t status;
	uint8_t sense[SCSI_SENSE_MAX];
	uint8_t sense_len;
	uint8_t *data; /* Data-In (DONE) or Data-Out buffer (DATA_OUT); owned by the task */
	uint32_t data_len;

	/* Out: valid at SCSI_NEXT_READ / SCSI_NEXT_WRITE. */
	uint64_t io_off;
	uint64_t io_len;
	uint32_t io_flags;

	/* SCSI_NEXT_IO: the request to submit. */
	struct blk_io io;

	/* Private to the scsi layer (multi-step commands). */
	struct {
		uint32_t opcode_step;
		uint64_t lba;
		uint64_t nblocks;
		uint64_t pos;
		void *aux;
		uint32_t aux_len;
		/* frees what aux holds beyond the memory itself (references, shared state);
		 * called by scsi_task_fini before free(aux) */
		void (*aux_release)(struct scsi_task *task);
		/* range lock (lu_range.c), under rl_lu->lock */
		struct scsi_lu *rl_lu;
		struct scsi_task *rl_prev, *rl_next;
		uint64_t rl_lba, rl_nblocks;
		uint8_t rl_state; /* enum rl_state */
		bool rl_excl;
		bool rl_restart; /* waited in the start handler: run it again on resume */
	} st;
};

/* The LU's NAA designator (VPD 83h, SPC-4 7.8.6.6, locally assigned, from cfg.uuid), as a
 * third-party copy target descriptor names it. Any thread; for the daemon's find_lu. */
void scsi_lu_naa(const struct scsi_lu *lu, uint8_t naa[8]);

/* Lifecycle of the LU. dev must outlive the LU. Returns NULL on allocation failure. */
struct scsi_lu *scsi_lu_new(const struct scsi_lu_config *cfg, struct blk_dev *dev);
void scsi_lu_free(struct scsi_lu *lu);
/* The backing file changed size (reload after `ringsan lun resize`): every nexus gets CAPACITY
 * DATA HAS CHANGED on its next command. */
void scsi_lu_set_size(struct scsi_lu *lu, uint64_t size_bytes);
/* Establishes unit attentions (enum scsi_ua bits) for every attached nexus except `except`
 * (may be NULL), e.g. SCSI_UA_SOFT_THRESHOLD when the data dir's file system runs low. Any
 * thread. */
void scsi_lu_raise_ua(struct scsi_lu *lu, uint32_t ua, const struct scsi_nexus *except);

/* Thin-provisioning soft threshold (SBC-4 4.7.3.8): the daemon reports whether the file system
 * under the LUN is low on space, as often as it likes. The first report of low raises
 * THIN PROVISIONING SOFT THRESHOLD REACHED (38/07) for every attached nexus and returns true
 * (log it then); further reports of low do nothing until a report of not-low re-arms it. Any
 * thread. */
bool scsi_lu_space_low(struct scsi_lu *lu, bool low);

/* APTPL: restores the persistent reservation state saved through cfg.save_pr, right after
 * scsi_lu_new() and before any nexus attaches. 0, or -EINVAL for a buffer that does not parse
 * (the LU then has no registrations). */
int pr_restore(struct scsi_lu *lu, const void *buf, size_t len);

/* The background job (cfg.start_bg): the next request into *io (op, dev, offsets, buffer),
 * or false when there is no job left to run. Only the daemon's job thread calls these two. */
bool sanitize_bg_next(struct scsi_lu *lu, struct blk_io *io);
/* The result of that request (io->res), after it ran. */
void sanitize_bg_done(struct scsi_lu *lu, const struct blk_io *io);
/* A state saved through cfg.save_bg, right after scsi_lu_new() and before any nexus attaches:
 * 1 when a job was running (the LU reports it in progress; call cfg.start_bg to run it again
 * from its start), 0 when it left the LU in sanitize failure mode (or there was none),
 * -EINVAL for a buffer that does not parse (nothing changes), -ENOMEM. */
int sanitize_restore(struct scsi_lu *lu, const void *buf, size_t len);

/* A session that logged in to this LU's target attaches; it gets POWER ON, RESET, OR BUS DEVICE
 * RESET OCCURRED on its first command (except INQUIRY, REPORT LUNS, REQUEST SENSE). */
void scsi_lu_attach(struct scsi_lu *lu, struct scsi_nexus *nx);
/* Detach ends the nexus's SPC-2 reservation (I_T nexus loss); persistent ones survive. */
void scsi_lu_detach(struct scsi_lu *lu, struct scsi_nexus *nx);
/* LUN RESET / TARGET WARM RESET from nexus `by`: every nexus gets a reset unit attention, the
 * tasks of every other nexus are aborted through cfg.abort_nexus (without status, TAS = 0; the
 * transport aborts by's own), SPC-2 reservations are released. Persistent ones survive. */
void scsi_lu_reset(struct scsi_lu *lu, struct scsi_nexus *by);

/* lu may be NULL: the task addresses a LUN that does not exist (task->lun != 0): INQUIRY answers
 * peripheral qualifier 3, REPORT LUNS still lists LUN 0, REQUEST SENSE returns GOOD with LOGICAL
 * UNIT NOT SUPPORTED as its sense parameter data, the rest answer CHECK CONDITION with LOGICAL
 * UNIT NOT SUPPORTED. The task must be zeroed before its In fields are set.
 *
 * Ownership: at SCSI_NEXT_DONE, task->data holds data_len bytes of Data-In (never more than the
 * CDB's allocation length; generated Data-In is at most 64 KiB); the transport clips it to the
 * Expected Data Transfer Length and reports residuals. Commands with Data-Out that end at DONE
 * leave data_len 0. A SCSI_NEXT_DATA_OUT buffer is at most 1 MiB (VERIFY BYTCHK=1), usually a
 * few KiB. Status BUSY means the scsi layer ran out of memory.
 *
 * Range lock (SBC-4 5.2: COMPARE AND WRITE is atomic against every other access to its range).
 * Each LU has a range lock: COMPARE AND WRITE, ORWRITE, WRITE ATOMIC and SANITIZE take an
 * exclusive range; READ, WRITE, VERIFY, WRITE SAME, UNMAP, WRITE AND VERIFY ... take a shared
 * one, which conflicts only with exclusive ranges (so ordinary I/O never waits on ordinary I/O:
 * with no exclusive range held or waiting, taking a shared range is one lock/unlock of lu->lock,
 * once per command). A task holds at most one range; a streamed READ / WRITE holds it until
 * scsi_task_stream_done(), any other command until it returns SCSI_NEXT_DONE.
 * The transport's side of it:
 * - SCSI_NEXT_WAIT from scsi_task_start() or scsi_task_resume(): the task waits for a range.
 *   The scsi layer keeps it on the LU's waiter list; the transport keeps the task alive and does
 *   nothing with it until the scsi layer calls task->wake(task).
 * - task->wake (set by the transport before scsi_task_start; required) is called exactly once
 *   per SCSI_NEXT_WAIT, from whichever thread released the conflicting range (often another
 *   worker's), with lu->lock held: it must not block, must not call into the scsi layer and must
 *   not free the task; it only posts the task to its own worker's loop. The range is already
 *   granted to the task when wake is called. From its own loop, the transport then calls
 *   scsi_task_resume(lu, task) and carries on with the disposition it returns, as usual.
 * - scsi_task_cancel_wait() for aborts (ABORT TASK, LUN RESET, connection loss).
 * - scsi_task_fini() releases whatever range the task holds (or its place on the waiter list),
 *   so an aborted task that never reaches stream_done / DONE does not keep others waiting. */
enum scsi_next scsi_task_start(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next scsi_task_resume(struct scsi_lu *lu, struct scsi_task *task);
/* res: bytes moved, or -errno (EIO -> MEDIUM ERROR, ENOSPC -> SPACE ALLOCATION FAILED WRITE
 * PROTECT, ...). Always returns SCSI_NEXT_DONE. */
enum scsi_next scsi_task_stream_done(struct scsi_lu *lu, struct scsi_task *task, int64_t res);
/* Aborting a task: true if it was waiting for a range (SCSI_NEXT_WAIT); it is then off the
 * waiter list and no wake will come. false: it was not waiting, or its wake has already been
 * called (the grant and the wake happen together under lu->lock), so the posted wake is on its
 * way to the task's loop: keep the task until it arrives (then scsi_task_fini it instead of
 * resuming). Call from the task's own thread. */
bool scsi_task_cancel_wait(struct scsi_lu *lu, struct scsi_task *task);
/* Frees task->data and any private state and releases the task's range (waking waiters); the
 * task may then be reused after zeroing. */
void scsi_task_fini(struct scsi_task *task);

#endif
