/* http.c: see http.h. RFC 9112 2-3 (request line), 5 (fields), 9.3 (persistence);
 * RFC 9110 14 (Range), 15 (status codes). */
#include "bootsvc/proto/http.h"
#include "common/hex.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Length of the head including its blank line, 0 if not complete yet. Accepts bare LF endings. */
static size_t head_length(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

bool http_percent_decode(const char *src, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c == '%') {
			if (i + 2 >= n)
				return false;
			int hi = hex_digit(src[i + 1]);
			int lo = hex_digit(src[i + 2]);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	if (cap == 0)
		return false;
	out[o] = '\0';
	return true;
}

static int parse_method(const char *m, size_t n, enum http_method *out)
{
	static const char *const refused[] = {"POST",	 "PUT",	  "DELETE", "OPTIONS",
					      "CONNECT", "TRACE", "PATCH"};
	if (n == 3 && memcmp(m, "GET", 3) == 0) {
		*out = HTTP_GET;
		return 0;
	}
	if (n == 4 && memcmp(m, "HEAD", 4) == 0) {
		*out = HTTP_HEAD;
		return 0;
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strlen(refused[i]) == n && memcmp(m, refused[i], n) == 0)
			return -405;
	return -501;
}

/* Request target (RFC 9112 3.2): origin-form, or absolute-form whose authority we drop. */
static int parse_target(struct http_request *req, const char *t, size_t n)
{
	if (n > 7 && strncasecmp(t, "http://", 7) == 0) {
		const char *slash = memchr(t + 7, '/', n - 7);
		if (!slash)
			return -400;
		n -= (size_t)(slash - t);
		t = slash;
	}
	if (n == 0 || t[0] != '/')
		return -400;
	if (n >= HTTP_MAX_PATH)
		return -414;
	const char *q = memchr(t, '?', n);
	size_t plen = q ? (size_t)(q - t) : n;
	if (q) {
		memcpy(req->query, q + 1, n - plen - 1);
		req->query[n - plen - 1] = '\0';
	}
	if (!http_percent_decode(t, plen, req->path, sizeof(req->path)))
		return -400;
	return 0;
}

static int parse_request_line(struct http_request *req, const char *line, size_t n)
{
	const char *sp1 = memchr(line, ' ', n);
	if (!sp1)
		return -400;
	const char *sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
	if (!sp2)
		return -400;
	size_t vlen = n - (size_t)(sp2 + 1 - line);
	const char *ver = sp2 + 1;
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || (ver[7] != '0' && ver[7] != '1'))
		return vlen >= 5 && memcmp(ver, "HTTP/", 5) == 0 ? -505 : -400;
	req->version_minor = ver[7] - '0';
	int rc = parse_method(line, (size_t)(sp1 - line), &req->method);
	if (rc)
		return rc;
	return parse_target(req, sp1 + 1, (size_t)(sp2 - sp1 - 1));
}

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t r = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || r > (UINT64_MAX - 9) / 10)
			return false;
		r = r * 10 + (uint64_t)(s[i] - '0');
	}
	*v = r;
	return true;
}

/* RFC 9110 14.1.1: "bytes=" one range; anything else leaves kind NONE (range ignored). */
static void parse_range(struct http_range *r, const char *v, size_t n)
{
	memset(r, 0, sizeof(*r));
	if (n < 7 || strncasecmp(v, "bytes=", 6) != 0 || memchr(v, ',', n))
		return;
	v += 6;
	n -= 6;
	const char *dash = memchr(v, '-', n);
	if (!dash)
		return;
	size_t a = (size_t)(dash - v), b = n - a - 1;
	if (a == 0 && parse_u64(dash + 1, b, &r->last) && r->last > 0) {
		r->kind = HTTP_RANGE_SUFFIX;
	} else if (a > 0 && b == 0 && parse_u64(v, a, &r->first)) {
		r->kind = HTTP_RANGE_FROM;
	} else if (a > 0 && parse_u64(v, a, &r->first) && parse_u64(dash + 1, b, &r->last) &&
		   r->last >= r->first) {
		r->kind = HTTP_RANGE_FROM_TO;
	}
}

/* True if the comma-separated token list v contains tok (case-insensitive). */
static bool has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return true;
	}
	return false;
}

static int parse_field(struct http_request *req, const char *line, size_t n, bool *conn_close,
		       bool *conn_keep, bool *has_host)
{
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
		return -400; /* RFC 9112 5.2: obs-fold is refused */
	size_t nl = (size_t)(colon - line);
	if (memchr(line, ' ', nl) || memchr(line, '\t', nl))
		return -400; /* RFC 9112 5.1: no whitespace before the colon */
	const char *v = colon + 1;
	size_t vl = n - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (nl == 4 && strncasecmp(line, "Host", 4) == 0) {
		if (*has_host || vl >= sizeof(req->host))
			return -400;
		memcpy(req->host, v, vl);
		req->host[vl] = '\0';
		*has_host = true;
	} else if (nl == 10 && strncasecmp(line, "Connection", 10) == 0) {
		*conn_close |= has_token(v, vl, "close");
		*conn_keep |= has_token(v, vl, "keep-alive");
	} else if (nl == 5 && strncasecmp(line, "Range", 5) == 0) {
		parse_range(&req->range, v, vl);
	} else if ((nl == 14 && strncasecmp(line, "Content-Length", 14) == 0 &&
		    !(vl == 1 && v[0] == '0')) ||
		   (nl == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)) {
		return -400; /* a body on GET/HEAD would desynchronise the stream */
	}
	return 0;
}

