/* sendtargets.h: the SendTargets text answer (RFC 7143 appendix C, 13.3, 13.8).
 *
 * Builds "TargetName=<name>\0TargetAddress=<ip>:<port>,<tpgt>\0..." from the targets the caller
 * says this initiator may see (the ACL check is the caller's), with IPv6 addresses in brackets.
 * The whole answer is built into a caller-owned buffer with a cap; struct st_cursor then hands it
 * out in pieces of at most the initiator's MaxRecvDataSegmentLength, the caller setting C (and a
 * target transfer tag) on every piece but the last (RFC 7143 11.11.2: a pair may span pieces). */
#ifndef RINGSAN_ISCSI_SENDTARGETS_H
#define RINGSAN_ISCSI_SENDTARGETS_H

#include <stdbool.h>
#include <stdint.h>

struct st_portal {
	const char *addr; /* "192.0.2.1" or "2001:db8::1" (no brackets) */
	uint16_t port;
	uint16_t tpgt;
};

struct st_target {
	const char *name;
	const struct st_portal *portals;
	unsigned n_portals;
};

/* which: the SendTargets value. "All" (discovery sessions only), a target name, or "" (the
 * session's own target, session_target, in a normal session). Writes the answer into out and
 * its length into *len. Returns 0; -EINVAL for "All" in a normal session (the caller answers
 * SendTargets=Reject); -EMSGSIZE when the answer does not fit in cap (*len then covers the whole
 * targets that fit: the caller may send that, or fail the request). */
int sendtargets_build(const char *which, bool discovery, const char *session_target,
		      const struct st_target *targets, unsigned n_targets, char *out, uint32_t cap,
		      uint32_t *len);

/* Formats one TargetAddress value ("[2001:db8::1]:3260,1") into out. */
void sendtargets_address(const struct st_portal *p, char *out, uint32_t cap);

/* Hands out a built answer in pieces. */
struct st_cursor {
	const char *buf;
	uint32_t len, off;
};

void sendtargets_cursor_init(struct st_cursor *c, const char *buf, uint32_t len);
/* The next piece of at most max bytes; returns true if more remain after it (set C). */
bool sendtargets_cursor_next(struct st_cursor *c, uint32_t max, const char **piece,
			     uint32_t *piece_len);

#endif
