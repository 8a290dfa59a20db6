/* cluster_config.c: the [cluster] section and `[lun] node` over a loaded configuration: node
 * items, the rules between them, and each LUN's placement input (common/cluster.h). */
#include "common/config_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

int cluster_config_check_node(const char *value, char *err, size_t errlen)
{
	struct cluster_node n;
	unsigned char addr[16];

	if (cluster_parse_node(value, strlen(value), 3260, &n, err, errlen) != 0)
		return -EINVAL;
	if (inet_pton(n.ipv6 ? AF_INET6 : AF_INET, n.host, addr) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not an %s address", value, n.host,
			 n.ipv6 ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	return 0;
}

void cluster_config_parse(struct config *cfg)
{
	struct config_cluster *c = &cfg->cluster;
	char why[256];

	c->n_parsed = 0;
	for (unsigned i = 0; i < c->nodes.count && c->n_parsed < CLUSTER_MAX_NODES; i++) {
		const char *item = c->nodes.items[i];
		if (cluster_parse_node(item, strlen(item), 3260, &c->parsed[c->n_parsed], why,
				       sizeof(why)) == 0)
			c->n_parsed++;
	}
}

int cluster_config_node_index(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->cluster.n_parsed; i++)
		if (strcmp(cfg->cluster.parsed[i].name, name) == 0)
			return (int)i;
	return -1;
}

void cluster_config_lun(const struct config *cfg, const char *name, bool shared,
			struct cluster_lun *out)
{
	const struct config_lun *cl = config_find_lun(cfg, name);

	memset(out, 0, sizeof(*out));
	out->shared = shared;
	out->home = -1;
	for (unsigned i = 0; cl && i < cl->node.count && out->n_order < CLUSTER_MAX_NODES; i++) {
		int idx = cluster_config_node_index(cfg, cl->node.items[i]);
		if (idx >= 0)
			out->order[out->n_order++] = (uint8_t)idx;
	}
}

#define RULE_FAIL(...)                                                                             \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return -EINVAL;                                                                    \
	} while (0)

static int check_nodes(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_cluster *c = &cfg->cluster;
	const char *f = cfg->filename;

	if (!c->nodes.count)
		RULE_FAIL("%s:%u: [cluster] needs nodes: every node as NAME=ADDR[:PORT], such as "
			  "nodes = a=192.0.2.10:3260, b=192.0.2.11:3260",
			  f, c->line);
	if (c->nodes.count > CLUSTER_MAX_NODES)
		RULE_FAIL("%s:%u: [cluster] nodes: %u nodes; at most %d", f, c->line,
			  c->nodes.count, CLUSTER_MAX_NODES);
	for (unsigned i = 0; i < c->n_parsed; i++) {
		const struct cluster_node *a = &c->parsed[i];
		for (unsigned j = 0; j < i; j++) {
			const struct cluster_node *b = &c->parsed[j];
			if (strcmp(a->name, b->name) == 0)
				RULE_FAIL("%s:%u: [cluster] nodes: the name %s is given twice", f,
					  c->line, a->name);
			if (strcmp(a->host, b->host) == 0 && a->port == b->port)
				RULE_FAIL("%s:%u: [cluster] nodes: %s and %s have the same address "
					  "%s:%u; each node needs its own portal",
					  f, c->line, b->name, a->name, a->host, a->port);
		}
	}
	if (c->node[0] && cluster_config_node_index(cfg, c->node) < 0)
		RULE_FAIL("%s:%u: [cluster] node: %s is not one of nodes", f, c->line, c->node);
	if (c->health_timeout <= c->health_interval)
		RULE_FAIL("%s:%u: [cluster] health_timeout (%u s) must be above health_interval "
			  "(%u s), or one late answer would count a node as down",
			  f, c->line, c->health_timeout, c->health_interval);
	return 0;
}

int cluster_config_check_rules(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_cluster *c = &cfg->cluster;
	const char *f = cfg->filename;

	if (c->line && check_nodes(cfg, err, errlen) != 0)
		return -EINVAL;
	for (unsigned i = 0; i < cfg->lun_count; i++) {
		const struct config_lun *l = &cfg->luns[i];
		for (unsigned k = 0; k < l->node.count; k++) {
			const char *n = l->node.items[k];
			if (!c->line)
				RULE_FAIL("%s:%u: [lun %s] node: there is no [cluster] section "
					  "naming the nodes",
					  f, l->line, l->name);
			if (cluster_config_node_index(cfg, n) < 0)
				RULE_FAIL("%s:%u: [lun %s] node: %s is not one of [cluster] nodes",
					  f, l->line, l->name, n);
			for (unsigned j = 0; j < k; j++)
				if (strcmp(l->node.items[j], n) == 0)
					RULE_FAIL("%s:%u: [lun %s] node: %s is listed twice", f,
						  l->line, l->name, n);
		}
	}
	return 0;
}
