/* cluster.c: see cluster.h. */
#include "common/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *what, const char *text, size_t len)
{
	snprintf(err, errlen, "'%.*s': %s", (int)(len > 120 ? 120 : len), text, what);
	return -EINVAL;
}

static bool is_ipv4(const char *s)
{
	unsigned parts = 0;

	for (const char *p = s;; p++) {
		unsigned v = 0, digits = 0;
		for (; *p >= '0' && *p <= '9'; p++) {
			v = v * 10 + (unsigned)(*p - '0');
			if (++digits > 3 || v > 255 || (digits == 2 && v < 10))
				return false; /* no leading zeros: 010 is octal to some tools */
		}
		if (!digits)
			return false;
		parts++;
		if (*p == '\0')
			return parts == 4;
		if (*p != '.' || parts == 4)
			return false;
	}
}

/* The shape of an IPv6 address: hex digits, colons (at least two), dots for an embedded IPv4
 * part, at most one "::". The daemon's inet_pton has the last word. */
static bool is_ipv6(const char *s)
{
	unsigned colons = 0;
	const char *gap = strstr(s, "::");

	if (gap && strstr(gap + 1, "::"))
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == ':')
			colons++;
		else if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			   (*p >= 'A' && *p <= 'F') || *p == '.'))
			return false;
	}
	return colons >= 2 && colons <= 7;
}

static int parse_port(const char *p, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ADDR[:PORT] or [V6]:PORT of len bytes into out. */
static int parse_addr(const char *a, size_t len, unsigned dflt_port, struct cluster_node *out)
{
	const char *host = a, *port = NULL;
	size_t hlen = len, plen = 0;
	unsigned pv = dflt_port;

	if (len && a[0] == '[') {
		const char *close = memchr(a, ']', len);
		if (!close)
			return -EINVAL;
		host = a + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < a + len) {
			if (close[1] != ':')
				return -EINVAL;
			port = close + 2;
			plen = (size_t)(a + len - port);
		}
		out->ipv6 = true;
	} else {
		const char *colon = memchr(a, ':', len);
		if (colon) {
			hlen = (size_t)(colon - a);
			port = colon + 1;
			plen = len - hlen - 1;
		}
	}
	if (hlen == 0 || hlen >= CLUSTER_HOST_LEN)
		return -EINVAL;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	if (out->ipv6 ? !is_ipv6(out->host) : !is_ipv4(out->host))
		return -EINVAL;
	if (port && parse_port(port, plen, &pv) != 0)
		return -EINVAL;
	if (pv == 0 || pv > 65535)
		return -EINVAL;
	out->port = (uint16_t)pv;
	return 0;
}

int cluster_parse_node(const char *text, size_t len, unsigned dflt_port, struct cluster_node *out,
		       char *err, size_t errlen)
{
	const char *eq = memchr(text, '=', len);
	char why[160];

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len))
		return fail(err, errlen, "a NUL byte", "", 0);
	if (!eq)
		return fail(err, errlen, "a node is NAME=ADDR[:PORT], such as a=192.0.2.10:3260",
			    text, len);
	size_t nlen = (size_t)(eq - text);
	if (nlen == 0 || nlen > NAME_MAX_LEN)
		return fail(err, errlen, "a node's name is 1 to 64 characters", text, len);
	memcpy(out->name, text, nlen);
	out->name[nlen] = '\0';
	if (name_check_lun(out->name, why, sizeof(why)) != 0)
		return fail(err, errlen, "a node's name follows the LUN name rules", text, len);
	if (parse_addr(eq + 1, len - nlen - 1, dflt_port, out) != 0)
		return fail(err, errlen,
			    "the address is an IPv4 address or [IPv6] address, then an optional "
			    ":PORT (1-65535)",
			    text, len);
	return 0;
}

void cluster_format_node(const struct cluster_node *n, char *out, size_t cap)
{
	snprintf(out, cap, n->ipv6 ? "%s=[%s]:%u" : "%s=%s:%u", n->name, n->host, n->port);
}

