/* conn_int.h: the insides of struct iscsi_conn, shared by the files of the connection engine:
 * conn.c (login, command ordering, the tx queue), conn_life.c (phases, references, teardown),
 * conn_ctl.c (control PDUs) and conn_cmd.c (SCSI commands and their data). Not a public header. */
#ifndef RINGSAN_ISCSI_CONN_INT_H
#define RINGSAN_ISCSI_CONN_INT_H

#include "target/iscsi/conn.h"
#include "target/iscsi/text.h"

#define CONN_BURST_SLOTS 2  /* R2T bursts received while the previous one is written */
#define CONN_EXTRA_TASKS 16 /* immediate commands beyond the CmdSN window */
#define CONN_PENDING_MAX 64 /* out-of-order commands held until the CmdSN gap fills */

/* One burst of Data-Out: the unsolicited one (ttt == ISCSI_RSVD_TAG) or one per R2T. */
struct task_burst {
	bool used;
	bool writing; /* its data is on its way to the file */
	uint32_t ttt;
	uint32_t off; /* buffer offset of the burst within the command's data */
	uint32_t len;
	uint32_t got;
	uint32_t exp_datasn;
	uint8_t
	    *buf; /* WRITE: staging buffer for the burst; DATA_OUT: NULL (copied into st.data) */
	uint32_t buf_len; /* bytes asked of task_buf_alloc for buf */
	struct blk_io io;
	struct iscsi_task *task;
};

#define CONN_ITT_BUCKETS 64 /* a power of two */

struct iscsi_task {
	struct iscsi_task *next, *prev; /* the connection's tasks, newest first */
	struct iscsi_task *itt_next;	/* the connection's bucket for this ITT */
	struct iscsi_conn *conn;
	uint32_t itt;
	uint32_t cmdsn;
	uint64_t lun;
	uint32_t edtl; /* Expected Data Transfer Length */
	bool immediate;
	bool aborted; /* by a TMF or a closing connection: finish I/O, send nothing */
	bool responded;
	bool slot_released; /* answered: no longer counted against the CmdSN window */
	bool waiting;	    /* SCSI_NEXT_WAIT: parked until its wake arrives */
	struct conn_wake wake;
	/* Unsolicited data (immediate + Data-Out) that came while the task waited for its range. */
	uint8_t *early;
	uint32_t early_len, early_cap, early_datasn;
	enum scsi_next phase; /* what the SCSI layer asked for last */
	uint64_t needed;      /* bytes the SCSI command moves (for residuals, RFC 7143 11.4.5) */
	struct iscsi_scsi_cmd cmd;
	struct scsi_task st;

	/* Data-Out: what the command takes and where the initiator stands. */
	uint32_t want;	    /* bytes the command consumes: min(edtl, what SCSI needs) */
	uint32_t unsol_len; /* [0, unsol_len) arrives unsolicited */
	uint32_t next_r2t;  /* offset the next R2T asks for */
	uint32_t r2tsn;
	uint32_t placed; /* bytes of [0, want) received and stored or written */
	struct task_burst burst[CONN_BURST_SLOTS + 1]; /* [0] is the unsolicited burst */
	int64_t io_error;			       /* first write error */

	/* Data-In streaming (READ). */
	uint64_t rd_total; /* bytes to send: min(edtl, io_len) */
	uint64_t rd_done;  /* bytes read from the file so far */
	uint64_t rd_sent;  /* bytes queued as Data-In */
	uint32_t datasn;
	uint8_t *rbuf;
	uint32_t rbuf_cap;
	struct blk_io rio;

	uint64_t stamp;		 /* env.cmd_start's */
	enum conn_cmd_kind kind; /* CONN_CMD_READ or _WRITE once it streams disk data */
	bool counted;		 /* env.cmd_done was called */
	unsigned io_inflight;	 /* block I/O owned by this task */
	unsigned tx_inflight;	 /* queued PDUs borrowing this task's buffers */
};

struct pending_cmd {
	struct pending_cmd *next;
	uint32_t cmdsn;
	bool tombstone;	      /* aborted or lost: consumes its CmdSN, runs nothing */
	struct iscsi_pdu pdu; /* owned copies of AHS and data */
};

struct iscsi_conn {
	struct conn_config cfg;
	struct conn_env env;
	enum conn_phase phase; /* changed only by conn_set_phase() */
	unsigned refs;	       /* the daemon's, one per task, one while the LUN's flush runs */

	struct login *login;
	/* env.get_target answered CONN_TARGET_PENDING: the final login response waits here for
	 * conn_login_resume (nothing else is sent meanwhile). */
	bool login_parked;
	struct login_out parked_out;
	struct iscsi_params params;
	bool discovery;
	char initiator_name[224];
	char target_name[224];
	uint8_t isid[6];
	uint16_t tsih;
	struct conn_target target;
	bool have_target; /* from login_done to conn_release_target: taken, and nexus attached */
	bool registered;  /* env.session_add was called: env.session_remove at the end */
	struct scsi_nexus nexus;

	uint32_t peer_mrdsl; /* largest data segment we may send */
	uint32_t statsn;     /* next StatSN to give */
	uint32_t exp_cmdsn;
	uint32_t max_cmdsn;
	uint32_t next_ttt;

