/* server.c: see server.h. */
#include "target/daemon/server.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "target/daemon/netconn.h"
#include "target/daemon/worker.h"
#include "target/iscsi/login.h"
#include "target/iscsi/sendtargets.h"

static bool sessions_full(struct server *s)
{
	pthread_mutex_lock(&s->sess_lock);
	bool full = s->nsessions >= s->max_sessions;
	pthread_mutex_unlock(&s->sess_lock);
	return full;
}

/* The LUN name of a target of ours (BASE_IQN:NAME), or NULL. */
static const char *lun_name_of(struct server *s, const char *target)
{
	size_t n = strlen(s->luns.base_iqn);
	if (strncmp(target, s->luns.base_iqn, n) != 0 || target[n] != ':')
		return NULL;
	return target + n + 1;
}

/* Which node serves target now: self, another node's index, or -1 (nobody known). *table gets
 * the table to serve it from when it is self. */
static int route(struct server *s, const char *target, struct lun_table **table)
{
	struct clusterd *cd = &s->cluster;
	const char *name = lun_name_of(s, target);
	struct cluster_lun rule;
	char holder[NAME_MAX_LEN + 2];
	bool has_rule = name && clusterd_rule(cd, name, &rule);

	*table = &s->luns;
	if (!cd->enabled || !name)
		return (int)cd->self;
	enum luns_where w =
	    s->has_shared ? luns_where(&s->shared, target, holder, sizeof(holder)) : LUNS_ABSENT;
	bool local = luns_has(&s->luns, target);
	if (w == LUNS_ABSENT || local) { /* on a node's own storage */
		if (!has_rule)
			return local ? (int)cd->self : -1;
		rule.shared = false;
		return cluster_place(cd->nodes, cd->n_nodes, name, &rule, cd->self, 0);
	}
	*table = &s->shared;
	if (w == LUNS_HERE) /* sessions here: it stays until they end */
		return (int)cd->self;
	if (w == LUNS_ELSEWHERE) { /* another node holds it: send the initiator there */
		int h = clusterd_node_index(cd, holder);
		/* unknown, or down (a lock not yet freed): here, where the lock answers "busy" */
		return h >= 0 && (clusterd_alive(cd) >> h & 1) ? h : (int)cd->self;
	}
	if (!has_rule) /* every node, by weight */
		rule = (struct cluster_lun){.home = -1};
	rule.shared = true;
	return cluster_place(cd->nodes, cd->n_nodes, name, &rule, cd->self, clusterd_alive(cd));
}

static int login_find_target(void *ctx, const char *target, const char *initiator,
			     const uint8_t isid[6], struct login_target_info *out)
{
	struct server *s = ctx;
	struct lun_table *t;
	if (sessions_full(s))
		return ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES;
	int node = route(s, target, &t);
	if (node < 0)
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	if ((unsigned)node != s->cluster.self) {
		if (!(clusterd_alive(&s->cluster) >> node & 1)) {
			log_warn("%s: login to %s refused: its node %s is down (no answer to the "
				 "health checks); it is on that node's own storage",
				 initiator, target, s->cluster.nodes[node].name);
			return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
		}
		if (!clusterd_may_redirect(&s->cluster, initiator, isid, target, (unsigned)node))
			return ISCSI_LOGIN_STATUS_TARGET_ERROR;
		cluster_target_address(&s->cluster.nodes[node], ISCSI_PORTAL_GROUP_TAG,
				       out->redirect, sizeof(out->redirect));
		return ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP;
	}
	if (t == &s->luns) {
		int st = fleetboot_login(&s->fleet, s, target);
		if (st)
			return st;
	}
	return luns_authorize(t, target, initiator, out);
}

int server_lun_get(struct server *s, const char *target_iqn, struct luns_wait *wait,
		   struct lun_entry **out)
{
	int st = luns_get(&s->luns, target_iqn, wait, out);
	if (st == ISCSI_LOGIN_STATUS_NOT_FOUND && s->has_shared)
		st = luns_get(&s->shared, target_iqn, wait, out);
	return st;
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

/* What status tells of a new session: its address, LUN, time and negotiated parameters. */
static void session_describe(struct server *s, struct sess_entry *n, struct netconn *nc,
			     struct iscsi_conn *c)
{
	const struct iscsi_params *p = conn_login_params(c);

