/* obs_req.h: the requests the target's observability listeners accept, parsed from the bytes a
 * client sent so far. Pure.
 *
 * Control socket: ONE line ending in "\n" (a "\r" before it is allowed), at most OBS_REQ_MAX bytes
 * with the newline: "status" (JSON), "status-text" (the same for people) or "events SEQ" (SEQ a
 * decimal number, 0 to 2^64-1). Bytes after the newline are ignored.
 *
 * Metrics listener: an HTTP/1.x request head (RFC 9112 3: request line, header fields, an empty
 * line), at most OBS_HTTP_MAX bytes; only GET and HEAD of /metrics (a query string is ignored). */
#ifndef RINGSAN_OBS_REQ_H
#define RINGSAN_OBS_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBS_REQ_MAX  256
#define OBS_HTTP_MAX 4096

enum obs_req_kind {
	OBS_REQ_STATUS,
	OBS_REQ_STATUS_TEXT,
	OBS_REQ_EVENTS,
};

struct obs_req {
	enum obs_req_kind kind;
	uint64_t seq; /* events: the first sequence number wanted */
};

/* 1: a whole request, in *out. 0: no newline yet, send more (never when eof or when len reached
 * OBS_REQ_MAX). -1: malformed; *err is a static one-line reason without a newline. */
int obs_req_parse(const uint8_t *buf, size_t len, bool eof, struct obs_req *out, const char **err);

enum obs_http_verdict {
	OBS_HTTP_MORE,	    /* no empty line yet: read on */
	OBS_HTTP_METRICS,   /* GET or HEAD /metrics */
	OBS_HTTP_NOT_FOUND, /* 404 */
	OBS_HTTP_METHOD,    /* 405: a method other than GET and HEAD */
	OBS_HTTP_BAD,	    /* 400: not an HTTP/1.x request line */
	OBS_HTTP_TOO_LARGE, /* 431: no end of the head within OBS_HTTP_MAX bytes */
};

/* head: set for a HEAD request (the answer then has no body). */
enum obs_http_verdict obs_http_parse(const uint8_t *buf, size_t len, bool eof, bool *head);

#endif
