/* obs_req.c: see obs_req.h. */
#include "target/obs/obs_req.h"

#include <string.h>

static bool parse_u64(const uint8_t *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool word_is(const uint8_t *p, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(p, w, n) == 0;
}

int obs_req_parse(const uint8_t *buf, size_t len, bool eof, struct obs_req *out, const char **err)
{
	const uint8_t *nl = memchr(buf, '\n', len < OBS_REQ_MAX ? len : OBS_REQ_MAX);

	if (!nl) {
		if (len >= OBS_REQ_MAX) {
			*err = "request longer than 256 bytes";
			return -1;
		}
		if (eof) {
			*err = "the request must end with a newline";
			return -1;
		}
		return 0;
	}
	size_t n = (size_t)(nl - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] < 0x20 || buf[i] >= 0x7f) {
			*err = "the request holds a control or non-ASCII byte";
			return -1;
		}
	}
	const uint8_t *sp = memchr(buf, ' ', n);
	size_t w = sp ? (size_t)(sp - buf) : n;
	memset(out, 0, sizeof(*out));
	if (word_is(buf, w, "status") || word_is(buf, w, "status-text")) {
		if (w != n) {
			*err = "'status' takes no argument";
			return -1;
		}
		out->kind = w == 6 ? OBS_REQ_STATUS : OBS_REQ_STATUS_TEXT;
		return 1;
	}
	if (word_is(buf, w, "events")) {
		if (w == n) {
			*err = "'events' needs a sequence number: events SEQ";
			return -1;
		}
		if (!parse_u64(buf + w + 1, n - w - 1, &out->seq)) {
			*err = "'events SEQ': SEQ must be a decimal number below 2^64";
			return -1;
		}
		out->kind = OBS_REQ_EVENTS;
		return 1;
	}
	*err = "unknown request (expected 'status', 'status-text' or 'events SEQ')";
	return -1;
}

/* The end of the head: an empty line (CRLF CRLF, or bare LF LF as RFC 9112 2.2 lets us accept). */
static size_t head_end(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

enum obs_http_verdict obs_http_parse(const uint8_t *buf, size_t len, bool eof, bool *head)
{
	size_t lim = len < OBS_HTTP_MAX ? len : OBS_HTTP_MAX;

	*head = false;
	if (!head_end(buf, lim)) {
		if (len >= OBS_HTTP_MAX)
			return OBS_HTTP_TOO_LARGE;
		return eof ? OBS_HTTP_BAD : OBS_HTTP_MORE;
	}
	const uint8_t *nl = memchr(buf, '\n', lim);
	size_t n = (size_t)(nl - buf);
	if (n && buf[n - 1] == '\r')
		n--;
	/* METHOD SP TARGET SP HTTP/1.x */
	const uint8_t *sp1 = memchr(buf, ' ', n);
	if (!sp1)
		return OBS_HTTP_BAD;
	size_t m = (size_t)(sp1 - buf);
	const uint8_t *tgt = sp1 + 1;
	const uint8_t *sp2 = memchr(tgt, ' ', n - m - 1);
	if (!sp2)
		return OBS_HTTP_BAD;
	size_t tlen = (size_t)(sp2 - tgt);
	size_t vlen = n - m - 1 - tlen - 1;
	const uint8_t *ver = sp2 + 1;
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9' ||
	    tlen == 0 || tgt[0] != '/')
		return OBS_HTTP_BAD;
	for (size_t i = 0; i < tlen; i++)
		if (tgt[i] <= 0x20 || tgt[i] >= 0x7f)
			return OBS_HTTP_BAD;
	if (word_is(buf, m, "HEAD"))
		*head = true;
	else if (!word_is(buf, m, "GET"))
		return OBS_HTTP_METHOD;
	const uint8_t *q = memchr(tgt, '?', tlen);
	size_t plen = q ? (size_t)(q - tgt) : tlen;
	return word_is(tgt, plen, "/metrics") ? OBS_HTTP_METRICS : OBS_HTTP_NOT_FOUND;
}
