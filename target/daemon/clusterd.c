/* clusterd.c: see clusterd.h. */
#include "target/daemon/clusterd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

static bool same_portal(const struct cluster_node *n, const struct config_portal *p)
{
	return n->port == p->port && strcmp(n->host, p->host) == 0;
}

/* --node, [cluster] node, or the one node whose portal we listen on. */
static int find_self(struct clusterd *cd, const struct config *cfg, const char *node,
		     const struct config_portal *listen, unsigned nlisten, char *err, size_t errlen)
{
	const char *want = node && node[0] ? node : cfg->cluster.node;
	int found = -1;

	if (want[0]) {
		found = clusterd_node_index(cd, want);
		if (found < 0) {
			snprintf(
			    err, errlen,
			    "[cluster]: this node is %s (%s), which is not one of nodes: add it "
			    "there or name another with --node",
			    want, node && node[0] ? "--node" : "[cluster] node");
			return -EINVAL;
		}
		cd->self = (unsigned)found;
		return 0;
	}
	for (unsigned i = 0; i < cd->n_nodes; i++) {
		for (unsigned j = 0; j < nlisten; j++) {
			if (!same_portal(&cd->nodes[i], &listen[j]))
				continue;
			if (found >= 0 && (unsigned)found != i) {
				snprintf(
				    err, errlen,
				    "[cluster]: this node listens on the portals of %s and %s: "
				    "say which it is with [cluster] node or --node",
				    cd->nodes[found].name, cd->nodes[i].name);
				return -EINVAL;
			}
			found = (int)i;
		}
	}
	if (found < 0) {
		snprintf(err, errlen,
			 "[cluster]: none of nodes has an address this node listens on: set "
			 "[cluster] node or --node NAME, or listen on the node's own address");
		return -EINVAL;
	}
	cd->self = (unsigned)found;
	return 0;
}

int clusterd_init(struct clusterd *cd, const struct config *cfg, const char *node,
		  const struct config_portal *listen, unsigned nlisten, char *err, size_t errlen)
{
	memset(cd, 0, sizeof(*cd));
	pthread_mutex_init(&cd->lock, NULL);
	cd->stop_pipe[0] = cd->stop_pipe[1] = -1;
	cluster_guard_init(&cd->guard);
	if (!cfg->cluster.line) {
		if (node && node[0]) {
			snprintf(err, errlen, "--node %s: the config has no [cluster] section",
				 node);
			return -EINVAL;
		}
		return 0;
	}
	cd->n_nodes = cfg->cluster.n_parsed;
	memcpy(cd->nodes, cfg->cluster.parsed, cd->n_nodes * sizeof(cd->nodes[0]));
	cd->interval_ms = cfg->cluster.health_interval * 1000;
	cd->timeout_ms = cfg->cluster.health_timeout * 1000;
	if (find_self(cd, cfg, node, listen, nlisten, err, errlen) < 0)
		return -EINVAL;
	atomic_store(&cd->alive, cd->n_nodes >= 32 ? UINT32_MAX : (UINT32_C(1) << cd->n_nodes) - 1);
	cd->enabled = true;
	return clusterd_set_rules(cd, cfg);
}

static void rules_free(struct clusterd_rule *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k < r[i].acl_count; k++)
			free(r[i].acl[k]);
		free(r[i].acl);
	}
	free(r);
}

