/* server.c: see server.h. */
#include "target/daemon/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "target/daemon/netconn.h"
#include "target/daemon/worker.h"
#include "target/iscsi/text.h"

static bool sessions_full(struct server *s)
{
	pthread_mutex_lock(&s->sess_lock);
	bool full = s->nsessions >= s->max_sessions;
	pthread_mutex_unlock(&s->sess_lock);
	return full;
}

static int login_find_target(void *ctx, const char *target, const char *initiator,
			     struct login_target_info *out)
{
	struct server *s = ctx;
	if (sessions_full(s))
		return ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES;
	int st = fleetboot_login(&s->fleet, s, target);
	if (st)
		return st;
	return luns_authorize(&s->luns, target, initiator, out);
}

static int login_find_discovery(void *ctx, const char *initiator, struct login_target_info *out)
{
	struct server *s = ctx;
	(void)initiator;
	if (sessions_full(s))
		return ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES;
	pthread_mutex_lock(&s->luns.lock);
	*out = s->luns.discovery;
	pthread_mutex_unlock(&s->luns.lock);
	return 0;
}

static void login_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(buf, len, 0);
		if (n <= 0)
			continue;
		buf += n;
		len -= (size_t)n;
	}
}

const struct login_ops server_login_ops = {
    .find_target = login_find_target,
    .find_discovery = login_find_discovery,
    .random = login_random,
};

static bool tsih_in_use(struct server *s, uint16_t tsih)
{
	for (struct sess_entry *e = s->sessions; e; e = e->next)
		if (e->tsih == tsih)
			return true;
	return false;
}

uint16_t server_session_add(struct server *s, struct netconn *nc, struct worker *w,
			    const char *initiator, const char *target, const uint8_t isid[6])
{
	struct sess_entry *n = calloc(1, sizeof(*n));
	uint16_t tsih;

	pthread_mutex_lock(&s->sess_lock);
	for (struct sess_entry *e = s->sessions; e; e = e->next) {
		if (memcmp(e->isid, isid, 6) == 0 && strcmp(e->initiator, initiator) == 0 &&
		    strcmp(e->target, target) == 0)
			worker_kill_conn(e->w, e->nc,
					 "replaced by a new login of the same "
					 "initiator and ISID (session reinstatement)");
	}
	do {
		tsih = ++s->next_tsih;
	} while (tsih == 0 || tsih_in_use(s, tsih));
	if (n) {
		n->nc = nc;
		n->w = w;
		n->tsih = tsih;
		memcpy(n->isid, isid, 6);
		snprintf(n->initiator, sizeof(n->initiator), "%s", initiator);
		snprintf(n->target, sizeof(n->target), "%s", target);
		n->next = s->sessions;
		s->sessions = n;
		s->nsessions++;
	}
	pthread_mutex_unlock(&s->sess_lock);
	return tsih;
}

void server_session_remove(struct server *s, struct netconn *nc)
{
	pthread_mutex_lock(&s->sess_lock);
	for (struct sess_entry **pp = &s->sessions; *pp; pp = &(*pp)->next) {
		struct sess_entry *e = *pp;
		if (e->nc == nc) {
			*pp = e->next;
			s->nsessions--;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&s->sess_lock);
}

unsigned server_ping_target(struct server *s, const char *target)
{
	unsigned n = 0;
	pthread_mutex_lock(&s->sess_lock);
	for (struct sess_entry *e = s->sessions; e; e = e->next) {
		if (strcmp(e->target, target) == 0) {
			worker_ping_conn(e->w, e->nc);
			n++;
		}
	}
	pthread_mutex_unlock(&s->sess_lock);
	return n;
}

void server_abort_nexus(void *srv, struct scsi_nexus *nx)
{
	struct server *s = srv;
	pthread_mutex_lock(&s->sess_lock);
	for (struct sess_entry *e = s->sessions; e; e = e->next)
		if (conn_nexus(e->nc->conn) == nx)
			worker_abort_conn(e->w, e->nc);
	pthread_mutex_unlock(&s->sess_lock);
}

static void add_portals(struct server *s, struct text_out *o, const char *local_host, bool local_v6)
{
	for (unsigned i = 0; i < s->nportals; i++) {
		const struct config_portal *p = &s->portals[i];
		const char *host = p->host;
		bool v6 = p->ipv6;
		char addr[80];
		if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
			host = local_host;
			v6 = local_v6;
		}
		snprintf(addr, sizeof(addr), v6 ? "[%s]:%u,1" : "%s:%u,1", host, p->port);
		text_out_add(o, "TargetAddress", addr);
	}
}

int server_send_targets(struct server *s, const char *initiator, const char *which,
			const char *own_target, const char *local_host, bool local_v6, uint8_t *out,
			uint32_t cap, uint32_t *len)
{
	struct text_out o;
	bool all = strcmp(which, "All") == 0;

	text_out_init(&o, (char *)out, cap);
	pthread_mutex_lock(&s->luns.lock);
	for (struct lun_entry *e = s->luns.head; e; e = e->next) {
		if (!luns_visible(e, initiator))
			continue;
		if (!all && strcmp(which[0] ? which : own_target, e->iqn) != 0)
			continue;
		text_out_add(&o, "TargetName", e->iqn);
		add_portals(s, &o, local_host, local_v6);
	}
	pthread_mutex_unlock(&s->luns.lock);
	*len = o.len;
	return 0;
}
