/* test_cluster.c: the cluster's pure parts: node items (NAME=ADDR[:PORT]), rendezvous placement
 * (stable, balanced, only a dead node's LUNs move), explicit orders, the redirect loop guard, and
 * the [cluster] config rules. */
#include <errno.h>
#include <stdlib.h>

#include "common/cluster.h"
#include "common/config.h"
#include "test/unit/check.h"

static const struct {
	const char *text;
	int ret;
	const char *name, *host;
	unsigned port;
	bool ipv6;
} node_cases[] = {
    {"a=127.0.0.2:3260", 0, "a", "127.0.0.2", 3260, false},
    {"node-1=10.0.0.1", 0, "node-1", "10.0.0.1", 3260, false},
    {"b=[::1]:3261", 0, "b", "::1", 3261, true},
    {"c=[fe80::1:2]", 0, "c", "fe80::1:2", 3260, true},
    {"d=[::ffff:192.0.2.1]:1", 0, "d", "::ffff:192.0.2.1", 1, true},
    {"a", -EINVAL, NULL, NULL, 0, false},
    {"=1.2.3.4", -EINVAL, NULL, NULL, 0, false},
    {"A=1.2.3.4", -EINVAL, NULL, NULL, 0, false}, /* names are lower case */
    {"a b=1.2.3.4", -EINVAL, NULL, NULL, 0, false},
    {"a=256.1.1.1", -EINVAL, NULL, NULL, 0, false},
    {"a=01.2.3.4", -EINVAL, NULL, NULL, 0, false}, /* no leading zeros */
    {"a=1.2.3", -EINVAL, NULL, NULL, 0, false},
    {"a=1.2.3.4.5", -EINVAL, NULL, NULL, 0, false},
    {"a=1.2.3.4:", -EINVAL, NULL, NULL, 0, false},
    {"a=1.2.3.4:0", -EINVAL, NULL, NULL, 0, false},
    {"a=1.2.3.4:65536", -EINVAL, NULL, NULL, 0, false},
    {"a=1.2.3.4:32x", -EINVAL, NULL, NULL, 0, false},
    {"a=[::1", -EINVAL, NULL, NULL, 0, false},
    {"a=[::1]x", -EINVAL, NULL, NULL, 0, false},
    {"a=[1::2::3]", -EINVAL, NULL, NULL, 0, false},
    {"a=[xyz]", -EINVAL, NULL, NULL, 0, false},
    {"a=host.example:3260", -EINVAL, NULL, NULL, 0,
     false}, /* addresses, not names: no resolver in the login path */
    {"a=", -EINVAL, NULL, NULL, 0, false},
};

static void test_parse_node(void)
{
	char err[256], back[CLUSTER_NODE_TEXT];

	for (size_t i = 0; i < sizeof(node_cases) / sizeof(node_cases[0]); i++) {
		struct cluster_node n;
		int ret = cluster_parse_node(node_cases[i].text, strlen(node_cases[i].text), 3260,
					     &n, err, sizeof(err));
		CHECK_EQ(ret, node_cases[i].ret);
		if (ret) {
			CHECK(err[0] != '\0');
			continue;
		}
		CHECK_STR(n.name, node_cases[i].name);
		CHECK_STR(n.host, node_cases[i].host);
		CHECK_EQ(n.port, node_cases[i].port);
		CHECK_EQ(n.ipv6, node_cases[i].ipv6);
		/* it formats back to text that parses to the same node */
		struct cluster_node again;
		cluster_format_node(&n, back, sizeof(back));
		CHECK_EQ(cluster_parse_node(back, strlen(back), 1, &again, err, sizeof(err)), 0);
		CHECK_MEM(&again, &n, sizeof(n));
	}
	struct cluster_node n;
	char addr[80];
	cluster_parse_node("b=[::1]:3261", 12, 3260, &n, err, sizeof(err));
	cluster_target_address(&n, 1, addr, sizeof(addr));
	CHECK_STR(addr, "[::1]:3261,1");
	cluster_parse_node("a=192.0.2.1", 11, 3260, &n, err, sizeof(err));
	cluster_target_address(&n, 1, addr, sizeof(addr));
	CHECK_STR(addr, "192.0.2.1:3260,1");
	/* an embedded NUL is not a shorter item */
	CHECK_EQ(cluster_parse_node("a=1.2.3.4\0x", 11, 3260, &n, err, sizeof(err)), -EINVAL);
}

static struct cluster_node nodes[4];

static void make_nodes(unsigned n)
{
	char err[256], text[64];
	for (unsigned i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%c=127.0.0.%u:3260", 'a' + i, i + 2);
		if (cluster_parse_node(text, strlen(text), 3260, &nodes[i], err, sizeof(err)))
			abort();
	}
}