int clusterd_set_rules(struct clusterd *cd, const struct config *cfg)
{
	struct clusterd_rule *r = calloc(cfg->lun_count ? cfg->lun_count : 1, sizeof(*r));
	unsigned n = 0;

	if (!r)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->lun_count; i++) {
		const struct config_lun *cl = &cfg->luns[i];
		if (!cl->node.count)
			continue;
		snprintf(r[n].name, sizeof(r[n].name), "%s", cl->name);
		cluster_config_lun(cfg, cl->name, false, &r[n].lun);
		r[n].acl = calloc(cl->allowed_initiators.count + 1, sizeof(char *));
		for (unsigned k = 0; r[n].acl && k < cl->allowed_initiators.count; k++)
			if ((r[n].acl[k] = strdup(cl->allowed_initiators.items[k])))
				r[n].acl_count++;
		n++;
	}
	pthread_mutex_lock(&cd->lock);
	struct clusterd_rule *old = cd->rules;
	unsigned nold = cd->n_rules;
	cd->rules = r;
	cd->n_rules = n;
	pthread_mutex_unlock(&cd->lock);
	rules_free(old, nold);
	return 0;
}

bool clusterd_rule(struct clusterd *cd, const char *name, struct cluster_lun *out)
{
	bool found = false;

	pthread_mutex_lock(&cd->lock);
	for (unsigned i = 0; i < cd->n_rules && !found; i++) {
		if (strcmp(cd->rules[i].name, name) == 0) {
			*out = cd->rules[i].lun;
			found = true;
		}
	}
	pthread_mutex_unlock(&cd->lock);
	return found;
}

