/* test_tgtevent.c: the reader of the target's `events` answer (bootsvc/proto/tgtevent.c): good
 * lines of every kind, "-" fields, and bad input of every shape refused whole. */
#include <errno.h>
#include <string.h>

#include "bootsvc/proto/tgtevent.h"
#include "test/unit/check.h"

static int parse(struct tgtev *ev, const char *line)
{
	return tgtevent_parse_line(ev, line, strlen(line));
}

static void test_good_lines(void)
{
	struct tgtev ev;
	CHECK_EQ(parse(&ev, "7\t1765000000123\tlogin\tiqn.2026-11.org.ringsan.client:52-54-00-"
			    "77-00-01\t192.168.77.100\tpxe\tchap"),
		 0);
	CHECK_EQ(ev.seq, 7);
	CHECK_EQ(ev.unix_ms, 1765000000123LL);
	CHECK_EQ(ev.kind, TGTEV_LOGIN);
	CHECK_STR(ev.initiator, "iqn.2026-11.org.ringsan.client:52-54-00-77-00-01");
	CHECK_STR(ev.address, "192.168.77.100");
	CHECK_STR(ev.lun, "pxe");
	CHECK_STR(ev.detail, "chap");
	CHECK_EQ(parse(&ev, "8\t1\tlogin_failed\tiqn.x:y\t10.0.0.1\twin11\twrong CHAP secret"), 0);
	CHECK_EQ(ev.kind, TGTEV_LOGIN_FAILED);
	CHECK_STR(ev.detail, "wrong CHAP secret");
	CHECK_EQ(parse(&ev, "9\t2\tlogout\t-\t-\t-\t-"), 0);
	CHECK_EQ(ev.kind, TGTEV_LOGOUT);
	CHECK_STR(ev.initiator, "");
	CHECK_STR(ev.address, "");
	CHECK_STR(ev.lun, "");
	CHECK_STR(ev.detail, "");
	CHECK_EQ(parse(&ev, "10\t3\tconn_lost\ti\t::1\tl\t-"), 0);
	CHECK_EQ(ev.kind, TGTEV_CONN_LOST);
	CHECK_EQ(parse(&ev, "11\t3\tdiscovery\ti\t::1\t-\t-"), 0);
	CHECK_EQ(ev.kind, TGTEV_DISCOVERY);
	/* Escaped bytes stay as the target wrote them. */
	CHECK_EQ(parse(&ev, "12\t3\tlogin_failed\tiqn.a\\x09b\t1.2.3.4\tl\tbad \\x0a name"), 0);
	CHECK_STR(ev.initiator, "iqn.a\\x09b");
	/* A long detail is cut, not refused. */
	char line[600];
	memset(line, 0, sizeof(line));
	strcpy(line, "13\t3\tlogin_failed\ti\ta\tl\t");
	memset(line + strlen(line), 'x', 400);
	CHECK_EQ(parse(&ev, line), 0);
	CHECK_EQ(strlen(ev.detail), TGTEV_DETAIL_MAX - 1);
	CHECK_STR(tgtevent_kind_name(TGTEV_CONN_LOST), "conn_lost");
}

