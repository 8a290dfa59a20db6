/* luns.h: the targets the daemon serves: one per LUN directory of the data dir, named
 * BASE_IQN:NAME, each with its open backing file, its block device and its SCSI logical unit.
 * Shared by every worker; guarded by one mutex (taken at login, logout and reload, never per
 * command).
 *
 * Locking: the backing file carries a shared OFD lock while at least one session is logged in
 * to it, so `ringsan lun resize/rm` refuse a disk in use and work on one that is not. The first
 * login takes the lock (failing with "service unavailable" while a CLI command holds it), checks
 * the file is still the one in the data dir, and re-reads its size.
 *
 * Reload (SIGHUP, or the CLI after create/resize/rm) re-reads the data dir and the config: new
 * LUNs are served, grown ones raise CAPACITY DATA HAS CHANGED, removed ones accept no new logins
 * and close once their last session ends. */
#ifndef RINGSAN_DAEMON_LUNS_H
#define RINGSAN_DAEMON_LUNS_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "common/config.h"
#include "common/lunfile.h"
#include "target/daemon/stats.h"
#include "target/iscsi/login.h"
#include "target/scsi/scsi.h"

struct lun_entry {
	struct lun_entry *next;
	struct lun_table *table;
	char iqn[IQN_MAX_LEN + NAME_MAX_LEN + 2];
	struct lunfile lf;
	struct blk_dev dev;
	struct scsi_lu *lu;
	/* From [lun NAME] (copied, so a reload can replace the config). */
	bool read_only;
	bool as_base;		      /* the base image of overlays: served read-only */
	uint32_t physical_block_size; /* as served; 0 = the logical block size */
	char **acl;
	unsigned acl_count;
	struct login_target_info auth;
	unsigned refs;	   /* sessions using it, plus one while it is in the data dir */
	unsigned sessions; /* logged-in sessions (and a running background job): the OFD lock is
			    * held while > 0 */
	bool removed;
	/* A LUN on other storage connecting for its first login (luns_open.h): the connecting
	 * thread holds a use; the logins that came meanwhile wait in waiters. */
	bool opening;
	struct luns_wait *waiters;
	uint64_t uses; /* use_entry() calls so far: a flush at the last put sees if others came */
	bool flushed;  /* the last put flushed the file already */
	/* The LU's background job (sanitize): its thread runs while bg_running; bg_again tells it
	 * to look for a new job before it ends. Under the table's lock. */
	bool bg_running, bg_again;
	_Atomic uint32_t sanitize_rate; /* [lun] sanitize_rate, bytes per second; 0 = no limit */
	/* What its sessions did: one shard per worker (stats.h), and the main thread's samples. */
	struct stats_io *shards;
	unsigned nshards;
	struct stats_window *window;
};

struct lun_table {
	pthread_mutex_t lock;
	struct lun_entry *head;
	char data_dir[PATH_MAX];
	char base_iqn[IQN_MAX_LEN + 1];
	/* The shared LUNs of a cluster ([cluster] shared_dir): the table reads fixed_dir instead of
	 * the data dir, and a writable LUN's file is locked exclusively while this node serves it,
	 * so that no two nodes ever serve it at once; the node's name (holder) is then written to
	 * NAME/serving for the others to redirect to. */
	char fixed_dir[PATH_MAX];
	bool exclusive;
	char holder[NAME_MAX_LEN + 1];
	/* Discovery CHAP ([server] discovery_chap_*). */
	struct login_target_info discovery;
	/* PREEMPT AND ABORT: end the tasks of a preempted nexus (the server posts it to the
	 * nexus's worker). Called under the LU's lock from any thread. */
	void (*abort_nexus)(void *ctx, struct scsi_nexus *nx);
	void *abort_ctx;
	/* Background threads (one per LU with a sanitize running, one per LUN connecting to its
	 * storage); luns_fini stops the first and waits for the others. */
	unsigned bg_threads;
	pthread_cond_t bg_cond; /* signalled when one ends */
	_Atomic bool bg_stop;
	unsigned nshards; /* the workers: each LUN counts per worker (set before the first sync) */
};

#define LUNS_PR_FILE "pr.state"	      /* persistent reservations (APTPL), beside disk.img */
#define LUNS_BG_FILE LUNFILE_SANITIZE /* a sanitize running or failed, beside disk.img */

void luns_init(struct lun_table *t);
/* Brings the table in line with the data dir and cfg. Returns the number of LUNs served, or
 * -errno with err set when the data dir cannot be read. LUNs that cannot be opened (in use by a
 * CLI command, unreadable) are logged and skipped. */
int luns_sync(struct lun_table *t, const struct config *cfg, char *err, size_t errlen);
/* Empties overlay name (lunfile_overlay_reset) only if no session uses it, under the table's
 * lock so that no login takes it meanwhile; then serves it afresh through luns_sync (a reset may
 * move it onto its base's successor). 0, -EBUSY (in use: retry later), or -errno with err set. */
