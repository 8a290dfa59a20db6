/* conn.h: one iSCSI connection from its first login PDU to its close (RFC 7143). With
 * MaxConnections=1 a connection is its session, so the full-feature state (CmdSN window, task
 * table, StatSN) lives here too.
 *
 * Pure: PDUs in (conn_recv), PDUs out (the tx queue the daemon drains), block I/O through the
 * worker's struct blk_queue, time through conn_tick(now). Everything the engine cannot know by
 * itself (which targets exist, who may log in, other sessions on other workers) it asks through
 * struct conn_env. All calls for one connection happen on one thread. */
#ifndef RINGSAN_ISCSI_CONN_H
#define RINGSAN_ISCSI_CONN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "target/block/blk.h"
#include "target/iscsi/login.h"
#include "target/iscsi/pdu.h"
#include "target/scsi/scsi.h"

struct iscsi_conn;
struct iscsi_task;

/* A waiting task's wake-up, embedded in the task, queued by the daemon from another thread. */
struct conn_wake {
	struct conn_wake *next;
	struct iscsi_conn *conn;
	struct iscsi_task *task;
};

/* One PDU queued for sending: header (BHS + header digest), then an optional data segment
 * followed by padding and data digest. The data is either borrowed from a task (task != NULL: the
 * task is told when the PDU has gone) or owned (freed after sending). */
struct conn_tx {
	struct conn_tx *next;
	uint8_t hdr[BHS_LEN + 4];
	uint32_t hdr_len;
	const uint8_t *data;
	uint32_t data_len;
	uint8_t trailer[8]; /* padding (0..3) + data digest (0 or 4) */
	uint32_t trailer_len;
	struct iscsi_task *task;
	uint8_t *owned;
};

/* Limits and defaults the daemon takes from [server]. */
struct conn_config {
	uint32_t queue_depth;	   /* CmdSN window: commands in flight per session */
	uint32_t nop_interval_ms;  /* ping an idle connection after this long; 0 = never */
	uint32_t nop_timeout_ms;   /* drop it when the ping is not answered in this long */
	uint32_t login_timeout_ms; /* a whole login, from conn_new; 0 = 30 s */
	uint32_t read_chunk;	   /* bytes read from the file per step of a READ */
	struct iscsi_target_limits limits;
};

/* A target as a session sees it once logged in: the LU and its backing file. The daemon keeps it
 * alive until env->put_target. */
struct conn_target {
	struct scsi_lu *lu;
	struct blk_dev *dev;
	void *handle; /* the daemon's reference */
};

/* The connection's life, one phase at a time. conn.c's transition table lists the moves allowed
 * (anything else is refused and logged); each move is logged at debug level as "from -> to".
 *
 *   LOGIN -> FULL_FEATURE -> LOGOUT_WAIT -> LOGGED_OUT -> CLOSING -> [FLUSHING] -> CLOSED -> FREED
 *
 * LOGIN, FULL_FEATURE and LOGOUT_WAIT may also end in LOGGED_OUT (a refused login, a target cold
 * reset) or in CLOSING (an error, the peer gone, a kill, the target stopping). The connection is
 * freed at its last reference: the daemon's (conn_free), one per task, one for the LUN's flush. */
enum conn_phase {
	CONN_LOGIN,	   /* login phase */
	CONN_FULL_FEATURE, /* full feature phase */
	CONN_LOGOUT_WAIT,  /* Logout received: its response waits for the tasks and the LUN's flush
			    */
	CONN_LOGGED_OUT,   /* a last response is queued (logout, refused login, cold reset): close
			      once it is sent */
	CONN_CLOSING,	   /* tasks aborted, nothing more sent: waits for the block I/O in flight */
	CONN_FLUSHING, /* the LUN's file is flushed on env.bq before it goes back to the daemon */
	CONN_CLOSED,   /* nothing in flight: the daemon may close the socket and conn_free() */
	CONN_FREED,    /* the last reference went (only env.phase_changed sees it) */
};

const char *conn_phase_name(enum conn_phase p);

/* What a SCSI command did, told to the daemon when it is answered (its status queued) for the
 * status and metrics counters. */