	struct iscsi_task *tasks;
	struct iscsi_task
	    *by_itt[CONN_ITT_BUCKETS]; /* tasks by ITT, for each command and Data-Out */
	unsigned ntasks;
	unsigned nactive; /* tasks that took a CmdSN (not immediate) and are not yet freed */
	struct pending_cmd *pending;
	unsigned npending;

	struct conn_tx *tx_head, *tx_tail;

	/* Freed tasks and one-page data buffers, kept for the next commands (conn_cmd.c). */
	struct iscsi_task *spare_tasks;
	void *spare_pages; /* each page starts with the pointer to the next */
	unsigned nspare_tasks, nspare_pages;

	/* Text in full feature phase (SendTargets): the request may come in several PDUs (C bit),
	 * the answer may leave in several (C bit + TTT, RFC 7143 11.10.2). */
	struct text_in text_req;
	uint32_t text_itt;
	uint8_t *text_out;
	uint32_t text_len, text_off, text_ttt;

	/* Logout (CONN_LOGOUT_WAIT) and TMF responses wait for the tasks they end to drain. */
	struct iscsi_logout_req logout_req;
	bool tmf_pending;
	struct iscsi_tmf_req tmf_req;
	uint8_t tmf_response;
	bool tmf_fill_gap;

	uint64_t last_rx_ms;
	uint64_t started_ms;	   /* conn_new: the login's deadline counts from here */
	uint16_t login_status;	   /* the failure status of a failed login, else 0 */
	const char *login_reason;  /* its reason (static), else NULL */
	char close_reason[96];	   /* why it is closing: the first reason given */
	uint64_t nop_sent_ms;	   /* 0: no ping outstanding */
	uint64_t ping_deadline_ms; /* conn_ping's own deadline for it; 0: nop_timeout applies */
	uint32_t nop_ttt;
	/* The LUN's file is flushed before the LUN goes back (conn_life.c). */
	bool flush_inflight;
	struct blk_io flush_io;
};

/* conn.c */
void conn_queue(struct iscsi_conn *c, struct conn_tx *tx);
struct conn_tx *conn_tx_new(struct iscsi_conn *c, uint32_t data_len);
void conn_tx_finish_hdr(struct iscsi_conn *c, struct conn_tx *tx);
void conn_send_reject(struct iscsi_conn *c, const uint8_t bhs[BHS_LEN], uint8_t reason);
uint32_t conn_take_statsn(struct iscsi_conn *c);
void conn_window_update(struct iscsi_conn *c);
/* Held commands (CmdSN gap): find by ITT, or mark a CmdSN as received without a command. */
bool conn_pending_abort(struct iscsi_conn *c, uint32_t itt);
void conn_cmdsn_received(struct iscsi_conn *c, uint32_t cmdsn);
void conn_pending_free(struct iscsi_conn *c);

/* conn_life.c */
bool conn_set_phase(struct iscsi_conn *c, enum conn_phase to);
/* FULL_FEATURE or LOGOUT_WAIT: commands are still received and answered. */
bool conn_in_full_feature(const struct iscsi_conn *c);
void conn_get(struct iscsi_conn *c);
void conn_put(struct iscsi_conn *c);
void conn_release_target(struct iscsi_conn *c);
bool conn_lun_needs_flush(const struct iscsi_conn *c);
void conn_lun_flush_start(struct iscsi_conn *c);
void conn_close_step(struct iscsi_conn *c);

/* conn_ctl.c */
void conn_nop_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void conn_tmf_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void conn_logout_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void conn_text_req(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
/* After a task went: a TMF or Logout response that waited for it, or the next closing step. */
void conn_check_waiters(struct iscsi_conn *c);
/* LOGOUT_WAIT with no task left and the LUN flushed: the response goes, -> LOGGED_OUT. */
void conn_logout_respond(struct iscsi_conn *c);

/* conn_spares.c: freed tasks and one-page buffers kept for the connection's next commands. */
/* A zeroed task, or NULL. */
struct iscsi_task *conn_spares_task(struct iscsi_conn *c);
void conn_spares_task_free(struct iscsi_conn *c, struct iscsi_task *t);
/* A page-aligned buffer of at least len bytes (a whole number of pages, so that a LUN with
 * cache = direct can hand it to O_DIRECT as it is), or NULL. */
void *conn_spares_buf(struct iscsi_conn *c, uint32_t len);
/* buf came from conn_spares_buf(c, len), or is NULL. */
void conn_spares_buf_free(struct iscsi_conn *c, void *buf, uint32_t len);
/* Frees the kept tasks and buffers: when the connection goes. */
void conn_spares_free(struct iscsi_conn *c);

/* conn_cmd.c */
void conn_cmd_scsi(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void conn_cmd_data_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu);
void conn_cmd_tx_done(struct iscsi_task *t);
struct iscsi_task *conn_cmd_find_task(struct iscsi_conn *c, uint32_t itt);
void conn_cmd_abort_task(struct iscsi_task *t);
/* Tasks of a closing connection: drop those with nothing in flight, mark the rest. */
void conn_cmd_reap(struct iscsi_conn *c);
/* The task was answered (or, at its free, never was): tell env.cmd_done once. */
void conn_cmd_count(struct iscsi_task *t);

#endif
