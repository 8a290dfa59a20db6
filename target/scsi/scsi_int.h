/* scsi_int.h: what the files of target/scsi/ share and nobody else sees: the LU object, the task
 * completion helpers and the command handlers the CDB table points at. */
#ifndef RINGSAN_SCSI_SCSI_INT_H
#define RINGSAN_SCSI_SCSI_INT_H

#include <stdatomic.h>

#include "target/scsi/cdb.h"
#include "target/scsi/pr.h"
#include "target/scsi/scsi.h"
#include "target/scsi/sense.h"

/* An opcode the code outside the CDB table tests by value (SBC-4 5.30). */
#define SCSI_OP_SANITIZE 0x48

/* Limits we advertise (VPD 0xB0) and enforce. */
#define SCSI_MAX_XFER_BYTES   (32u << 20) /* MAXIMUM TRANSFER LENGTH, streamed commands */
#define SCSI_OPT_XFER_BYTES   (1u << 20)  /* OPTIMAL TRANSFER LENGTH */
#define SCSI_MAX_BUFFER_BYTES (1u << 20)  /* commands buffered whole: VERIFY BYTCHK=1, ... */
#define SCSI_FS_BLOCK_BYTES   4096u	  /* file systems allocate (and punch) in 4 KiB */
#define SCSI_DATAIN_MAX	      65536u	  /* largest generated Data-In (RSOC, VPD, mode) */
#define SCSI_UNMAP_MAX_DESC   256u	  /* MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT */
#define SCSI_UNMAP_MAX_LBAS                                                                        \
	0xffffffffu			  /* MAXIMUM UNMAP LBA COUNT: no limit (a punch is         \
					   * cheap whatever its size) */
#define SCSI_WSAME_MAX_BYTES   (1u << 30) /* MAXIMUM WRITE SAME LENGTH, in bytes (pattern) */
#define SCSI_WSAME_CHUNK_BYTES (1u << 20) /* WRITE SAME pattern writes go out in these pieces */
#define SCSI_CAW_MAX_BYTES                                                                         \
	(256u << 10)			 /* COMPARE AND WRITE: at most this much to compare        \
					  * (and as much to write), and 255 blocks */
#define SCSI_ATOMIC_MAX_BYTES (1u << 20) /* WRITE ATOMIC: buffered whole, one write */

/* Third-party copy (xcopy.c), reported by RECEIVE COPY RESULTS and VPD 8Fh. */
#define XCOPY_MAX_TARGETS   8u	/* MAXIMUM TARGET (CSCD) DESCRIPTOR COUNT */
#define XCOPY_MAX_SEGMENTS  64u /* MAXIMUM SEGMENT DESCRIPTOR COUNT */
#define XCOPY_MAX_DESC_LIST (XCOPY_MAX_TARGETS * 32u + XCOPY_MAX_SEGMENTS * 28u)
#define XCOPY_CHUNK_BYTES   (64u << 20) /* one BLK_COPY step (copy_file_range) at most */
#define XCOPY_HELD_RESULTS  16u		/* copy status kept for RECEIVE COPY RESULTS */

/* MAXIMUM COMPARE AND WRITE LENGTH in blocks (VPD 0xB0 byte 5, one byte). */
static inline uint32_t scsi_caw_max_blocks(uint32_t block_size)
{
	uint32_t n = SCSI_CAW_MAX_BYTES / block_size;
	return n > 255 ? 255 : n;
}

/* The status of one EXTENDED COPY for RECEIVE COPY RESULTS (SPC-4 6.18.3), per I_T nexus and
 * list identifier. */
struct xcopy_result {
	const struct scsi_nexus *nexus; /* NULL: a free slot */
	uint8_t list_id;
	uint8_t status; /* COPY MANAGER STATUS: 0 in progress, 1 done, 2 done with errors */
	uint16_t segments;
	uint64_t bytes;
};

struct scsi_lu {
	struct scsi_lu_config cfg;
	struct blk_dev *dev;
	pthread_mutex_t lock;	     /* guards nexuses and every nexus's ua_pending */
	_Atomic uint64_t size_bytes; /* capacity; changed by scsi_lu_set_size() */
	struct scsi_nexus *nexuses;
	bool d_sense;	 /* control mode page D_SENSE: descriptor format sense */
	atomic_bool swp; /* control mode page SWP (SPC-4 7.5.8): software write protect */
	/* range lock (lu_range.c), under lock: held ranges by kind, and the FIFO of waiters */
	struct scsi_task *rl_shared, *rl_shared_tail, *rl_excl, *rl_excl_tail;
	struct scsi_task *rl_wait_head, *rl_wait_tail;
	unsigned rl_excl_busy; /* exclusive ranges held or waiting; 0: shared fast path */
	/* reservations (pr.c), under lock */
	bool space_low;			/* scsi_lu_space_low() raised 38/07 and was not re-armed */
	struct scsi_nexus *spc2_holder; /* SPC-2 RESERVE(6/10) holder, or NULL */
	struct pr_state pr;
	pthread_mutex_t pr_save_lock;		       /* orders APTPL saves; taken before lock */
	struct xcopy_result xcopy[XCOPY_HELD_RESULTS]; /* under lock */
	/* SANITIZE (sanitize.c), under lock; sanitize_state is read without it first as a hint */
	_Atomic uint8_t sanitize_state; /* enum sanitize_state */
	bool sanitize_ause;		/* the last failed sanitize allows EXIT FAILURE MODE */
	uint64_t sanitize_done, sanitize_total; /* bytes, for the progress indication */
	struct san_job *bg;	     /* the running job; its fields belong to its thread */
	struct scsi_task *bg_waiter; /* a SANITIZE without IMMED waiting for the end */
};

