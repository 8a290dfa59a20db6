/* test_events.c: the event ring and its `events SEQ` answer: order, the `next` line, the cap of
 * one answer, wrap-around, a restarted target, escaping, the failure reasons. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/obs/obs_events.h"
#include "test/unit/check.h"

static char *render(const struct obs_events *r, uint64_t from, struct obs_buf *b)
{
	obs_buf_fini(b);
	obs_buf_init(b);
	obs_events_render(r, from, b);
	return b->p;
}

static unsigned lines(const char *s)
{
	unsigned n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* The first event line's seq (after "next N\n"), 0 when none. */
static uint64_t first_seq(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl && nl[1] ? strtoull(nl + 1, NULL, 10) : 0;
}

static void test_basic(void)
{
	struct obs_events r;
	struct obs_buf b;

	obs_buf_init(&b);
	CHECK_EQ(obs_events_init(&r), 0);
	CHECK_STR(render(&r, 1, &b), "next 1\n");
	CHECK_STR(render(&r, 0, &b), "next 1\n");
	obs_events_push(&r, 1700000000123, OBS_EV_LOGIN, "iqn.x:pc1", "10.0.0.5", "disk", "chap");
	obs_events_push(&r, 1700000000200, OBS_EV_LOGIN_FAILED, "iqn.x:pc2", "10.0.0.6", "disk",
			"wrong CHAP secret");
	obs_events_push(&r, 1700000000300, OBS_EV_CONN_LOST, "iqn.x:pc1", NULL, "",
			"bad\tdetail\nwith\x01 bytes");
	CHECK_STR(render(&r, 1, &b),
		  "next 4\n"
		  "1\t1700000000123\tlogin\tiqn.x:pc1\t10.0.0.5\tdisk\tchap\n"
		  "2\t1700000000200\tlogin_failed\tiqn.x:pc2\t10.0.0.6\tdisk\twrong CHAP secret\n"
		  "3\t1700000000300\tconn_lost\tiqn.x:pc1\t-\t-\tbad\\x09detail\\x0awith\\x01 "
		  "bytes\n");
	CHECK_STR(render(&r, 3, &b), "next 4\n3\t1700000000300\tconn_lost\tiqn.x:pc1\t-\t-\t"
				     "bad\\x09detail\\x0awith\\x01 bytes\n");
	CHECK_STR(render(&r, 4, &b), "next 4\n"); /* nothing new */
	/* A SEQ beyond next: the target restarted since; answered from the oldest. */
	CHECK_EQ(first_seq(render(&r, 99, &b)), 1);
	CHECK_EQ(lines(b.p), 4);
	/* a long field is cut, never overflows */
	char longname[600];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	obs_events_push(&r, 1, OBS_EV_DISCOVERY, longname, longname, longname, longname);
	render(&r, 4, &b);
	CHECK(strlen(b.p) < 600);
	obs_events_fini(&r);
	obs_buf_fini(&b);
}

static void test_wrap_and_cap(void)
{
	struct obs_events r;
	struct obs_buf b;
	char want[64];

	obs_buf_init(&b);
	CHECK_EQ(obs_events_init(&r), 0);
	for (unsigned i = 1; i <= OBS_EVENTS_RING + 500; i++)
		obs_events_push(&r, i, OBS_EV_LOGIN, "iqn.x:y", "10.0.0.1", "disk", "");
	/* The oldest 500 are gone: asking from 1 starts at 501, with at most 1000 lines. */
	render(&r, 1, &b);
	snprintf(want, sizeof(want), "next %u\n501\t501\t", 501 + OBS_EVENTS_ANSWER);
	CHECK(strncmp(b.p, want, strlen(want)) == 0);
	CHECK_EQ(lines(b.p), 1 + OBS_EVENTS_ANSWER);
	/* Following `next` from there reaches the end, never skipping or repeating. */
	uint64_t seq = 1, seen = 0, expect = 501;
	for (int round = 0; round < 10; round++) {
		render(&r, seq, &b);
		uint64_t next = strtoull(b.p + 5, NULL, 10);
		for (const char *p = strchr(b.p, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
			CHECK_EQ(strtoull(p, NULL, 10), expect);
			expect++;
			seen++;
		}
		if (next == seq)
			break;
		seq = next;
	}
	CHECK_EQ(seen, OBS_EVENTS_RING);
	CHECK_EQ(seq, OBS_EVENTS_RING + 501);
	obs_events_fini(&r);
	obs_buf_fini(&b);
}

static void test_failures(void)
{
	static const struct {
		uint16_t status;
		const char *reason;
		enum obs_fail want;
		const char *words;
	} cases[] = {
	    {0x0201, "CHAP response does not match", OBS_FAIL_CHAP_SECRET, "wrong CHAP secret"},
	    {0x0201, "unknown CHAP user name", OBS_FAIL_CHAP_USER, "unknown CHAP user name"},
	    {0x0201, "CHAP_N/CHAP_R missing or out of sequence", OBS_FAIL_CHAP_MISSING, "CHAP"},
	    {0x0201, "CHAP required but not offered", OBS_FAIL_CHAP_MISSING, "no credentials"},
	    {0x0202, "initiator not authorized", OBS_FAIL_NOT_ALLOWED, "allowed_initiators"},
	    {0x0203, "no such target", OBS_FAIL_UNKNOWN_TARGET, "no such LUN"},
	    {0x0302, "too many sessions (max_sessions)", OBS_FAIL_TOO_MANY_SESSIONS,
	     "too many sessions"},
	    {0x0301, "the target is busy", OBS_FAIL_LUN_BUSY, "busy"},
	    {0x0200, "unsupported SessionType", OBS_FAIL_OTHER, "unsupported SessionType"},
	    {0x0201, NULL, OBS_FAIL_OTHER, "login refused"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum obs_fail f = obs_fail_classify(cases[i].status, cases[i].reason);
		CHECK_EQ(f, cases[i].want);
		CHECK(strstr(obs_fail_detail(f, cases[i].reason), cases[i].words) != NULL);
		CHECK(strchr(obs_fail_slug(f), ' ') == NULL);
	}
}

int main(void)
{
	test_basic();
	test_wrap_and_cap();
	test_failures();
	return CHECK_SUMMARY();
}