	n->discovery = conn_is_discovery(c);
	snprintf(n->address, sizeof(n->address), "%s", nc ? nc->peer : "");
	snprintf(n->lun, sizeof(n->lun), "%s", n->discovery ? "" : server_lun_of(s, n->target));
	n->login_unix_ms = stats_unix_ms();
	n->params.header_digest = p->header_digest;
	n->params.data_digest = p->data_digest;
	n->params.initial_r2t = p->initial_r2t;
	n->params.immediate_data = p->immediate_data;
	n->params.max_recv_data_segment_length = p->peer_max_recv_data_segment_length;
	n->params.max_burst_length = p->max_burst_length;
	n->params.first_burst_length = p->first_burst_length;
	n->params.max_outstanding_r2t = p->max_outstanding_r2t;
}

uint16_t server_session_add(struct server *s, struct netconn *nc, struct worker *w,
			    struct iscsi_conn *c, struct sess_entry **out)
{
	struct sess_entry *n = aligned_alloc(alignof(struct sess_entry), sizeof(*n));
	const char *initiator = conn_initiator_name(c), *target = conn_target_name(c);
	const uint8_t *isid = conn_isid(c);
	uint16_t tsih;

	if (n) {
		memset(n, 0, sizeof(*n));
		snprintf(n->initiator, sizeof(n->initiator), "%s", initiator);
		snprintf(n->target, sizeof(n->target), "%s", target);
		session_describe(s, n, nc, c);
	}
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
		n->next = s->sessions;
		s->sessions = n;
		s->nsessions++;
	}
	pthread_mutex_unlock(&s->sess_lock);
	*out = n;
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

/* The portals an initiator is told about: wildcard listeners (0.0.0.0, ::) become the address it
 * reached us on. */
static unsigned server_portals(struct server *s, const char *local_host, struct st_portal *out)
{
	for (unsigned i = 0; i < s->nportals; i++) {
		const struct config_portal *p = &s->portals[i];
		bool wildcard = strcmp(p->host, "0.0.0.0") == 0 || strcmp(p->host, "::") == 0;

		out[i].addr = wildcard ? local_host : p->host;
		out[i].port = p->port;
		out[i].tpgt = ISCSI_PORTAL_GROUP_TAG;
	}
	return s->nportals;
}

/* The names SendTargets may list for initiator: each served LUN it may see, from the data dir
 * and the shared dir, and the LUNs `[lun] node` places on other nodes. Heap strings. */
struct st_names {
	char **iqn;
	unsigned n, cap;
};

static void names_add(struct st_names *nm, const char *iqn)
{
	for (unsigned i = 0; i < nm->n; i++)
		if (strcmp(nm->iqn[i], iqn) == 0)
			return;
	if (nm->n == nm->cap) {
		unsigned cap = nm->cap ? nm->cap * 2 : 64;
		char **n = realloc(nm->iqn, cap * sizeof(*n));
		if (!n)
			return;
		nm->iqn = n;
		nm->cap = cap;
	}
	if ((nm->iqn[nm->n] = strdup(iqn)))
		nm->n++;
}

static void names_from_table(struct st_names *nm, struct lun_table *t, const char *initiator)
{
	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e; e = e->next)
		if (luns_visible(e, initiator))
			names_add(nm, e->iqn);
	pthread_mutex_unlock(&t->lock);
}

static void names_from_rules(struct st_names *nm, struct server *s, const char *initiator)
{
	struct clusterd *cd = &s->cluster;
	char iqn[IQN_MAX_LEN + NAME_MAX_LEN + 2];

	pthread_mutex_lock(&cd->lock);
	for (unsigned i = 0; i < cd->n_rules; i++) {
		const struct clusterd_rule *r = &cd->rules[i];
		bool ok = r->acl_count == 0;
		for (unsigned k = 0; k < r->acl_count && !ok; k++)
			ok = strcasecmp(r->acl[k], initiator) == 0;
		snprintf(iqn, sizeof(iqn), "%s:%s", s->luns.base_iqn, r->name);
		if (ok)
			names_add(nm, iqn);
	}
	pthread_mutex_unlock(&cd->lock);
}