void cluster_target_address(const struct cluster_node *n, unsigned tpgt, char *out, size_t cap)
{
	snprintf(out, cap, n->ipv6 ? "[%s]:%u,%u" : "%s:%u,%u", n->host, n->port, tpgt);
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

uint64_t cluster_weight(const char *name, const char *node)
{
	uint64_t h = fnv1a(UINT64_C(0xcbf29ce484222325), name);

	h ^= 0xff; /* a separator no name contains: "ab"+"c" differs from "a"+"bc" */
	h *= UINT64_C(0x100000001b3);
	h = fnv1a(h, node);
	/* splitmix64's finalizer: FNV's last bytes alone would decide too much of the order. */
	h ^= h >> 30;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64_C(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

unsigned cluster_order(const struct cluster_node *nodes, unsigned n_nodes, const char *name,
		       const struct cluster_lun *lun, uint8_t out[CLUSTER_MAX_NODES])
{
	uint64_t w[CLUSTER_MAX_NODES];
	unsigned n = 0;

	if (n_nodes > CLUSTER_MAX_NODES)
		n_nodes = CLUSTER_MAX_NODES;
	if (lun->n_order) {
		for (unsigned i = 0; i < lun->n_order && i < CLUSTER_MAX_NODES; i++)
			if (lun->order[i] < n_nodes)
				out[n++] = lun->order[i];
		return n;
	}
	/* Insertion sort by weight, highest first; ties (never in practice) by index. */
	for (unsigned i = 0; i < n_nodes; i++) {
		uint64_t wi = cluster_weight(name, nodes[i].name);
		unsigned j = n;
		while (j > 0 && w[j - 1] < wi) {
			w[j] = w[j - 1];
			out[j] = out[j - 1];
			j--;
		}
		w[j] = wi;
		out[j] = (uint8_t)i;
		n++;
	}
	return n;
}

int cluster_place(const struct cluster_node *nodes, unsigned n_nodes, const char *name,
		  const struct cluster_lun *lun, unsigned self, uint32_t alive)
{
	uint8_t order[CLUSTER_MAX_NODES];

	if (!lun->shared) {
		if (lun->n_order)
			return lun->order[0] < n_nodes ? lun->order[0] : -1;
		return lun->home >= 0 && (unsigned)lun->home < n_nodes ? lun->home : -1;
	}
	if (self < 32)
		alive |= UINT32_C(1) << self;
	unsigned n = cluster_order(nodes, n_nodes, name, lun, order);
	for (unsigned i = 0; i < n; i++)
		if (order[i] < 32 && (alive >> order[i] & 1))
			return order[i];
	return -1;
}

/* ---- redirect loop guard ---- */

void cluster_guard_init(struct cluster_guard *g)
{
	memset(g, 0, sizeof(*g));
}

enum cluster_guard_verdict cluster_guard_redirect(struct cluster_guard *g, const char *initiator,
						  const uint8_t isid[6], const char *target,
						  uint64_t now_ms)
{
	char hex[13];

	for (unsigned i = 0; i < 6; i++) {
		hex[2 * i] = "0123456789abcdef"[isid[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[isid[i] & 15];
	}
	hex[12] = '\0';
	/* never 0: 0 marks a free slot */
	uint64_t key = (cluster_weight(initiator, target) ^ cluster_weight(hex, "isid")) | 1;
	struct cluster_guard_slot *s = NULL, *oldest = &g->slots[0];

	for (unsigned i = 0; i < CLUSTER_GUARD_SLOTS; i++) {
		struct cluster_guard_slot *t = &g->slots[i];
		if (t->key == key) {
			s = t;
			break;
		}
		if (t->key == 0 || (oldest->key != 0 && t->first_ms < oldest->first_ms))
			oldest = t;
	}
	if (s && now_ms - s->first_ms >= CLUSTER_GUARD_WINDOW_MS)
		s->key = 0; /* its window is over: count afresh */
	if (!s || s->key == 0) {
		s = s ? s : oldest;
		s->key = key;
		s->first_ms = now_ms;
		s->count = 0;
		s->reported = false;
	}
	if (++s->count <= CLUSTER_GUARD_LIMIT)
		return CLUSTER_GUARD_OK;
	if (s->reported)
		return CLUSTER_GUARD_LOOP_QUIET;
	s->reported = true;
	return CLUSTER_GUARD_LOOP;
}
