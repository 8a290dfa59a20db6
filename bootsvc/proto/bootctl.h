/* bootctl.h: the request line of ringsan-boot's own control socket (`ringsan-boot machines`
 * asks it): one line, at most BOOTCTL_REQUEST_MAX bytes with its "\n", then the answer and EOF.
 * Pure. */
#ifndef RINGSAN_BOOTSVC_BOOTCTL_H
#define RINGSAN_BOOTSVC_BOOTCTL_H

#include <stddef.h>

#define BOOTCTL_REQUEST_MAX 256

enum bootctl_request {
	BOOTCTL_MACHINES,      /* "machines": the timelines as text */
	BOOTCTL_MACHINES_JSON, /* "machines json" */
	BOOTCTL_METRICS,       /* "metrics": the Prometheus text */
};

/* Parses what the client sent so far. Returns 1 with *req set when buf holds a whole known
 * request line; 0 when more bytes are needed; -EMSGSIZE when BOOTCTL_REQUEST_MAX bytes came
 * without a "\n"; -EBADMSG for any other line (an unknown word, a NUL or control byte, a
 * "\r\n" line end is accepted). */
int bootctl_parse(const char *buf, size_t len, enum bootctl_request *req);

#endif