int luns_reset_overlay(struct lun_table *t, const struct config *cfg, const char *name, char *err,
		       size_t errlen);
/* Stops the background jobs (a sanitize resumes at the next start), then closes every LUN (after
 * fdatasync). Sessions must be gone. */
void luns_fini(struct lun_table *t);

/* For the login: 0 and auth info, or ISCSI_LOGIN_STATUS_NOT_FOUND / _NOT_AUTHORIZED. */
int luns_authorize(struct lun_table *t, const char *target_iqn, const char *initiator,
		   struct login_target_info *out);
/* A login waiting for a LUN whose storage connects (luns_get with a wait). */
struct luns_wait {
	/* Called once from the connecting thread, without the table's lock, when the LUN is
	 * ready or failed: it only hands w to the waiter's own thread. */
	void (*done)(struct luns_wait *w);
	/* Set before done is called: 0 with a use of entry taken for the waiter (luns_put it),
	 * or a login status (SERVICE_UNAVAILABLE, the reason logged). */
	int status;
	struct lun_entry *entry;
	/* The table's own, under its lock: */
	struct lun_table *table;
	struct luns_wait *next;
	bool queued;
};

#define LUNS_PENDING (-EINPROGRESS)

/* Takes a reference on a served LUN by target IQN for a session (taking the file's shared lock
 * for the first one). 0, or a login status: NOT_FOUND, SERVICE_UNAVAILABLE (a CLI command holds
 * the LUN, or its storage refused). A LUN on other storage connects at its first use: with
 * wait, that happens on a thread of its own and LUNS_PENDING is returned (also while another
 * login's connect is under way): wait->done comes when it ends. Without wait, the connect
 * blocks the caller (at most a few seconds). */
int luns_get(struct lun_table *t, const char *target_iqn, struct luns_wait *wait,
	     struct lun_entry **out);
/* The waiter went away before its answer: true when wait was still queued (it is removed:
 * done never comes); false when done has come or is coming (its use, if status is 0, is the
 * waiter's to put). */
bool luns_wait_cancel(struct luns_wait *wait);
void luns_put(struct lun_table *t, struct lun_entry *e);
/* Thin provisioning: tells every LU whether the data dir's file system is low on space
 * (SBC-4 soft threshold); logs when that raises the unit attention. */
void luns_space_check(struct lun_table *t, bool low);
/* Where a LUN of an exclusive table is served from now. */
enum luns_where {
	LUNS_ABSENT,	/* no such LUN */
	LUNS_HERE,	/* this node has sessions on it */
	LUNS_FREE,	/* nobody serves it */
	LUNS_ELSEWHERE, /* another process holds its lock; holder gets NAME/serving ("" if none) */
};
enum luns_where luns_where(struct lun_table *t, const char *target_iqn, char *holder,
			   size_t holder_len);
#define LUNS_HOLDER_FILE "serving"

/* Whether the table serves target_iqn. */
bool luns_has(struct lun_table *t, const char *target_iqn);
/* Whether initiator may see target e (ACL), for SendTargets. */
bool luns_visible(const struct lun_entry *e, const char *initiator);

/* Internal to the luns_*.c files. With the table's lock held: a new user of e (a session, a
 * background job, an EXTENDED COPY), taking the file's lock at the first (luns_open_first):
 * 0 or a login status; its end (the last flushes and unlocks the file; e may be freed); the
 * size re-read from the file, a change told to the LU; a served LUN by target IQN. */
struct lun_entry *luns_find_locked(struct lun_table *t, const char *target_iqn);
int luns_use_locked(struct lun_entry *e);
void luns_put_locked(struct lun_table *t, struct lun_entry *e);
void luns_refresh_size(struct lun_entry *e);

/* Overlay LUNs and their images (luns_ovl.c). */
struct luns_bases { /* names of the images some overlay refers to */
	char **names;
	unsigned count, cap;
};
int luns_bases_collect(struct luns_bases *b, const char *data_dir);
bool luns_bases_has(const struct luns_bases *b, const char *name);
void luns_bases_free(struct luns_bases *b);
/* An overlay is served only if its map (checked whole) and its image are sound now; nothing is
 * changed; a refusal is logged naming the LUN. Plain LUNs: true. */
bool luns_overlay_servable(const char *data_dir, const struct lunfile *lf);
/* At the first use of a LUN (its lock just taken): a LUN on other storage connects to it (a
 * refusal names the storage and what to do); an overlay's image and map are opened while
 * it has users (a reset between two uses may have moved it onto another image); a plain LUN
 * that became an image meanwhile is refused until a reload serves it read-only. 0 or a login
 * status (the lock is dropped again). */
int luns_overlay_attach(struct lun_entry *e);
/* At the last put, after the flush: disconnects, closes the overlay's files. */
void luns_overlay_detach(struct lun_entry *e);

#endif