static void test_place_hash(void)
{
	struct cluster_lun shared = {.shared = true, .home = -1};
	unsigned count[3] = {0}, moved = 0, stayed = 0;
	char name[32];

	make_nodes(3);
	CHECK_EQ(cluster_weight("x", "a"), cluster_weight("x", "a"));
	CHECK(cluster_weight("ab", "c") != cluster_weight("a", "bc"));
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "pc%03u", i);
		int all = cluster_place(nodes, 3, name, &shared, 0, 0x7);
		CHECK(all >= 0 && all < 3);
		count[all]++;
		/* every node's view with everyone up gives the same node */
		CHECK_EQ(cluster_place(nodes, 3, name, &shared, 1, 0x7), all);
		CHECK_EQ(cluster_place(nodes, 3, name, &shared, 2, 0x7), all);
		/* node b (1) down, seen from a: only b's LUNs move, to a live node */
		int without_b = cluster_place(nodes, 3, name, &shared, 0, 0x5);
		CHECK(without_b == 0 || without_b == 2);
		if (all == 1) {
			moved++;
		} else {
			CHECK_EQ(without_b, all);
			stayed++;
		}
		/* b itself is alive to itself: it keeps them */
		if (all == 1)
			CHECK_EQ(cluster_place(nodes, 3, name, &shared, 1, 0x0), 1);
	}
	for (unsigned i = 0; i < 3; i++) /* about a third each */
		CHECK(count[i] > 60 && count[i] < 140);
	CHECK_EQ(moved + stayed, 300);
	/* the order is a permutation of the nodes */
	uint8_t order[CLUSTER_MAX_NODES];
	CHECK_EQ(cluster_order(nodes, 3, "pc001", &shared, order), 3);
	CHECK(order[0] != order[1] && order[1] != order[2] && order[0] != order[2]);
}

static void test_place_explicit(void)
{
	struct cluster_lun l = {.shared = true, .order = {2, 0, 1}, .n_order = 3, .home = -1};

	make_nodes(3);
	CHECK_EQ(cluster_place(nodes, 3, "sh", &l, 0, 0x7), 2);
	CHECK_EQ(cluster_place(nodes, 3, "sh", &l, 0, 0x3), 0); /* c down: a */
	CHECK_EQ(cluster_place(nodes, 3, "sh", &l, 1, 0x2), 1); /* b alone: b */
	CHECK_EQ(cluster_place(nodes, 3, "sh", &l, 1, 0x3), 0); /* b sees a up: a */
	/* a node outside a shared LUN's order, with all of it down: nobody */
	struct cluster_lun only_c = {.shared = true, .order = {2}, .n_order = 1, .home = -1};
	CHECK_EQ(cluster_place(nodes, 3, "sh", &only_c, 0, 0x1), -1);
	/* not shared: the owner, up or down */
	struct cluster_lun own = {.shared = false, .order = {1}, .n_order = 1, .home = -1};
	CHECK_EQ(cluster_place(nodes, 3, "x", &own, 0, 0x1), 1);
	struct cluster_lun home = {.shared = false, .home = 2};
	CHECK_EQ(cluster_place(nodes, 3, "x", &home, 0, 0x7), 2);
	struct cluster_lun unknown = {.shared = false, .home = -1};
	CHECK_EQ(cluster_place(nodes, 3, "x", &unknown, 0, 0x7), -1);
	struct cluster_lun bad = {.shared = false, .order = {9}, .n_order = 1, .home = -1};
	CHECK_EQ(cluster_place(nodes, 3, "x", &bad, 0, 0x7), -1);
}

/* Nodes that share a config never loop: a redirect goes only up the LUN's order. */
static void test_no_loop_with_one_config(void)
{
	struct cluster_lun shared = {.shared = true, .home = -1};
	char name[32];

	make_nodes(4);
	for (unsigned i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "lun%u", i);
		for (uint32_t view = 0; view < 16; view++) { /* any mix of what nodes think */
			for (unsigned start = 0; start < 4; start++) {
				unsigned at = start, hops = 0;
				int next;
				/* each node has its own view; here: view rotated by the node */
				while ((next = cluster_place(nodes, 4, name, &shared, at,
							     view >> at | view << (4 - at))) >= 0 &&
				       (unsigned)next != at && hops < 8) {
					at = (unsigned)next;
					hops++;
				}
				CHECK(hops < 4);
			}
		}
	}
}