enum sanitize_state { SANITIZE_IDLE, SANITIZE_RUNNING, SANITIZE_FAILED };

/* Capacity in logical blocks. */
uint64_t scsi_lu_blocks(struct scsi_lu *lu);
/* Takes (and clears) the highest-priority pending unit attention of nx. */
bool scsi_lu_ua_take(struct scsi_lu *lu, struct scsi_nexus *nx, struct sense *out);
/* Clears the given unit attentions of nx without reporting them. */
void scsi_lu_ua_clear(struct scsi_lu *lu, struct scsi_nexus *nx, uint32_t ua);

/* Task endings. Each returns SCSI_NEXT_DONE. */
enum scsi_next scsi_task_fail(struct scsi_lu *lu, struct scsi_task *task, struct sense s);
enum scsi_next scsi_task_good(struct scsi_task *task);
enum scsi_next scsi_task_busy(struct scsi_task *task);
/* Allocates a zeroed Data-In buffer of len bytes (len <= SCSI_DATAIN_MAX) as task->data. */
uint8_t *scsi_task_datain(struct scsi_task *task, uint32_t len);
/* GOOD with min(generated, allocation length) bytes of task->data as Data-In. */
enum scsi_next scsi_task_datain_done(struct scsi_task *task, uint32_t generated,
				     uint32_t alloc_len);
/* Drops task->data (a Data-Out buffer that was consumed). */
void scsi_task_data_free(struct scsi_task *task);
/* Sets up SCSI_NEXT_DATA_OUT for len bytes into a fresh task->data; BUSY when out of memory. */
enum scsi_next scsi_task_data_out(struct scsi_task *task, uint32_t len);
/* lu_range.c: takes [lba, lba + n) for the task, exclusive or shared. true: held (also when the
 * task already holds it, i.e. it was granted while waiting and runs again). false: the task
 * waits (the handler returns scsi_task_wait()). n == 0 takes nothing. */
bool lu_range_lock(struct scsi_lu *lu, struct scsi_task *task, uint64_t lba, uint64_t n, bool excl);
/* Releases the task's range or its place among the waiters; any thread. */
void lu_range_unlock(struct scsi_task *task);
/* SCSI_NEXT_WAIT after a refused lu_range_lock(); BUSY for a transport without task->wake. */
enum scsi_next scsi_task_wait(struct scsi_task *task);
/* Whether the task holds or waits for a range (a wait in a start handler that must run again). */
bool lu_range_engaged(const struct scsi_task *task);
/* Aborting: true when the task was waiting for a range (it no longer is), under lu->lock. */
bool lu_range_cancel_wait_locked(struct scsi_lu *lu, struct scsi_task *task);

/* Range check of SBC-4 4.5: LBA + count within the capacity. */
bool scsi_lu_range_ok(struct scsi_lu *lu, uint64_t lba, uint64_t count);