enum conn_cmd_kind {
	CONN_CMD_READ,	  /* disk data streamed to the initiator (READ 6/10/12/16) */
	CONN_CMD_WRITE,	  /* data from the initiator streamed to the disk (WRITE 6/10/12/16 ...) */
	CONN_CMD_OTHER,	  /* every other command */
	CONN_CMD_ABORTED, /* never answered (aborted by a TMF, or the connection closed) */
};

struct conn_cmd_stat {
	uint64_t stamp; /* what env.cmd_start returned for this command */
	enum conn_cmd_kind kind;
	uint64_t bytes; /* disk data moved: read from the file, or written to it */
	bool good;	/* status GOOD (or a UNIT ATTENTION: news, not a failure) */
	void *target;	/* the session's conn_target.handle (NULL in discovery sessions) */
};

struct conn_env {
	void *ctx;
	struct blk_queue *bq;
	/* Login-time questions, answered by the daemon (target table, ACLs, CHAP secrets). */
	const struct login_ops *login_ops;
	void *login_ctx;
	/* The login completed for target_name: take a reference on its LU. 0, a login status, or
	 * CONN_TARGET_PENDING: the LU is being made ready off this thread (its storage connects);
	 * the login's last response waits until the daemon calls conn_login_resume, which asks
	 * again. */
	int (*get_target)(void *ctx, const char *target_name, struct conn_target *out);
	void (*put_target)(void *ctx, struct conn_target *t);
	/* Register a new session (initiator name + ISID): returns its TSIH, and ends any older
	 * session with the same initiator name and ISID (reinstatement, RFC 7143 6.3.5). */
	uint16_t (*session_add)(void *ctx, struct iscsi_conn *c);
	void (*session_remove)(void *ctx, struct iscsi_conn *c);
	/* The SendTargets answer for this initiator (text, NUL-separated keys), built with
	 * sendtargets_build(): 0, or -EINVAL for "All" outside a discovery session (answered
	 * SendTargets=Reject, RFC 7143 appendix C). */
	int (*send_targets)(void *ctx, struct iscsi_conn *c, const char *which, uint8_t *out,
			    uint32_t cap, uint32_t *len);
	/* A task waiting for a range lock may go on (scsi.h "Range lock"). Called from ANY thread,
	 * under the LU's lock: only link w into a queue of c's own loop (w->next is free for that;
	 * w stays valid until conn_task_woken), which then calls conn_task_woken(w). */
	void (*wake_task)(void *ctx, struct conn_wake *w);
	/* The tx queue got PDUs outside a conn_recv call (I/O completion), or the LUN's flush of a
	 * closing connection is done (CONN_CLOSED): flush it, or close it, soon. */
	void (*kick)(void *ctx, struct iscsi_conn *c);
	/* Peer address, for logs. */
	const char *peer;
	/* Optional: every phase change, after it is made (tests read the sequence from it). */
	void (*phase_changed)(void *ctx, struct iscsi_conn *c, enum conn_phase from,
			      enum conn_phase to);
	/* Optional: a SCSI command arrived; the value returned (the daemon's clock) comes back in
	 * cmd_done's stamp. Every command started is done exactly once, until conn_free. */
	uint64_t (*cmd_start)(void *ctx);
	void (*cmd_done)(void *ctx, const struct conn_cmd_stat *st);
};

#define CONN_TARGET_PENDING (-EINPROGRESS)

struct iscsi_conn *conn_new(const struct conn_config *cfg, const struct conn_env *env,
			    uint64_t now_ms);
/* The daemon lets go of the connection (closing it first if it was not): it is freed at once if
 * nothing is in flight, else at the last completion. The daemon calls it in CONN_CLOSED, so the
 * connection is gone when it returns; env callbacks of a connection freed later (put_target,
 * session_remove) must not need the daemon's per-connection state. */
void conn_free(struct iscsi_conn *c);

/* A login parked by CONN_TARGET_PENDING goes on: env.get_target is asked again (it must now
 * answer 0 or a login status) and the last login response is queued. false, with nothing
 * asked, when the connection no longer waits (it closed meanwhile). */
bool conn_login_resume(struct iscsi_conn *c);
/* The login waits for CONN_TARGET_PENDING to be resolved. */
bool conn_login_parked(const struct iscsi_conn *c);

/* One whole received PDU (the framer's output). Returns 0, or -EPROTO when the connection must be
 * dropped (the reason is logged). */
