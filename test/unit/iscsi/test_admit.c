/* test_admit.c: the admission policy as a table of situations: who is admitted, who is dropped
 * and why; and the source-address keys. */
#include "target/iscsi/admit.h"
#include "test/unit/check.h"

#define A 0x7f000002ull /* attacker addresses */
#define B 0x7f000003ull
#define C 0x7f000004ull
#define G 0x7f000001ull /* the good client */

struct situation {
	const char *what;
	uint32_t max, per_addr;
	size_t n;
	struct {
		uint64_t since, addr;
	} conns[8];
	uint64_t newcomer;
	enum admit_verdict verdict;
	enum admit_reason reason;
	int victim; /* index into conns, or -1 */
};

static const struct situation cases[] = {
    {"empty: admitted", 4, 2, 0, {{0, 0}}, G, ADMIT_ACCEPT, ADMIT_ROOM, -1},
    {"room left: admitted", 4, 2, 2, {{10, A}, {20, B}}, G, ADMIT_ACCEPT, ADMIT_ROOM, -1},
    {"full: the oldest of the heaviest address goes, not the newcomer",
     4,
     4,
     4,
     {{30, A}, {10, B}, {20, A}, {40, A}},
     G,
     ADMIT_ACCEPT_EVICT,
     ADMIT_BUDGET_FULL,
     2},
    {"full of distinct addresses: the oldest goes",
     3,
     2,
     3,
     {{30, A}, {10, B}, {20, C}},
     G,
     ADMIT_ACCEPT_EVICT,
     ADMIT_BUDGET_FULL,
     1},
    {"the newcomer's address counts once more: it evicts its own oldest",
     4,
     4,
     4,
     {{30, A}, {10, B}, {20, A}, {5, B}},
     A,
     ADMIT_ACCEPT_EVICT,
     ADMIT_BUDGET_FULL,
     2},
    {"per-address share reached: that address's oldest goes, room or not",
     8,
     2,
     3,
     {{30, A}, {10, G}, {20, A}},
     A,
     ADMIT_ACCEPT_EVICT,
     ADMIT_ADDRESS_SHARE,
     2},
    {"a good client next to a flood at its share: admitted without harm to itself",
     8,
     2,
     3,
     {{30, A}, {25, A}, {20, B}},
     G,
     ADMIT_ACCEPT,
     ADMIT_ROOM,
     -1},
    {"one slot, one address: the single conn is replaced",
     1,
     1,
     1,
     {{7, A}},
     A,
     ADMIT_ACCEPT_EVICT,
     ADMIT_ADDRESS_SHARE,
     0},
};

static void test_decide(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct situation *s = &cases[i];
		struct admit_limits lim = {.max_logins = s->max,
					   .max_logins_per_addr = s->per_addr};
		struct admit_conn conns[8];
		int ids[8];
		for (size_t j = 0; j < s->n; j++) {
			ids[j] = (int)j;
			conns[j] =
			    (struct admit_conn){s->conns[j].since, s->conns[j].addr, &ids[j]};
		}
		struct admit_decision d;
		admit_decide(&lim, conns, s->n, s->newcomer, &d);
		if (d.verdict != s->verdict || d.reason != s->reason)
			fprintf(stderr, "case: %s\n", s->what);
		CHECK_EQ(d.verdict, s->verdict);
		CHECK_EQ(d.reason, s->reason);
		CHECK_EQ(d.victim ? *(int *)d.victim : -1, s->victim);
	}
}

/* A flood of 1,000 connections from 4 addresses against a budget of 64 with a share of 16 never
 * holds more than the budget, and a good client arriving last is always admitted. */
static void test_flood(void)
{
	struct admit_limits lim = {.max_logins = 64, .max_logins_per_addr = 16};
	struct admit_conn held[64], scratch[64];
	size_t n = 0;
	unsigned evicted = 0;
	for (uint64_t t = 0; t < 1000; t++) {
		memcpy(scratch, held, n * sizeof(held[0]));
		struct admit_decision d;
		uint64_t addr = A + t % 4;
		admit_decide(&lim, scratch, n, addr, &d);
		if (d.verdict == ADMIT_ACCEPT_EVICT) {
			struct admit_conn *v = d.victim;
			*v = (struct admit_conn){t, addr, v};
			evicted++;
		} else {
			held[n] = (struct admit_conn){t, addr, &held[n]};
			n++;
		}
	}
	CHECK_EQ(n, 64);
	CHECK_EQ(evicted, 1000 - 64);
	struct admit_decision d;
	memcpy(scratch, held, sizeof(held));
	admit_decide(&lim, scratch, n, G, &d);
	CHECK_EQ(d.verdict, ADMIT_ACCEPT_EVICT);
	CHECK(((struct admit_conn *)d.victim)->addr != G);
}

static void test_keys(void)
{
	const uint8_t v4[4] = {127, 0, 0, 1};
	const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
	const uint8_t v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	CHECK_EQ(admit_addr_key(v4, 4), G);
	CHECK_EQ(admit_addr_key(mapped, 16), G);
	CHECK(admit_addr_key(v6, 16) != G);
	CHECK(admit_addr_key(v6, 16) >> 63);
	/* one /64 is one address; another /64 is another */
	const uint8_t same64[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0, 0, 0, 0, 0, 2};
	const uint8_t other64[16] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	CHECK_EQ(admit_addr_key(same64, 16), admit_addr_key(v6, 16));
	CHECK(admit_addr_key(other64, 16) != admit_addr_key(v6, 16));
}

int main(void)
{
	test_decide();
	test_flood();
	test_keys();
	return CHECK_SUMMARY();
}
