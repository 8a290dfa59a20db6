/* test_admit.c: the admission control policy (HTTP budgets, header deadline, TFTP per-client
 * limits, log rate limit): table-driven, no sockets. */
#include "bootsvc/proto/admit.h"
#include "test/unit/check.h"

static const struct admit_http_limits LIM = {
    .max_pending = 4,
    .max_pending_per_source = 2,
    .max_active = 3,
    .header_timeout_ms = 10000,
    .idle_timeout_ms = 30000,
};

#define A 0x0a000001u /* 10.0.0.1 */
#define B 0x0a000002u
#define C 0x0a000003u

static void test_http_connection(void)
{
	static const struct {
		const char *what;
		struct admit_pending pending[4];
		size_t n;
		uint32_t source;
		enum admit_verdict verdict;
		enum admit_reason reason;
		size_t victim;
	} cases[] = {
	    {"empty table", {{0, 0}}, 0, A, ADMIT_TAKE, ADMIT_ROOM, 0},
	    {"room, other source", {{A, 5}, {A, 6}}, 2, B, ADMIT_TAKE, ADMIT_ROOM, 2},
	    {"source share taken: its own oldest goes",
	     {{B, 1}, {A, 9}, {A, 7}},
	     3,
	     A,
	     ADMIT_TAKE_EVICT,
	     ADMIT_SOURCE_FULL,
	     2},
	    {"budget taken: the oldest of all goes",
	     {{A, 5}, {B, 3}, {C, 4}, {B, 8}},
	     4,
	     C + 1,
	     ADMIT_TAKE_EVICT,
	     ADMIT_PENDING_FULL,
	     1},
	    {"budget taken, share taken: the source pays",
	     {{A, 5}, {B, 3}, {C, 4}, {C, 8}},
	     4,
	     C,
	     ADMIT_TAKE_EVICT,
	     ADMIT_SOURCE_FULL,
	     2},
	    {"same age: the first in the table",
	     {{A, 2}, {B, 2}, {C, 2}, {C + 1, 2}},
	     4,
	     9,
	     ADMIT_TAKE_EVICT,
	     ADMIT_PENDING_FULL,
	     0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct admit_decision d;
		admit_http_connection(&LIM, cases[i].pending, cases[i].n, cases[i].source, &d);
		if (d.verdict != cases[i].verdict || d.reason != cases[i].reason ||
		    d.victim != cases[i].victim)
			fprintf(stderr, "case: %s\n", cases[i].what);
		CHECK_EQ(d.verdict, cases[i].verdict);
		CHECK_EQ(d.reason, cases[i].reason);
		CHECK_EQ(d.victim, cases[i].victim);
	}
}

/* A flood from one source can never take a slot of another source's pending connection, and a
 * flood from many sources always leaves the newest connection in: simulated, 1000 arrivals. */
static void test_http_flood_simulation(void)
{
	struct admit_pending table[4];
	size_t n = 0;
	uint64_t now = 0;
	table[n++] = (struct admit_pending){C, now}; /* a good client's connection */
	for (int i = 0; i < 1000; i++) {
		struct admit_decision d;
		uint32_t src = i % 2 ? A : B;
		admit_http_connection(&LIM, table, n, src, &d);
		if (d.verdict == ADMIT_TAKE_EVICT)
			table[d.victim] = table[--n];
		CHECK(n < LIM.max_pending);
		table[n++] = (struct admit_pending){src, ++now};
		size_t mine = 0;
		for (size_t k = 0; k < n; k++)
			mine += table[k].source == src;
		CHECK(mine <= LIM.max_pending_per_source);
	}
	/* Two flooding sources fill their shares (2 + 2 = the whole budget of 4): the good
	 * client's old connection was displaced only once the budget was full, and the newest
	 * connection of each source is always in. */
	bool newest_in = false;
	for (size_t k = 0; k < n; k++)
		newest_in |= table[k].order == now;
	CHECK(newest_in);
}

static void test_http_request_and_deadline(void)
{
	CHECK(admit_http_request(&LIM, 0));
	CHECK(admit_http_request(&LIM, 2));
	CHECK(!admit_http_request(&LIM, 3));
	CHECK(!admit_http_request(&LIM, 100));
	CHECK_EQ(admit_header_deadline(&LIM, 1000), 11000);
	CHECK_EQ(admit_header_deadline(&LIM, -5), 9995);
}

static void test_tftp(void)
{
	static const struct admit_tftp_limits T = {.max_transfers = 10, .max_per_source = 3};
	static const struct {
		unsigned total, from_source;
		bool same_port;
		enum admit_tftp_verdict want;
	} cases[] = {
	    {0, 0, false, ADMIT_TFTP_TAKE},
	    {9, 2, false, ADMIT_TFTP_TAKE},
	    {5, 3, false, ADMIT_TFTP_SOURCE_FULL},
	    {10, 0, false, ADMIT_TFTP_FULL},
	    {10, 3, false, ADMIT_TFTP_SOURCE_FULL},
	    {10, 3, true, ADMIT_TFTP_REPLACE}, /* one source port: never more than one slot */
	    {1, 1, true, ADMIT_TFTP_REPLACE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ(admit_tftp_request(&T, cases[i].total, cases[i].from_source,
					    cases[i].same_port),
			 cases[i].want);
}

static void test_ratelimit(void)
{
	struct admit_ratelimit r = {0};
	uint64_t sup = 99;
	CHECK(admit_ratelimit_event(&r, 0, 1000, &sup)); /* the first event logs, even at 0 */
	CHECK_EQ(sup, 0);
	CHECK(!admit_ratelimit_event(&r, 10, 1000, &sup));
	CHECK(!admit_ratelimit_event(&r, 999, 1000, &sup));
	CHECK(admit_ratelimit_event(&r, 1000, 1000, &sup));
	CHECK_EQ(sup, 2);
	CHECK(admit_ratelimit_event(&r, 5000, 1000, &sup));
	CHECK_EQ(sup, 0);
}

int main(void)
{
	test_http_connection();
	test_http_flood_simulation();
	test_http_request_and_deadline();
	test_tftp();
	test_ratelimit();
	return CHECK_SUMMARY();
}