int conn_recv(struct iscsi_conn *c, const struct iscsi_pdu *pdu, uint64_t now_ms);
/* The framer saw a data digest error on a PDU with this header: Reject it (RFC 7143 7.8). */
void conn_data_digest_error(struct iscsi_conn *c, const uint8_t bhs[BHS_LEN]);
/* Timers: NOP-In pings and the drop of a dead peer. Returns the ms until the next call is due. */
uint32_t conn_tick(struct iscsi_conn *c, uint64_t now_ms);
/* Pings the initiator now (NOP-In, RFC 7143 11.19) unless a ping is outstanding, whatever the
 * idle time, and drops the connection when no answer came within timeout_ms (0: nop_timeout, when
 * pings are on). A peer whose stack resets connections it does not know ends it at once. Full
 * feature phase only. */
void conn_ping(struct iscsi_conn *c, uint64_t now_ms, uint32_t timeout_ms);

/* On the connection's own thread, for each w that env.wake_task posted. */
void conn_task_woken(struct conn_wake *w);

/* The tx queue: the daemon takes PDUs off the head, sends them, then calls conn_tx_done. */
struct conn_tx *conn_tx_head(struct iscsi_conn *c);
void conn_tx_pop(struct iscsi_conn *c);
void conn_tx_done(struct iscsi_conn *c, struct conn_tx *tx);

enum conn_phase conn_phase(const struct iscsi_conn *c);
/* Digests negotiated for the framer (switch them on after the last login response is sent). */
bool conn_header_digest(const struct iscsi_conn *c);
bool conn_data_digest(const struct iscsi_conn *c);
/* Largest data segment we accept: the framer's cap. */
uint32_t conn_max_recv_data(const struct iscsi_conn *c);

/* PREEMPT AND ABORT from another session: end every task of this session, without status
 * (TAS=0), as ABORT TASK SET would. On the connection's own thread. */
void conn_abort_tasks(struct iscsi_conn *c);
const struct scsi_nexus *conn_nexus(const struct iscsi_conn *c);
/* The env.ctx the connection was made with. */
void *conn_env_ctx(const struct iscsi_conn *c);
/* For the daemon's registry and logs. */
const char *conn_initiator_name(const struct iscsi_conn *c);
/* During login: the InitiatorName the initiator gave ("" before its first request). */
const char *conn_login_initiator(const struct iscsi_conn *c);
/* The status of a failed login (ISCSI_LOGIN_STATUS_*), 0 while none failed. */
uint16_t conn_login_status(const struct iscsi_conn *c);
/* Why the login failed (a static string), NULL while none failed. */
const char *conn_login_reason(const struct iscsi_conn *c);
/* During or after login: the TargetName the initiator asked for ("" before its first request). */
const char *conn_login_target(const struct iscsi_conn *c);
/* The login's negotiated parameters (final once the login completed). */
const struct iscsi_params *conn_login_params(const struct iscsi_conn *c);
/* Why the connection is closing or closed ("" before). */
const char *conn_close_reason(const struct iscsi_conn *c);
const char *conn_target_name(const struct iscsi_conn *c);
/* A discovery session (SessionType=Discovery): it may ask SendTargets=All. */
bool conn_is_discovery(const struct iscsi_conn *c);
const uint8_t *conn_isid(const struct iscsi_conn *c);
uint16_t conn_tsih(const struct iscsi_conn *c);
/* A protocol error the daemon saw (framing): logged as a warning; -> CLOSING. */
void conn_fail(struct iscsi_conn *c, const char *reason);
/* Another session replaced this one, the peer went, or the daemon is stopping: -> CLOSING. */
void conn_shutdown(struct iscsi_conn *c, const char *why);
/* As conn_shutdown, logged at debug level only: the daemon's admission control counts these. */
void conn_drop(struct iscsi_conn *c, const char *why);
/* During login: the next request carries the CHAP response (login_awaits_chap_response). */
bool conn_awaits_chap_response(const struct iscsi_conn *c);
/* The login authenticated the initiator with CHAP. */
bool conn_chap_passed(const struct iscsi_conn *c);
/* No block I/O is in flight (tasks', or the LUN's flush). */
bool conn_idle(const struct iscsi_conn *c);

#endif
