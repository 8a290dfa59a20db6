/* clusterd.h: this node's part in a cluster of ringsan nodes ([cluster]): who it is, which
 * nodes answer (a health thread connects to each other node's portal every health_interval;
 * a node with no answer for health_timeout is down), where each LUN named by `[lun] node`
 * lives, and the redirect loop guard. Workers only read the liveness bits (an atomic word) and
 * take a short mutex for the rules and the guard: a health check never blocks a worker. */
#ifndef RINGSAN_DAEMON_CLUSTERD_H
#define RINGSAN_DAEMON_CLUSTERD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cluster.h"
#include "common/config.h"

/* A LUN with `[lun NAME] node`: where it lives, and who may see it (for SendTargets). */
struct clusterd_rule {
	char name[NAME_MAX_LEN + 1];
	struct cluster_lun lun;
	char **acl;
	unsigned acl_count;
};

struct clusterd {
	bool enabled; /* a [cluster] section */
	struct cluster_node nodes[CLUSTER_MAX_NODES];
	unsigned n_nodes, self;
	uint32_t interval_ms, timeout_ms;
	_Atomic uint32_t alive; /* bit i: node i answered within health_timeout */

	pthread_t thread;
	bool running;
	int stop_pipe[2];

	pthread_mutex_t lock; /* rules and guard */
	struct clusterd_rule *rules;
	unsigned n_rules;
	struct cluster_guard guard;
};

/* Reads [cluster] (at start only). node: --node, or NULL; listen: the portals we listen on,
 * which find this node among nodes when neither --node nor [cluster] node says. 0, or -EINVAL
 * with err set (the daemon does not start). Without [cluster]: 0, not enabled. */
int clusterd_init(struct clusterd *cd, const struct config *cfg, const char *node,
		  const struct config_portal *listen, unsigned nlisten, char *err, size_t errlen);
/* `[lun] node` rules from cfg (at start and reload). */
int clusterd_set_rules(struct clusterd *cd, const struct config *cfg);
int clusterd_start(struct clusterd *cd);
void clusterd_fini(struct clusterd *cd);

uint32_t clusterd_alive(const struct clusterd *cd);
/* The rule of LUN name, copied into out: false when it has none. */
bool clusterd_rule(struct clusterd *cd, const char *name, struct cluster_lun *out);
/* A redirect of initiator's session isid to target is about to be given: true to give it,
 * false when it is a loop (logged once per window, naming where it would go). */
bool clusterd_may_redirect(struct clusterd *cd, const char *initiator, const uint8_t isid[6],
			   const char *target, unsigned to);
/* The index of node name, or -1. */
int clusterd_node_index(const struct clusterd *cd, const char *name);

#endif
