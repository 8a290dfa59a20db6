/* test_req.c: the control socket's request line and the metrics listener's HTTP head. */
#include <string.h>

#include "target/obs/obs_req.h"
#include "test/unit/check.h"

struct req_case {
	const char *in;
	bool eof;
	int ret;
	enum obs_req_kind kind;
	uint64_t seq;
	const char *err; /* a part of the reason */
};

static const struct req_case req_cases[] = {
    {"status\n", false, 1, OBS_REQ_STATUS, 0, NULL},
    {"status\r\n", false, 1, OBS_REQ_STATUS, 0, NULL},
    {"status-text\n", false, 1, OBS_REQ_STATUS_TEXT, 0, NULL},
    {"events 1\n", false, 1, OBS_REQ_EVENTS, 1, NULL},
    {"events 0\n", false, 1, OBS_REQ_EVENTS, 0, NULL},
    {"events 18446744073709551615\n", false, 1, OBS_REQ_EVENTS, UINT64_MAX, NULL},
    {"status\nevents 1\n", false, 1, OBS_REQ_STATUS, 0, NULL}, /* the rest is ignored */
    {"stat", false, 0, 0, 0, NULL},
    {"", false, 0, 0, 0, NULL},
    {"status", true, -1, 0, 0, "newline"},
    {"", true, -1, 0, 0, "newline"},
    {"events 18446744073709551616\n", false, -1, 0, 0, "below 2^64"},
    {"events\n", false, -1, 0, 0, "needs a sequence"},
    {"events \n", false, -1, 0, 0, "SEQ must be"},
    {"events -1\n", false, -1, 0, 0, "SEQ must be"},
    {"events 1 2\n", false, -1, 0, 0, "SEQ must be"},
    {"events 0x10\n", false, -1, 0, 0, "SEQ must be"},
    {"status now\n", false, -1, 0, 0, "no argument"},
    {"STATUS\n", false, -1, 0, 0, "unknown request"},
    {"\n", false, -1, 0, 0, "unknown request"},
    {"GET / HTTP/1.1\n", false, -1, 0, 0, "unknown request"},
    {"sta\ttus\n", false, -1, 0, 0, "control"},
    {"status\x01\n", false, -1, 0, 0, "control"},
    {"st\xc3\xa4tus\n", false, -1, 0, 0, "non-ASCII"},
};

static void test_requests(void)
{
	for (size_t i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];
		struct obs_req r;
		const char *err = NULL;
		int ret = obs_req_parse((const uint8_t *)c->in, strlen(c->in), c->eof, &r, &err);
		CHECK_EQ(ret, c->ret);
		if (ret == 1) {
			CHECK_EQ(r.kind, c->kind);
			CHECK(r.seq == c->seq);
		}
		if (ret < 0)
			CHECK(err && strstr(err, c->err) && !strchr(err, '\n'));
	}
}

/* A line at the cap: 255 bytes and the newline pass the length rule; 256 without one do not. */
static void test_request_length(void)
{
	uint8_t buf[OBS_REQ_MAX + 8];
	struct obs_req r;
	const char *err = NULL;

	memcpy(buf, "events ", 7);
	memset(buf + 7, '0', OBS_REQ_MAX - 8);
	buf[OBS_REQ_MAX - 1] = '\n';
	/* 248 zeros: too long a number, but the line itself fits */
	CHECK_EQ(obs_req_parse(buf, OBS_REQ_MAX, false, &r, &err), -1);
	CHECK(strstr(err, "SEQ") != NULL);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(obs_req_parse(buf, OBS_REQ_MAX - 1, false, &r, &err), 0);
	CHECK_EQ(obs_req_parse(buf, OBS_REQ_MAX, false, &r, &err), -1);
	CHECK(strstr(err, "longer than 256") != NULL);
	buf[OBS_REQ_MAX] = '\n'; /* a newline past the cap does not count */
	CHECK_EQ(obs_req_parse(buf, OBS_REQ_MAX + 1, false, &r, &err), -1);
}

struct http_case {
	const char *in;
	bool eof;
	enum obs_http_verdict v;
	bool head;
};

static const struct http_case http_cases[] = {
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", false, OBS_HTTP_METRICS, false},
    {"GET /metrics HTTP/1.0\r\n\r\n", false, OBS_HTTP_METRICS, false},
    {"GET /metrics?x=1 HTTP/1.1\n\n", false, OBS_HTTP_METRICS, false},
    {"HEAD /metrics HTTP/1.1\r\n\r\n", false, OBS_HTTP_METRICS, true},
    {"GET / HTTP/1.1\r\n\r\n", false, OBS_HTTP_NOT_FOUND, false},
    {"GET /metricsx HTTP/1.1\r\n\r\n", false, OBS_HTTP_NOT_FOUND, false},
    {"POST /metrics HTTP/1.1\r\n\r\n", false, OBS_HTTP_METHOD, false},
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n", false, OBS_HTTP_MORE, false},
    {"GET /metrics HTTP/1.1\r\nHost: x\r\n", true, OBS_HTTP_BAD, false},
    {"GET /metrics\r\n\r\n", false, OBS_HTTP_BAD, false},
    {"GET metrics HTTP/1.1\r\n\r\n", false, OBS_HTTP_BAD, false},
    {"GET /metrics HTTP/2.0\r\n\r\n", false, OBS_HTTP_BAD, false},
    {"GET /met\x01rics HTTP/1.1\r\n\r\n", false, OBS_HTTP_BAD, false},
    {"\r\n\r\n", false, OBS_HTTP_BAD, false},
    {"GET  HTTP/1.1\r\n\r\n", false, OBS_HTTP_BAD, false},
};

static void test_http(void)
{
	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
		const struct http_case *c = &http_cases[i];
		bool head = true;
		CHECK_EQ(obs_http_parse((const uint8_t *)c->in, strlen(c->in), c->eof, &head),
			 c->v);
		CHECK_EQ(head, c->head);
	}
	static uint8_t big[OBS_HTTP_MAX + 1];
	bool head;
	memset(big, 'a', sizeof(big));
	CHECK_EQ(obs_http_parse(big, OBS_HTTP_MAX - 1, false, &head), OBS_HTTP_MORE);
	CHECK_EQ(obs_http_parse(big, OBS_HTTP_MAX, false, &head), OBS_HTTP_TOO_LARGE);
}

int main(void)
{
	test_requests();
	test_request_length();
	test_http();
	return CHECK_SUMMARY();
}
