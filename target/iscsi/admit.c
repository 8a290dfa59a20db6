/* admit.c: see admit.h. */
#include "target/iscsi/admit.h"

#include <stdlib.h>
#include <string.h>

uint64_t admit_addr_key(const uint8_t *addr, size_t len)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bit */

	if (len == 16 && memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
		addr += 12;
		len = 4;
	}
	if (len == 4)
		return (uint64_t)addr[0] << 24 | (uint64_t)addr[1] << 16 | (uint64_t)addr[2] << 8 |
		       addr[3];
	if (len == 16)
		len = 8; /* IPv6: one host usually holds a whole /64, so a /64 counts as one address
			  */
	for (size_t i = 0; i < len; i++) {
		h ^= addr[i];
		h *= 0x100000001b3ull;
	}
	return h | 1ull << 63; /* never equal to an IPv4 key */
}

static int by_addr_then_age(const void *a, const void *b)
{
	const struct admit_conn *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->since_ms != y->since_ms)
		return x->since_ms < y->since_ms ? -1 : 1;
	return 0;
}

/* After sorting: the first (oldest) entry of the run of conns from the heaviest address, counting
 * the newcomer's address once more. */
static size_t heaviest_oldest(const struct admit_conn *conns, size_t n, uint64_t addr)
{
	size_t best = 0, best_count = 0;

	for (size_t start = 0, end; start < n; start = end) {
		for (end = start + 1; end < n && conns[end].addr == conns[start].addr; end++)
			;
		size_t count = end - start + (conns[start].addr == addr);
		if (count > best_count ||
		    (count == best_count && conns[start].since_ms < conns[best].since_ms)) {
			best = start;
			best_count = count;
		}
	}
	return best;
}

void admit_decide(const struct admit_limits *lim, struct admit_conn *conns, size_t n, uint64_t addr,
		  struct admit_decision *out)
{
	size_t same = 0, first_same = n;

	out->verdict = ADMIT_ACCEPT;
	out->reason = ADMIT_ROOM;
	out->victim = NULL;
	if (!n)
		return;
	qsort(conns, n, sizeof(conns[0]), by_addr_then_age);
	for (size_t i = 0; i < n; i++) {
		if (conns[i].addr == addr) {
			if (!same)
				first_same = i;
			same++;
		}
	}
	if (same >= lim->max_logins_per_addr) {
		out->verdict = ADMIT_ACCEPT_EVICT;
		out->reason = ADMIT_ADDRESS_SHARE;
		out->victim = conns[first_same].owner;
		return;
	}
	if (n < lim->max_logins)
		return;
	out->verdict = ADMIT_ACCEPT_EVICT;
	out->reason = ADMIT_BUDGET_FULL;
	out->victim = conns[heaviest_oldest(conns, n, addr)].owner;
}

const char *admit_reason_name(enum admit_reason r)
{
	switch (r) {
	case ADMIT_ROOM:
		return "room";
	case ADMIT_BUDGET_FULL:
		return "too many logins in progress (max_logins)";
	case ADMIT_ADDRESS_SHARE:
		return "too many logins in progress from one address (max_logins_per_address)";
	}
	return "?";
}
