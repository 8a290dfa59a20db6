/* http.h: a small HTTP/1.1 server-side codec (RFC 9112 message syntax, RFC 9110 semantics):
 * request parser for GET/HEAD, single-range Range requests, query strings with percent-decoding,
 * and a response header builder. Pure: bytes in, struct out; the daemon owns the socket.
 *
 * Decisions:
 * - Methods other than GET/HEAD: 501 when the method token is unknown to us, 405 for the other
 *   RFC 9110 methods (POST, PUT, DELETE, ...). Both close the connection.
 * - Range (RFC 9110 14.2): a server may ignore Range. One range "bytes=a-b", "bytes=a-" or
 *   "bytes=-n" is honoured (206, or 416 when unsatisfiable); a header with several ranges or
 * another unit is ignored and the whole entity is sent with 200 (multipart/byteranges is not worth
 * it for iPXE, which only sends single ranges). A syntactically invalid Range is ignored (RFC
 * 9110 14.2).
 * - Caps: request line <= HTTP_MAX_LINE, whole header <= HTTP_MAX_HEADER (8 KiB): 431/414.
 * - Persistence (RFC 9112 9.3): HTTP/1.1 keeps alive unless "Connection: close"; HTTP/1.0 closes
 *   unless "Connection: keep-alive".
 */
#ifndef RINGSAN_BOOTSVC_HTTP_H
#define RINGSAN_BOOTSVC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADER 8192
#define HTTP_MAX_LINE	2048
#define HTTP_MAX_PATH	1024

enum http_method { HTTP_GET, HTTP_HEAD };

enum http_range_kind {
	HTTP_RANGE_NONE,
	HTTP_RANGE_FROM_TO, /* bytes=a-b */
	HTTP_RANGE_FROM,    /* bytes=a- */
	HTTP_RANGE_SUFFIX,  /* bytes=-n */
};

struct http_range {
	enum http_range_kind kind;
	uint64_t first, last; /* FROM_TO: both; FROM: first; SUFFIX: last = n */
};

struct http_request {
	enum http_method method;
	int version_minor;	   /* 0 or 1 */
	char path[HTTP_MAX_PATH];  /* percent-decoded, no query; always starts with '/' */
	char query[HTTP_MAX_PATH]; /* raw query after '?', not decoded ("" if none) */
	char host[256];
	bool keep_alive;
	struct http_range range;
};

/* Parses one request head from buf. Returns the number of bytes consumed (> 0) when a whole head
 * was parsed, 0 when more bytes are needed, or -status (-400, -405, -414, -431, -501, -505) for a
 * request to refuse; the caller answers with that status and closes. A request body is not
 * expected (GET/HEAD); Content-Length or Transfer-Encoding on them is refused with 400. */
int http_parse_request(struct http_request *req, const char *buf, size_t len);

/* Looks key up in a raw query string ("a=1&mac=aa-bb"); copies the percent-decoded value into
 * out. Returns true if found (and it fit). */
bool http_query_get(const char *query, const char *key, char *out, size_t cap);

/* Percent-decodes src[0..n) into out (NUL-terminated); '+' is kept as is. Returns false on a bad
 * escape, an encoded NUL, or overflow. */
bool http_percent_decode(const char *src, size_t n, char *out, size_t cap);

/* Resolves a range against an entity of `size` bytes (RFC 9110 14.1.2). Returns 200 (no range:
 * offset 0, length size), 206 (offset/length set) or 416 (unsatisfiable). */
int http_range_resolve(const struct http_range *r, uint64_t size, uint64_t *offset,
		       uint64_t *length);

struct http_response {
	int status;
	const char *content_type; /* NULL: not sent */
	uint64_t content_length;
	uint64_t range_first, range_last, entity_size; /* 206: Content-Range; 416: bytes * /size */
	bool keep_alive;
	bool accept_ranges;
	const char *allow; /* 405: Allow header value */
};

/* Writes the status line and headers ending with an empty line. Returns the length or -ENOSPC. */
int http_format_response(char *buf, size_t cap, const struct http_response *r);
const char *http_status_text(int status);
/* Content-Type by file extension (.ipxe -> text/plain, .iso, .efi, ...); never NULL. */
const char *http_content_type(const char *path);

#endif