int clusterd_node_index(const struct clusterd *cd, const char *name)
{
	for (unsigned i = 0; i < cd->n_nodes; i++)
		if (strcmp(cd->nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint32_t clusterd_alive(const struct clusterd *cd)
{
	return atomic_load(&cd->alive) | UINT32_C(1) << cd->self;
}

bool clusterd_may_redirect(struct clusterd *cd, const char *initiator, const uint8_t isid[6],
			   const char *target, unsigned to)
{
	pthread_mutex_lock(&cd->lock);
	enum cluster_guard_verdict v =
	    cluster_guard_redirect(&cd->guard, initiator, isid, target, clock_mono_ms());
	pthread_mutex_unlock(&cd->lock);
	if (v == CLUSTER_GUARD_LOOP)
		log_err(
		    "%s (the same session, ISID %02x%02x%02x%02x%02x%02x) keeps coming back for "
		    "%s: a redirect loop between nodes (this node "
		    "sends it to %s). Its logins are refused for %d s. Check that every node has "
		    "the same [cluster] nodes and [lun] node settings",
		    initiator, isid[0], isid[1], isid[2], isid[3], isid[4], isid[5], target,
		    cd->nodes[to].name, CLUSTER_GUARD_WINDOW_MS / 1000);
	return v == CLUSTER_GUARD_OK;
}

/* ---- health checks ---- */

/* Starts a non-blocking connect to node i's portal: the socket, or -1. */
static int probe_start(const struct cluster_node *n)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd =
	    socket(n->ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (n->ipv6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(n->port);
		inet_pton(AF_INET6, n->host, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(n->port);
		inet_pton(AF_INET, n->host, &a->sin_addr);
		len = sizeof(*a);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One round: connect to every other node at once, wait up to wait_ms for the answers. */
static void probe_round(struct clusterd *cd, uint64_t *last_ok, int wait_ms)
{
	struct pollfd pfd[CLUSTER_MAX_NODES + 1];
	unsigned idx[CLUSTER_MAX_NODES + 1], n = 0;

	for (unsigned i = 0; i < cd->n_nodes; i++) {
		if (i == cd->self)
			continue;
		int fd = probe_start(&cd->nodes[i]);
		if (fd < 0)
			continue;
		pfd[n] = (struct pollfd){.fd = fd, .events = POLLOUT};
		idx[n++] = i;
	}
	uint64_t deadline = clock_mono_ms() + (uint64_t)wait_ms;
	unsigned pending = n;
	while (pending) {
		uint64_t now = clock_mono_ms();
		if (now >= deadline || poll(pfd, n, (int)(deadline - now)) <= 0)
			break;
		for (unsigned k = 0; k < n; k++) {
			if (pfd[k].fd < 0 || !pfd[k].revents)
				continue;
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			getsockopt(pfd[k].fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr == 0 && (pfd[k].revents & POLLOUT))
				last_ok[idx[k]] = clock_mono_ms();
			close(pfd[k].fd);
			pfd[k].fd = -1;
			pending--;
		}
	}
	for (unsigned k = 0; k < n; k++)
		if (pfd[k].fd >= 0)
			close(pfd[k].fd);
}

static void update_alive(struct clusterd *cd, const uint64_t *last_ok)
{
	uint64_t now = clock_mono_ms();
	uint32_t old = atomic_load(&cd->alive), alive = UINT32_C(1) << cd->self;

	for (unsigned i = 0; i < cd->n_nodes; i++)
		if (i != cd->self && now - last_ok[i] < cd->timeout_ms)
			alive |= UINT32_C(1) << i;
	atomic_store(&cd->alive, alive);
	for (unsigned i = 0; i < cd->n_nodes; i++) {
		uint32_t bit = UINT32_C(1) << i;
		if ((old ^ alive) & bit) {
			if (alive & bit)
				log_notice("cluster: node %s (%s:%u) is up", cd->nodes[i].name,
					   cd->nodes[i].host, cd->nodes[i].port);
			else
				log_warn("cluster: node %s (%s:%u) is down (no answer for %u s): "
					 "its shared LUNs are served by the next node",
					 cd->nodes[i].name, cd->nodes[i].host, cd->nodes[i].port,
					 cd->timeout_ms / 1000);
		}
	}
}

static void *health_main(void *arg)
{
	struct clusterd *cd = arg;
	uint64_t last_ok[CLUSTER_MAX_NODES];
	uint64_t start = clock_mono_ms();

	for (unsigned i = 0; i < CLUSTER_MAX_NODES; i++)
		last_ok[i] = start; /* up until shown otherwise */
	for (;;) {
		uint64_t round = clock_mono_ms();
		probe_round(cd, last_ok, (int)(cd->interval_ms < 1000 ? cd->interval_ms : 1000));
		update_alive(cd, last_ok);
		uint64_t spent = clock_mono_ms() - round;
		int wait = spent < cd->interval_ms ? (int)(cd->interval_ms - spent) : 0;
		struct pollfd stop = {.fd = cd->stop_pipe[0], .events = POLLIN};
		if (poll(&stop, 1, wait) > 0)
			return NULL;
	}
}

int clusterd_start(struct clusterd *cd)
{
	if (!cd->enabled)
		return 0;
	if (pipe2(cd->stop_pipe, O_CLOEXEC) < 0)
		return -errno;
	int ret = pthread_create(&cd->thread, NULL, health_main, cd);
	if (ret) {
		close(cd->stop_pipe[0]);
		close(cd->stop_pipe[1]);
		cd->stop_pipe[0] = cd->stop_pipe[1] = -1;
		return -ret;
	}
	cd->running = true;
	char list[CLUSTER_MAX_NODES * 24] = "";
	size_t off = 0;
	for (unsigned i = 0; i < cd->n_nodes && off < sizeof(list) - 80; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					cd->nodes[i].name);
	log_notice("cluster: this is node %s of %s; health checks every %u s, down after %u s",
		   cd->nodes[cd->self].name, list, cd->interval_ms / 1000, cd->timeout_ms / 1000);
	return 0;
}

void clusterd_fini(struct clusterd *cd)
{
	if (cd->running) {
		char b = 1;
		if (write(cd->stop_pipe[1], &b, 1) < 0)
			log_warn("cluster: cannot stop the health thread: %s", strerror(errno));
		pthread_join(cd->thread, NULL);
		cd->running = false;
		close(cd->stop_pipe[0]);
		close(cd->stop_pipe[1]);
	}
	rules_free(cd->rules, cd->n_rules);
	cd->rules = NULL;
	cd->n_rules = 0;
	pthread_mutex_destroy(&cd->lock);
}