static void test_bad_lines(void)
{
	static const char *const bad[] = {
	    "",
	    "\t\t\t\t\t\t",
	    "1\t2\tlogin\ti\ta\tl",			  /* six fields */
	    "1\t2\tlogin\ti\ta\tl\td\textra",		  /* eight */
	    "0\t2\tlogin\ti\ta\tl\td",			  /* seq 0 */
	    "x\t2\tlogin\ti\ta\tl\td",			  /* not a number */
	    "-1\t2\tlogin\ti\ta\tl\td",			  /* signed */
	    "1\t99999999999999999999\tlogin\ti\ta\tl\td", /* 20 digits */
	    "1\t2\tLOGIN\ti\ta\tl\td",			  /* kind is exact */
	    "1\t2\tlogin2\ti\ta\tl\td",
	    "1\t2\tlogin\t\ta\tl\td", /* empty field: unknown is "-" */
	    "1\t2\tlogin\ti\ta\tl\t",
	    "1\t2\tlogin\ti\ta\tl\td\r", /* control byte */
	    "1\t2\tlogin\ti\ta\tl\td\x7f",
	    "1 \t2\tlogin\ti\ta\tl\td",
	};
	struct tgtev ev;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&ev, bad[i]);
		if (rc != -EBADMSG)
			fprintf(stderr, "accepted bad line %zu: %s\n", i, bad[i]);
		CHECK_EQ(rc, -EBADMSG);
	}
	/* An embedded NUL is a control byte too. */
	CHECK_EQ(tgtevent_parse_line(&ev, "1\t2\tlogin\ti\0\ta\tl\td", 17), -EBADMSG);
	/* A LUN name longer than any LUN, an initiator longer than RFC 7143 allows. */
	char line[700];
	snprintf(line, sizeof(line), "1\t2\tlogin\ti\ta\t%0100d\td", 0);
	CHECK_EQ(parse(&ev, line), -EBADMSG);
	memset(line, 0, sizeof(line));
	strcpy(line, "1\t2\tlogin\t");
	memset(line + strlen(line), 'i', 300);
	strcat(line, "\ta\tl\td");
	CHECK_EQ(parse(&ev, line), -EBADMSG);
	uint64_t next;
	CHECK_EQ(tgtevent_parse_next("next 42", 7, &next), 0);
	CHECK_EQ(next, 42);
	CHECK_EQ(tgtevent_parse_next("next ", 5, &next), -EBADMSG);
	CHECK_EQ(tgtevent_parse_next("next x", 6, &next), -EBADMSG);
	CHECK_EQ(tgtevent_parse_next("error: not authorised", 21, &next), -EBADMSG);
}

struct seen {
	unsigned n;
	uint64_t seqs[8];
};

static void on_event(void *ctx, const struct tgtev *ev)
{
	struct seen *s = ctx;
	if (s->n < 8)
		s->seqs[s->n] = ev->seq;
	s->n++;
}

static void test_answers(void)
{
	const char *a = "next 4\n1\t5\tlogin\ti\ta\tl\t-\nbroken\n3\t6\tlogout\ti\ta\tl\t-\n";
	struct seen s = {0};
	uint64_t next = 0;
	unsigned bad;
	CHECK_EQ(tgtevent_parse_answer(a, strlen(a), &next, &bad, on_event, &s), 0);
	CHECK_EQ(next, 4);
	CHECK_EQ(bad, 1);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.seqs[0], 1);
	CHECK_EQ(s.seqs[1], 3);
	/* Cut short: the last line without its newline is not delivered. */
	const char *cut = "next 3\n1\t5\tlogin\ti\ta\tl\t-\n2\t5\tlogin\ti\ta\tl\t-";
	s.n = 0;
	CHECK_EQ(tgtevent_parse_answer(cut, strlen(cut), &next, &bad, on_event, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(bad, 1);
	/* An error answer or nothing at all: nothing delivered. */
	const char *err = "error: not authorised\n";
	s.n = 0;
	CHECK_EQ(tgtevent_parse_answer(err, strlen(err), &next, &bad, on_event, &s), -EBADMSG);
	CHECK_EQ(tgtevent_parse_answer("", 0, &next, &bad, on_event, &s), -EBADMSG);
	CHECK_EQ(tgtevent_parse_answer("next 1", 6, &next, &bad, on_event, &s), -EBADMSG);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(tgtevent_parse_answer("next 1\n", 7, &next, &bad, on_event, &s), 0);
	CHECK_EQ(next, 1);
}

int main(void)
{
	test_good_lines();
	test_bad_lines();
	test_answers();
	return CHECK_SUMMARY();
}
