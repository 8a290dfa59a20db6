/* cluster.h: several ringsan nodes behind one portal: where a LUN lives, and the guard against
 * redirect loops. Pure: no I/O, no clock (`now` is a parameter); the daemon feeds it the
 * [cluster] config and which nodes answer its health checks.
 *
 * Placement. A LUN on one node's own storage lives on that node: the one named by its
 * `[lun NAME] node`, else the node whose data dir holds it. A LUN on shared storage (any node
 * can open it) is served by the first live node of its order: the nodes its `[lun NAME] node`
 * lists, in that order, or else every node, ranked by rendezvous hashing (highest random
 * weight of the LUN's and the node's names), so that a node that goes away moves only its own
 * LUNs and gets them back when it returns. A node always counts itself alive.
 *
 * No loops between nodes that share a config: a node redirects only to a node ranked above
 * itself in the LUN's order (the first live one; it is alive to itself), so each redirect
 * climbs the order and ends at a node that serves. Nodes whose configs disagree can still send
 * an initiator round in circles; struct cluster_guard notices the same session (initiator name
 * and ISID) coming back for the same target again and again, and the daemon then refuses the
 * login instead. */
#ifndef RINGSAN_COMMON_CLUSTER_H
#define RINGSAN_COMMON_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/name.h"

#define CLUSTER_MAX_NODES 32
#define CLUSTER_HOST_LEN  46 /* an IPv6 address as text and its NUL */
#define CLUSTER_NODE_TEXT (NAME_MAX_LEN + CLUSTER_HOST_LEN + 10)

struct cluster_node {
	char name[NAME_MAX_LEN + 1];
	char host[CLUSTER_HOST_LEN]; /* IPv4 dotted or IPv6 text, no brackets */
	uint16_t port;
	bool ipv6;
};

/* Parses one `nodes` item: NAME=ADDR[:PORT], ADDR an IPv4 address or [IPv6] (brackets), PORT
 * 1-65535 (default dflt_port); NAME follows the LUN name rules. 0, or -EINVAL with err set. */
int cluster_parse_node(const char *text, size_t len, unsigned dflt_port, struct cluster_node *out,
		       char *err, size_t errlen);
/* "NAME=ADDR:PORT" back (IPv6 in brackets); the text cluster_parse_node reads. */
void cluster_format_node(const struct cluster_node *n, char *out, size_t cap);
/* "ADDR:PORT,TPGT" as a TargetAddress value (RFC 7143 13.8). */
void cluster_target_address(const struct cluster_node *n, unsigned tpgt, char *out, size_t cap);

/* Where one LUN may be served. */
struct cluster_lun {
	bool shared;			  /* on storage every node can open */
	uint8_t order[CLUSTER_MAX_NODES]; /* explicit `[lun] node`: node indexes, in order */
	unsigned n_order;		  /* 0: none given */
	int home; /* not shared, no `node`: the node holding it; -1: unknown */
};

/* The order in which nodes serve lun (name): the explicit order, else every node by weight.
 * Writes node indexes into out; returns how many. */
unsigned cluster_order(const struct cluster_node *nodes, unsigned n_nodes, const char *name,
		       const struct cluster_lun *lun, uint8_t out[CLUSTER_MAX_NODES]);
/* The node that serves lun now: bit i of alive = node i answers its health checks (self is
 * alive whatever the bit says). A shared LUN: the first live node of its order, or -1 when none
 * is (cannot happen when self is in the order). Not shared: its owner (order[0], else home),
 * alive or not (nobody else could serve it), or -1 when unknown. */
int cluster_place(const struct cluster_node *nodes, unsigned n_nodes, const char *name,
		  const struct cluster_lun *lun, unsigned self, uint32_t alive);
/* Rendezvous weight of node for LUN name (64-bit FNV-1a of both names, then a finalizer). */
uint64_t cluster_weight(const char *name, const char *node);

/* ---- redirect loop guard ---- */

#define CLUSTER_GUARD_SLOTS	256
#define CLUSTER_GUARD_WINDOW_MS 3000 /* redirects of one session to one target counted over */
#define CLUSTER_GUARD_LIMIT	2    /* more than this in the window is a loop */

struct cluster_guard_slot {
	uint64_t key; /* 0: free */
	uint64_t first_ms;
	uint32_t count;
	bool reported;
};

/* A fixed table (memory does not grow with the initiators); the oldest slot makes room. */
struct cluster_guard {
	struct cluster_guard_slot slots[CLUSTER_GUARD_SLOTS];
};

enum cluster_guard_verdict {
	CLUSTER_GUARD_OK,	  /* redirect it */
	CLUSTER_GUARD_LOOP,	  /* refuse: it keeps coming back; first time: log it */
	CLUSTER_GUARD_LOOP_QUIET, /* refuse; already logged in this window */
};

void cluster_guard_init(struct cluster_guard *g);
/* One redirect of initiator's session (its ISID: a new session has a new one, while an
 * initiator following redirects keeps it) to target at now_ms is about to be given. */
enum cluster_guard_verdict cluster_guard_redirect(struct cluster_guard *g, const char *initiator,
						  const uint8_t isid[6], const char *target,
						  uint64_t now_ms);

#endif