static void test_guard(void)
{
	static struct cluster_guard g;
	const uint8_t isid1[6] = {0x80, 0, 0, 1, 0, 1}, isid2[6] = {0x80, 0, 0, 1, 0, 2};

	cluster_guard_init(&g);
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:x", 1000), CLUSTER_GUARD_OK);
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:x", 1010), CLUSTER_GUARD_OK);
	/* a new session of the same initiator is not the loop */
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid2, "iqn.t:x", 1020), CLUSTER_GUARD_OK);
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:y", 1020), CLUSTER_GUARD_OK);
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:x", 1030), CLUSTER_GUARD_LOOP);
	CHECK_EQ(cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:x", 1040),
		 CLUSTER_GUARD_LOOP_QUIET);
	/* the window over, it may go again */
	CHECK_EQ(
	    cluster_guard_redirect(&g, "iqn.i", isid1, "iqn.t:x", 1000 + CLUSTER_GUARD_WINDOW_MS),
	    CLUSTER_GUARD_OK);
	/* more sessions than slots: the oldest make room, nothing breaks */
	char name[32];
	for (unsigned i = 0; i < 3 * CLUSTER_GUARD_SLOTS; i++) {
		snprintf(name, sizeof(name), "iqn.n%u", i);
		CHECK_EQ(cluster_guard_redirect(&g, name, isid1, "iqn.t:x", 20000 + i),
			 CLUSTER_GUARD_OK);
	}
}

static const struct {
	const char *text;
	const char *err_part; /* NULL: must parse */
} config_cases[] = {
    {"[cluster]\nnodes = a=127.0.0.2:3260, b=127.0.0.3:3260\n", NULL},
    {"[cluster]\nnode = b\nnodes = a=127.0.0.2 b=[::1]:3261\nshared_dir = /srv/shared\n"
     "health_interval = 1\nhealth_timeout = 3\n[lun x]\nnode = b, a\n",
     NULL},
    {"[cluster]\nshared_dir = /srv\n", "needs nodes"},
    {"[cluster]\nnodes = a\n", "NAME=ADDR"},
    {"[cluster]\nnodes = a=1.2.3.4:99999\n", "PORT"},
    {"[cluster]\nnodes = a=[::g]\n", "IPv6"},
    {"[cluster]\nnodes = a=1.2.3.4, a=1.2.3.5\n", "given twice"},
    {"[cluster]\nnodes = a=1.2.3.4, b=1.2.3.4:3260\n", "same address"},
    {"[cluster]\nnode = c\nnodes = a=1.2.3.4\n", "not one of nodes"},
    {"[cluster]\nnodes = a=1.2.3.4\nhealth_interval = 5\nhealth_timeout = 4\n",
     "above health_interval"},
    {"[cluster]\nnodes = a=1.2.3.4\nshared_dir = rel\n", "absolute"},
    {"[cluster]\nnodes = a=1.2.3.4\n[lun x]\nnode = b\n", "not one of [cluster] nodes"},
    {"[cluster]\nnodes = a=1.2.3.4\n[lun x]\nnode = a, a\n", "listed twice"},
    {"[lun x]\nnode = a\n", "no [cluster] section"},
    {"[cluster]\nnodes = a=1.2.3.4\n[cluster]\nnodes = b=1.2.3.4\n", "duplicate section"},
    {"[cluster x]\nnodes = a=1.2.3.4\n", "takes no name"},
    {"[cluster]\nbogus = 1\nnodes = a=1.2.3.4\n", "unknown key"},
};

static void test_config(void)
{
	char err[1024];

	for (size_t i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		struct config cfg;
		int ret =
		    config_parse_buffer(&cfg, config_cases[i].text, strlen(config_cases[i].text),
					"t.ini", err, sizeof(err));
		if (!config_cases[i].err_part) {
			CHECK_EQ(ret, 0);
			if (ret)
				fprintf(stderr, "  case %zu: %s\n", i, err);
		} else {
			CHECK_EQ(ret, -EINVAL);
			CHECK(strstr(err, config_cases[i].err_part) != NULL);
			if (!strstr(err, config_cases[i].err_part))
				fprintf(stderr, "  case %zu: %s\n", i, err);
		}
		config_free(&cfg);
	}
	struct config cfg;
	const char *text = config_cases[1].text;
	CHECK_EQ(config_parse_buffer(&cfg, text, strlen(text), "t.ini", err, sizeof(err)), 0);
	CHECK_EQ(cfg.cluster.n_parsed, 2);
	CHECK_EQ(cfg.cluster.parsed[1].port, 3261);
	CHECK_EQ(cluster_config_node_index(&cfg, "b"), 1);
	CHECK_EQ(cluster_config_node_index(&cfg, "z"), -1);
	struct cluster_lun l;
	cluster_config_lun(&cfg, "x", true, &l);
	CHECK(l.shared);
	CHECK_EQ(l.n_order, 2);
	CHECK_EQ(l.order[0], 1);
	CHECK_EQ(l.order[1], 0);
	cluster_config_lun(&cfg, "other", false, &l);
	CHECK_EQ(l.n_order, 0);
	CHECK_EQ(l.home, -1);
	config_free(&cfg);
}

int main(void)
{
	test_parse_node();
	test_place_hash();
	test_place_explicit();
	test_no_loop_with_one_config();
	test_guard();
	test_config();
	return CHECK_SUMMARY();
}