/* spc.c */
enum scsi_next spc_test_unit_ready(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next spc_request_sense(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next spc_inquiry(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next spc_report_luns(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next spc_start_stop_unit(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next spc_prevent_allow(struct scsi_lu *lu, struct scsi_task *task);
/* spc_rsoc.c */
enum scsi_next spc_report_supported_opcodes(struct scsi_lu *lu, struct scsi_task *task);
/* vpd.c: INQUIRY with EVPD=1 */
enum scsi_next vpd_inquiry(struct scsi_lu *lu, struct scsi_task *task, uint8_t page,
			   uint32_t alloc_len);
/* mode.c */
enum scsi_next mode_sense(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next mode_select(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next mode_select_resume(struct scsi_lu *lu, struct scsi_task *task);
/* sbc.c: the LBA / transfer length fields of the READ, WRITE, VERIFY, SYNCHRONIZE CACHE
 * families (by the CDB's group code), and which CDB byte holds the transfer length. */
struct rw {
	uint64_t lba;
	uint32_t blocks;
	uint8_t len_byte;
};
struct rw sbc_decode_rw(const uint8_t *cdb);
/* No protection information, no RARC, at most max_bytes, within the capacity. */
bool sbc_rw_check(struct scsi_lu *lu, const uint8_t *cdb, const struct rw *rw, uint64_t max_bytes,
		  struct sense *err);
enum scsi_next sbc_read_capacity10(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_read_capacity16(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_read(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_write(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_verify(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_verify_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_sync_cache(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_io_resume(struct scsi_lu *lu, struct scsi_task *task);
/* pr.c: PERSISTENT RESERVE IN / OUT, RESERVE / RELEASE (6/10), and the conflict check every
 * command goes through (SPC-4 5.9.1, 5.9.3). */
enum scsi_next pr_in(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next pr_out(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next pr_out_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next pr_spc2_reserve(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next pr_spc2_release(struct scsi_lu *lu, struct scsi_task *task);
bool pr_conflict(struct scsi_lu *lu, const struct scsi_task *task, const struct scsi_cmd *cmd);
/* EXTENDED COPY to or from another LU (xcopy.c): whether the initiator named `initiator` has an
 * I_T nexus attached to lu (a session that passed lu's ACL and CHAP) through which it may read
 * (write false) or write lu now, by the same table as pr_conflict(). OK: at least one such
 * nexus may; NONE: no nexus of that name is attached; CONFLICT: every one of them conflicts.
 * Takes lu->lock; keeps no reference to any nexus. */
enum pr_reach { PR_REACH_OK, PR_REACH_NONE, PR_REACH_CONFLICT };
enum pr_reach pr_copy_access(struct scsi_lu *lu, const char *initiator, bool write);
bool pr_all_regs(uint8_t type);
/* The registration of the nexus on port, or -1. */
int pr_find(const struct pr_state *st, const char *port);
/* Whether registration idx holds the reservation (every registrant of an all-registrants one). */
bool pr_is_holder(const struct pr_state *st, int idx);

/* sbc_compare.c: COMPARE AND WRITE, ORWRITE, WRITE ATOMIC(16) */
enum scsi_next sbc_compare_and_write(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_compare_and_write_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_orwrite(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_orwrite_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_write_atomic(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_write_atomic_resume(struct scsi_lu *lu, struct scsi_task *task);
/* sbc_media.c: PRE-FETCH(10/16), READ DEFECT DATA(10/12) */
enum scsi_next sbc_prefetch(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_read_defect_data(struct scsi_lu *lu, struct scsi_task *task);
/* sbc_thin.c */
enum scsi_next sbc_unmap(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_unmap_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_write_same(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_write_same_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_get_lba_status(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sbc_get_lba_status_resume(struct scsi_lu *lu, struct scsi_task *task);

/* sanitize.c: SANITIZE (SBC-4 5.30) */
enum scsi_next sanitize_start(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next sanitize_resume(struct scsi_lu *lu, struct scsi_task *task);
/* Whether a running or failed sanitize stops cmd (SBC-4 4.11); *out is the sense then. While
 * one runs, *out is set even for the commands it does not stop (for REQUEST SENSE). */
bool sanitize_blocks(struct scsi_lu *lu, const struct scsi_cmd *cmd, struct sense *out);
/* Aborting: true when task was the SANITIZE waiting for the job's end (it no longer is), under
 * lu->lock. The job goes on. */
bool sanitize_cancel_wait_locked(struct scsi_lu *lu, struct scsi_task *task);
/* Frees the job of a LU that is being freed (its daemon thread has stopped). */
void sanitize_free_job(struct scsi_lu *lu);

/* xcopy.c: EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (SPC-4 6.4, 6.18) */
enum scsi_next xcopy_extended_copy(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next xcopy_extended_copy_resume(struct scsi_lu *lu, struct scsi_task *task);
enum scsi_next xcopy_receive_copy_results(struct scsi_lu *lu, struct scsi_task *task);
/* The third-party copy VPD page (8Fh) body after its 4-byte header; returns the page length. */
uint32_t xcopy_vpd(struct scsi_lu *lu, uint8_t *d);
/* Forgets the copy results held for nx (on detach; under lu->lock). */
void xcopy_forget_nexus(struct scsi_lu *lu, const struct scsi_nexus *nx);

/* LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (SBC-4 5.21.2): log2(physical / logical). */
static inline uint8_t scsi_lu_lbppb_exponent(const struct scsi_lu *lu)
{
	uint8_t e = 0;
	while ((lu->cfg.block_size << e) < lu->cfg.physical_block_size)
		e++;
	return e;
}

/* OPTIMAL TRANSFER LENGTH GRANULARITY and OPTIMAL UNMAP GRANULARITY (VPD B0h), in logical
 * blocks: the physical block, but never less than the 4 KiB the file system allocates in (a
 * 512-byte LU with 512-byte physical blocks still advises 4 KiB, as it always has). A multiple
 * of the physical block either way. */
static inline uint32_t scsi_lu_granularity_blocks(const struct scsi_lu *lu)
{
	uint32_t g = lu->cfg.physical_block_size;
	return (g > SCSI_FS_BLOCK_BYTES ? g : SCSI_FS_BLOCK_BYTES) / lu->cfg.block_size;
}

/* Whether the thin-provisioning commands are on for this LU (config thin and not read-only
 * does not matter: a read-only thin LU still reports its provisioning). */
static inline bool scsi_lu_thin(const struct scsi_lu *lu)
{
	return lu->cfg.thin;
}

#endif
