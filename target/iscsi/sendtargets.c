/* sendtargets.c: SendTargets answers (RFC 7143 appendix C). */
#include "target/iscsi/sendtargets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "target/iscsi/text.h"

void sendtargets_address(const struct st_portal *p, char *out, uint32_t cap)
{
	bool v6 = strchr(p->addr, ':') != NULL; /* RFC 7143 13.8: IPv6 in brackets */

	snprintf(out, cap, "%s%s%s:%u,%u", v6 ? "[" : "", p->addr, v6 ? "]" : "", p->port, p->tpgt);
}

/* One target's pairs; false if they did not all fit (out is then rolled back). */
static bool add_target(struct text_out *o, const struct st_target *t)
{
	uint32_t mark = o->len;
	char addr[96];

	text_out_add(o, "TargetName", t->name);
	for (unsigned i = 0; i < t->n_portals; i++) {
		sendtargets_address(&t->portals[i], addr, sizeof(addr));
		text_out_add(o, "TargetAddress", addr);
	}
	if (o->overflow) {
		o->len = mark;
		return false;
	}
	return true;
}

int sendtargets_build(const char *which, bool discovery, const char *session_target,
		      const struct st_target *targets, unsigned n_targets, char *out, uint32_t cap,
		      uint32_t *len)
{
	struct text_out o;
	bool all = strcmp(which, "All") == 0;
	const char *want = all ? NULL : which[0] ? which : session_target;

	text_out_init(&o, out, cap);
	*len = 0;
	if (all && !discovery)
		return -EINVAL; /* RFC 7143 C: "All" only in a discovery session */
	if (!all && !want)
		return 0; /* empty value in a discovery session: nothing to name */
	for (unsigned i = 0; i < n_targets; i++) {
		if (want && strcmp(targets[i].name, want) != 0)
			continue;
		if (!add_target(&o, &targets[i])) {
			*len = o.len;
			return -EMSGSIZE;
		}
	}
	*len = o.len;
	return 0;
}

void sendtargets_cursor_init(struct st_cursor *c, const char *buf, uint32_t len)
{
	c->buf = buf;
	c->len = len;
	c->off = 0;
}

bool sendtargets_cursor_next(struct st_cursor *c, uint32_t max, const char **piece,
			     uint32_t *piece_len)
{
	uint32_t left = c->len - c->off;
	uint32_t n = left < max ? left : max;

	*piece = c->buf + c->off;
	*piece_len = n;
	c->off += n;
	return c->off < c->len;
}
