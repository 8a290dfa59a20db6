/* test_http.c: request parsing, ranges, query strings and response headers. */
#include <errno.h>

#include "bootsvc/proto/http.h"
#include "test/unit/check.h"

struct parse_case {
	const char *raw;
	int expect; /* > 0: consumed = strlen(raw); 0: need more; < 0: status */
};

static void test_parse_table(void)
{
	static const struct parse_case cases[] = {
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1},
	    {"HEAD /menu.ipxe HTTP/1.0\r\n\r\n", 1},
	    {"GET / HTTP/1.1\nHost: x\n\n", 1}, /* bare LF tolerated */
	    {"GET / HTTP/1.1\r\nHost: x\r\n", 0},
	    {"GET / HTTP/1.1\r\n\r\n", -400},		  /* 1.1 without Host */
	    {"POST / HTTP/1.1\r\nHost: x\r\n\r\n", -405}, /* known, not allowed */
	    {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", -501}, /* unknown method */
	    {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", -505},  /* version */
	    {"GET / FOO/1.1\r\nHost: x\r\n\r\n", -400},
	    {"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", -400}, /* obs-fold */
	    {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1},
	    {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", -400},
	    {"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", -400},
	    {"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", -400},
	    {"GET /a% HTTP/1.1\r\nHost: x\r\n\r\n", -400},
	    {"GET http://h:1/x HTTP/1.1\r\nHost: x\r\n\r\n", 1},
	    {"GET\r\n\r\n", -400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request r;
		size_t n = strlen(cases[i].raw);
		int rc = http_parse_request(&r, cases[i].raw, n);
		int want = cases[i].expect > 0 ? (int)n : cases[i].expect;
		CHECK_EQ(rc, want);
		if (rc != want)
			fprintf(stderr, "  case %zu: %s\n", i, cases[i].raw);
	}
}

static void test_parse_fields(void)
{
	struct http_request r;
	const char *raw = "GET /media/deb%20ian/linux?mac=52-54-00-12-34-56&x=%41 HTTP/1.1\r\n"
			  "Host: 10.0.0.1:8080\r\nRange: bytes=100-199\r\n"
			  "Connection: Keep-Alive, Upgrade\r\n\r\nNEXT";
	int rc = http_parse_request(&r, raw, strlen(raw));
	CHECK_EQ(rc, (int)strlen(raw) - 4);
	CHECK_EQ(r.method, HTTP_GET);
	CHECK_STR(r.path, "/media/deb ian/linux");
	CHECK_STR(r.query, "mac=52-54-00-12-34-56&x=%41");
	CHECK_STR(r.host, "10.0.0.1:8080");
	CHECK(r.keep_alive);
	CHECK(r.range.kind == HTTP_RANGE_FROM_TO && r.range.first == 100 && r.range.last == 199);
	char v[32];
	CHECK(http_query_get(r.query, "mac", v, sizeof(v)));
	CHECK_STR(v, "52-54-00-12-34-56");
	CHECK(http_query_get(r.query, "x", v, sizeof(v)));
	CHECK_STR(v, "A");
	CHECK(!http_query_get(r.query, "ma", v, sizeof(v)));
	CHECK(!http_query_get(r.query, "mac", v, 4)); /* does not fit */

	/* Persistence rules. */
	raw = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	http_parse_request(&r, raw, strlen(raw));
	CHECK(!r.keep_alive);
	raw = "GET / HTTP/1.0\r\n\r\n";
	http_parse_request(&r, raw, strlen(raw));
	CHECK(!r.keep_alive);
	raw = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	http_parse_request(&r, raw, strlen(raw));
	CHECK(r.keep_alive);
}

static void test_caps(void)
{
	static char big[HTTP_MAX_HEADER + 100];
	struct http_request r;
	/* A long header block without an end: 431 once the cap is reached. */
	strcpy(big, "GET / HTTP/1.1\r\nHost: x\r\n");
	size_t n = strlen(big);
	while (n < sizeof(big) - 20) {
		memcpy(big + n, "X-Pad: aaaaaaaaaa\r\n", 19);
		n += 19;
	}
	CHECK_EQ(http_parse_request(&r, big, n), -431);
	CHECK_EQ(http_parse_request(&r, big, 200), 0);
	/* A request line longer than the line cap: 414. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	CHECK_EQ(http_parse_request(&r, big, HTTP_MAX_LINE + 10), -414);
}

struct range_case {
	const char *header;
	uint64_t size;
	int status;
	uint64_t off, len;
};

static void test_ranges(void)
{
	static const struct range_case cases[] = {
	    {"bytes=0-99", 1000, 206, 0, 100},	     {"bytes=900-", 1000, 206, 900, 100},
	    {"bytes=-100", 1000, 206, 900, 100},     {"bytes=-5000", 1000, 206, 0, 1000},
	    {"bytes=500-5000", 1000, 206, 500, 500}, {"bytes=1000-", 1000, 416, 0, 1000},
	    {"bytes=2000-3000", 1000, 416, 0, 1000}, {"bytes=-10", 0, 416, 0, 0},
	    {"bytes=0-0,5-9", 1000, 200, 0, 1000}, /* several ranges: whole entity */
	    {"bytes=9-5", 1000, 200, 0, 1000},	   /* invalid: ignored */
	    {"bytes=-0", 1000, 200, 0, 1000},	     {"items=0-5", 1000, 200, 0, 1000},
	    {"bytes=abc", 1000, 200, 0, 1000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char raw[256];
		struct http_request r;
		uint64_t off, len;
		snprintf(raw, sizeof(raw), "GET /x HTTP/1.1\r\nHost: h\r\nRange: %s\r\n\r\n",
			 cases[i].header);
		CHECK(http_parse_request(&r, raw, strlen(raw)) > 0);
		int st = http_range_resolve(&r.range, cases[i].size, &off, &len);
		CHECK_EQ(st, cases[i].status);
		if (st == 206 || st == 200) {
			CHECK_EQ(off, cases[i].off);
			CHECK_EQ(len, cases[i].len);
		}
	}
}

static void test_response(void)
{
	char buf[512];
	struct http_response r = {.status = 206,
				  .content_type = http_content_type("/media/x.iso"),
				  .content_length = 100,
				  .range_first = 900,
				  .range_last = 999,
				  .entity_size = 1000,
				  .keep_alive = true,
				  .accept_ranges = true};
	int n = http_format_response(buf, sizeof(buf), &r);
	CHECK(n > 0);
	CHECK_STR(buf, "HTTP/1.1 206 Partial Content\r\nServer: ringsan-boot\r\n"
		       "Content-Type: application/x-iso9660-image\r\nContent-Length: 100\r\n"
		       "Content-Range: bytes 900-999/1000\r\nAccept-Ranges: bytes\r\n"
		       "Connection: keep-alive\r\n\r\n");
	struct http_response e = {.status = 416, .entity_size = 1000};
	http_format_response(buf, sizeof(buf), &e);
	CHECK(strstr(buf, "Content-Range: bytes */1000\r\n") != NULL);
	CHECK(strstr(buf, "Connection: close\r\n") != NULL);
	struct http_response m = {.status = 405, .allow = "GET, HEAD"};
	http_format_response(buf, sizeof(buf), &m);
	CHECK(strstr(buf, "405 Method Not Allowed\r\n") && strstr(buf, "Allow: GET, HEAD\r\n"));
	CHECK_EQ(http_format_response(buf, 20, &r), -ENOSPC);
	CHECK_STR(http_content_type("boot.ipxe"), "text/plain; charset=utf-8");
	CHECK_STR(http_content_type("x.EFI"), "application/efi");
	CHECK_STR(http_content_type("noext"), "application/octet-stream");
}

int main(void)
{
	test_parse_table();
	test_parse_fields();
	test_caps();
	test_ranges();
	test_response();
	return CHECK_SUMMARY();
}
