/* server.h: what the workers of one `ringsan serve` share: the LUN table, the session registry
 * (TSIH assignment, reinstatement, the session cap), the connection settings, the portals. */
#ifndef RINGSAN_DAEMON_SERVER_H
#define RINGSAN_DAEMON_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "target/daemon/fleetboot.h"
#include "target/daemon/luns.h"
#include "target/iscsi/conn.h"

struct worker;
struct netconn;

struct sess_entry {
	struct sess_entry *next;
	struct netconn *nc;
	struct worker *w;
	char initiator[IQN_MAX_LEN + 1];
	char target[IQN_MAX_LEN + NAME_MAX_LEN + 2];
	uint8_t isid[6];
	uint16_t tsih;
};

struct server {
	struct lun_table luns;
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
};

/* Login questions (struct login_ops) answered from the LUN table and the session count. */
extern const struct login_ops server_login_ops;

/* The session registry. add returns the TSIH and asks any older session of the same initiator
 * name + ISID to the same target to end (RFC 7143 6.3.5 session reinstatement). */
uint16_t server_session_add(struct server *s, struct netconn *nc, struct worker *w,
			    const char *initiator, const char *target, const uint8_t isid[6]);
void server_session_remove(struct server *s, struct netconn *nc);
/* Pings the initiator of every session logged in to target now; returns how many there are. */
unsigned server_ping_target(struct server *s, const char *target);
/* PREEMPT AND ABORT (from any thread, under a LU's lock): abort the tasks of the session whose
 * I_T nexus is nx. */
void server_abort_nexus(void *srv, struct scsi_nexus *nx);

/* SendTargets for one initiator: "All", a target name, or "" (the session's own target).
 * Wildcard portals (0.0.0.0, ::) are reported as local_host, the address the initiator reached. */
int server_send_targets(struct server *s, const char *initiator, const char *which,
			const char *own_target, const char *local_host, bool local_v6, uint8_t *out,
			uint32_t cap, uint32_t *len);

#endif
