/* server.h: what the workers of one `ringsan serve` share: the LUN table, the session registry
 * (TSIH assignment, reinstatement, the session cap), the connection settings, the portals. */
#ifndef RINGSAN_DAEMON_SERVER_H
#define RINGSAN_DAEMON_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "target/daemon/clusterd.h"
#include "target/daemon/fleetboot.h"
#include "target/daemon/luns.h"
#include "target/iscsi/admit.h"
#include "target/iscsi/authdelay.h"
#include "target/iscsi/conn.h"
#include "target/daemon/stats.h"
#include "target/obs/obs_events.h"
#include "target/obs/obs_render.h"

struct worker;
struct netconn;

/* A logged-in session: for reinstatement, and what `status` tells of it. Written at login (under
 * sess_lock) and by its worker (io); read by the main thread under sess_lock. */
struct sess_entry {
	struct stats_io io; /* first: aligned; the entry comes from aligned_alloc */
	struct sess_entry *next;
	struct netconn *nc;
	struct worker *w;
	char initiator[IQN_MAX_LEN + 1];
	char target[IQN_MAX_LEN + NAME_MAX_LEN + 2];
	uint8_t isid[6];
	uint16_t tsih;
	bool discovery;
	char address[80];
	char lun[NAME_MAX_LEN + 1];
	uint64_t login_unix_ms;
	struct obs_session params; /* the negotiated parameters (its io and names unused) */
};

struct server {
	struct lun_table luns;
	/* A cluster ([cluster]): the other nodes, and the LUNs of shared_dir (has_shared). */
	struct clusterd cluster;
	struct lun_table shared;
	bool has_shared;
	struct fleetboot fleet;
	struct conn_config conn_cfg;
	struct config_portal portals[CONFIG_MAX_PORTALS];
	unsigned nportals;
	unsigned max_sessions;

	pthread_mutex_t sess_lock;
	struct sess_entry *sessions;
	unsigned nsessions;
	uint16_t next_tsih;

	struct worker *workers;
	unsigned nworkers;
	bool stopping;

	/* Observability: the event ring (under ev_lock) and counters of logins, for the control
	 * socket and the metrics (server_obs.c). */
	pthread_mutex_t ev_lock;
	struct obs_events events;
	_Atomic uint64_t logins[2]; /* normal, discovery */
	_Atomic uint64_t login_failures[OBS_FAIL_COUNT];
	uint64_t start_unix_ms, start_mono_ms;

	/* Admission control, per worker: [server] max_logins and max_logins_per_address divided
	 * among the workers (each admits the connections the kernel gave it). */
	struct admit_limits admit;
	/* Failed CHAP logins slow down the next ones, per initiator name and source address. */
	pthread_mutex_t auth_lock;
	struct authdelay auth;
	/* One descriptor kept open for when the process has none left: closed to accept and close
	 * a waiting connection, then taken again (reserve_lock). -1 when unavailable. */
	pthread_mutex_t reserve_lock;
	int reserve_fd;
};

/* Login questions (struct login_ops) answered from the LUN table and the session count. */
extern const struct login_ops server_login_ops;

/* The session registry. add returns the TSIH and asks any older session of the same initiator
 * name + ISID to the same target to end (RFC 7143 6.3.5 session reinstatement); *out is the
 * session's entry (NULL when out of memory), valid until server_session_remove. */
uint16_t server_session_add(struct server *s, struct netconn *nc, struct worker *w,
			    struct iscsi_conn *c, struct sess_entry **out);
void server_session_remove(struct server *s, struct netconn *nc);
/* Pings the initiator of every session logged in to target now; returns how many there are. */
unsigned server_ping_target(struct server *s, const char *target);
/* PREEMPT AND ABORT (from any thread, under a LU's lock): abort the tasks of the session whose
 * I_T nexus is nx. */
void server_abort_nexus(void *srv, struct scsi_nexus *nx);

/* CHAP failure delays (authdelay.h) for an initiator name from a source address, under
 * auth_lock. reserve: when this login may go on; failed: the delay the next one waits. */
uint64_t server_auth_reserve(struct server *s, const char *initiator, uint64_t addr,
			     uint64_t now_ms);
uint32_t server_auth_failed(struct server *s, const char *initiator, uint64_t addr,
			    uint64_t now_ms);
void server_auth_passed(struct server *s, const char *initiator, uint64_t addr);

/* Out of descriptors (EMFILE, ENFILE) on listener fd: with the reserve descriptor, accept one
 * waiting connection and close it at once, so its initiator hears no rather than hangs. */
void server_refuse_with_reserve(struct server *s, int listen_fd);

/* A session's LUN by target IQN, from the data dir or the shared dir (luns_get, with wait:
 * LUNS_PENDING while its storage connects); put it back
 * with luns_put(e->table, e). */
int server_lun_get(struct server *s, const char *target_iqn, struct luns_wait *wait,
		   struct lun_entry **out);

/* SendTargets for one initiator (sendtargets_build(): "All" in discovery sessions only, a target
 * name, or "" for the session's own target), over the targets its ACLs let it see. Wildcard
 * portals (0.0.0.0, ::) are reported as local_host, the address the initiator reached. */
int server_send_targets(struct server *s, const char *initiator, const char *which, bool discovery,
			const char *own_target, const char *local_host, uint8_t *out, uint32_t cap,
			uint32_t *len);

/* server_obs.c: an event (wall-clock time now; NULL or "" fields are unknown). From any thread. */
void server_event(struct server *s, enum obs_event_kind kind, const char *initiator,
		  const char *address, const char *lun, const char *detail);
/* A failed login: counted by reason and told as a login_failed event. */
void server_login_failed(struct server *s, enum obs_fail why, const char *detail,
			 const char *initiator, const char *address, const char *target);
/* The LUN name of a target name (BASE_IQN:NAME), or the target name itself. */
const char *server_lun_of(const struct server *s, const char *target);
/* Once a second on the main thread: each LUN's counters for the rates of the last window. */
void server_sample(struct server *s);
/* The whole state for status and metrics (free with server_snapshot_free). 0 or -ENOMEM. */
int server_snapshot(struct server *s, struct obs_target *out);
void server_snapshot_free(struct obs_target *t);

#endif