int server_send_targets(struct server *s, const char *initiator, const char *which, bool discovery,
			const char *own_target, const char *local_host, uint8_t *out, uint32_t cap,
			uint32_t *len)
{
	struct st_portal portals[CONFIG_MAX_PORTALS], others[CLUSTER_MAX_NODES];
	struct st_names nm = {0};
	struct st_target *targets;
	unsigned n = 0;
	int err = -ENOMEM;

	unsigned np = server_portals(s, local_host, portals);
	for (unsigned i = 0; i < s->cluster.n_nodes; i++)
		others[i] = (struct st_portal){.addr = s->cluster.nodes[i].host,
					       .port = s->cluster.nodes[i].port,
					       .tpgt = ISCSI_PORTAL_GROUP_TAG};
	names_from_table(&nm, &s->luns, initiator);
	if (s->has_shared)
		names_from_table(&nm, &s->shared, initiator);
	if (s->cluster.enabled)
		names_from_rules(&nm, s, initiator);
	targets = calloc(nm.n ? nm.n : 1, sizeof(*targets));
	*len = 0;
	if (!targets)
		goto out_names;
	for (unsigned i = 0; i < nm.n; i++) {
		struct lun_table *t;
		int node = route(s, nm.iqn[i], &t);
		if (node < 0)
			continue;
		bool self = (unsigned)node == s->cluster.self;
		targets[n].name = nm.iqn[i];
		targets[n].portals = self ? portals : &others[node];
		targets[n].n_portals = self ? np : 1;
		n++;
	}
	err = sendtargets_build(which, discovery, own_target, targets, n, (char *)out, cap, len);
	free(targets);
out_names:
	for (unsigned i = 0; i < nm.n; i++)
		free(nm.iqn[i]);
	free(nm.iqn);
	return err;
}

static size_t auth_keys(uint64_t keys[2], const char *initiator, uint64_t addr)
{
	size_t n = 0;
	keys[n++] = authdelay_key_addr(addr);
	if (initiator && initiator[0])
		keys[n++] = authdelay_key_name(initiator);
	return n;
}

uint64_t server_auth_reserve(struct server *s, const char *initiator, uint64_t addr,
			     uint64_t now_ms)
{
	uint64_t keys[2];
	size_t n = auth_keys(keys, initiator, addr);
	pthread_mutex_lock(&s->auth_lock);
	uint64_t go = authdelay_reserve(&s->auth, keys, n, now_ms);
	pthread_mutex_unlock(&s->auth_lock);
	return go;
}

uint32_t server_auth_failed(struct server *s, const char *initiator, uint64_t addr, uint64_t now_ms)
{
	uint64_t keys[2];
	size_t n = auth_keys(keys, initiator, addr);
	pthread_mutex_lock(&s->auth_lock);
	uint32_t delay = authdelay_fail(&s->auth, keys, n, now_ms);
	pthread_mutex_unlock(&s->auth_lock);
	return delay;
}

void server_auth_passed(struct server *s, const char *initiator, uint64_t addr)
{
	uint64_t keys[2];
	size_t n = auth_keys(keys, initiator, addr);
	pthread_mutex_lock(&s->auth_lock);
	authdelay_success(&s->auth, keys, n);
	pthread_mutex_unlock(&s->auth_lock);
}

void server_refuse_with_reserve(struct server *s, int listen_fd)
{
	struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};

	pthread_mutex_lock(&s->reserve_lock);
	if (s->reserve_fd >= 0 && poll(&pfd, 1, 0) == 1) {
		close(s->reserve_fd);
		/* Non-blocking for this one call: the worker's own accept may have taken it. */
		int fl = fcntl(listen_fd, F_GETFL);
		fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		fcntl(listen_fd, F_SETFL, fl);
		if (fd >= 0)
			close(fd);
		s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	pthread_mutex_unlock(&s->reserve_lock);
}