int http_parse_request(struct http_request *req, const char *buf, size_t len)
{
	bool conn_close = false, conn_keep = false, has_host = false;
	size_t head = head_length(buf, len < HTTP_MAX_HEADER ? len : HTTP_MAX_HEADER);
	const char *nl0 = memchr(buf, '\n', len < HTTP_MAX_LINE ? len : HTTP_MAX_LINE);

	memset(req, 0, sizeof(*req));
	if (!nl0 && len >= HTTP_MAX_LINE)
		return -414;
	if (head == 0)
		return len >= HTTP_MAX_HEADER ? -431 : 0;
	for (size_t off = 0, lineno = 0; off < head; lineno++) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', head - off);
		size_t n = (size_t)(nl - line);
		off += n + 1;
		if (n && line[n - 1] == '\r')
			n--;
		if (memchr(line, '\0', n))
			return -400;
		if (n == 0)
			break;
		int rc = lineno == 0
			     ? parse_request_line(req, line, n)
			     : parse_field(req, line, n, &conn_close, &conn_keep, &has_host);
		if (rc)
			return rc;
	}
	if (req->version_minor == 1 && !has_host)
		return -400; /* RFC 9112 3.2 */
	req->keep_alive = req->version_minor == 1 ? !conn_close : (conn_keep && !conn_close);
	return (int)head;
}

bool http_query_get(const char *query, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = query;
	while (*p) {
		const char *end = strchr(p, '&');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > kl && memcmp(p, key, kl) == 0 && p[kl] == '=')
			return http_percent_decode(p + kl + 1, n - kl - 1, out, cap);
		if (n == kl && memcmp(p, key, kl) == 0)
			return http_percent_decode("", 0, out, cap);
		p += n;
		if (*p == '&')
			p++;
	}
	return false;
}

int http_range_resolve(const struct http_range *r, uint64_t size, uint64_t *offset,
		       uint64_t *length)
{
	*offset = 0;
	*length = size;
	switch (r->kind) {
	case HTTP_RANGE_NONE:
		return 200;
	case HTTP_RANGE_SUFFIX: /* RFC 9110 14.1.2: the last n bytes, all if n > size */
		if (size == 0)
			return 416;
		*length = r->last < size ? r->last : size;
		*offset = size - *length;
		return 206;
	case HTTP_RANGE_FROM:
	case HTTP_RANGE_FROM_TO:
		if (r->first >= size)
			return 416;
		*offset = r->first;
		uint64_t last = r->kind == HTTP_RANGE_FROM || r->last >= size ? size - 1 : r->last;
		*length = last - r->first + 1;
		return 206;
	}
	return 200;
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

const char *http_content_type(const char *path)
{
	static const char *const map[][2] = {
	    {".ipxe", "text/plain; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"},
	    {".cfg", "text/plain; charset=utf-8"},  {".iso", "application/x-iso9660-image"},
	    {".img", "application/octet-stream"},   {".efi", "application/efi"},
	    {".html", "text/html; charset=utf-8"},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ends_with(path, map[i][0]))
			return map[i][1];
	return "application/octet-stream";
}

int http_format_response(char *buf, size_t cap, const struct http_response *r)
{
	int n = snprintf(buf, cap, "HTTP/1.1 %d %s\r\nServer: ringsan-boot\r\n", r->status,
			 http_status_text(r->status));
	size_t len = n > 0 ? (size_t)n : cap;
#define APPEND(...)                                                                                \
	do {                                                                                       \
		if (len < cap) {                                                                   \
			n = snprintf(buf + len, cap - len, __VA_ARGS__);                           \
			len = n > 0 && (size_t)n < cap - len ? len + (size_t)n : cap;              \
		}                                                                                  \
	} while (0)
	if (r->content_type)
		APPEND("Content-Type: %s\r\n", r->content_type);
	APPEND("Content-Length: %" PRIu64 "\r\n", r->content_length);
	if (r->status == 206)
		APPEND("Content-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64 "\r\n",
		       r->range_first, r->range_last, r->entity_size);
	if (r->status == 416)
		APPEND("Content-Range: bytes */%" PRIu64 "\r\n", r->entity_size);
	if (r->accept_ranges)
		APPEND("Accept-Ranges: bytes\r\n");
	if (r->allow)
		APPEND("Allow: %s\r\n", r->allow);
	APPEND("Connection: %s\r\n\r\n", r->keep_alive ? "keep-alive" : "close");
#undef APPEND
	return len < cap ? (int)len : -ENOSPC;
}
