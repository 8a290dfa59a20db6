/* admit.h: admission control of ringsan-boot, the policy only: which HTTP connection to take,
 * which to drop, when a request header is too late, which TFTP request to refuse, and when a
 * refusal may be logged again. Pure: the daemon passes its connection table as an array and
 * `now` (milliseconds, any epoch), and performs the verdict.
 *
 * HTTP keeps two budgets. A connection is *pending* until it has sent a whole request header,
 * *active* afterwards (a response in flight, or kept alive between requests). Pending
 * connections cost the server nothing useful, so they are the ones that give way:
 * - a source address holds at most max_pending_per_source pending connections; its next one
 *   displaces its own oldest;
 * - all sources together hold at most max_pending; a new connection displaces the oldest
 *   pending one (sshd's MaxStartups drops a random one; the oldest is the one that had the
 *   longest chance, and a good client sends its request at once);
 * - a request header must be complete header_timeout_ms after the connection (or, on a kept
 *   alive connection, its next request) started: a deadline for the whole header, not reset by
 *   each byte, so one byte every few seconds cannot hold a slot;
 * - when a request completes while max_active are taken, the answer is 503 and a close.
 *
 * TFTP: at most max_per_source transfers per client address and max_transfers in all; a new
 * request from an address:port that already has a transfer replaces it (RFC 1350 4: a client
 * restarting a transfer uses a new request; the old one is dead).
 */
#ifndef RINGSAN_BOOTSVC_ADMIT_H
#define RINGSAN_BOOTSVC_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct admit_http_limits {
	unsigned max_pending;		 /* >= 1 */
	unsigned max_pending_per_source; /* >= 1, <= max_pending */
	unsigned max_active;		 /* >= 1 */
	uint32_t header_timeout_ms;	 /* a whole request header, from its start */
	uint32_t idle_timeout_ms;	 /* kept alive without a byte of the next request */
};

/* A pending connection as the policy sees it. */
struct admit_pending {
	uint32_t source; /* IPv4 address, host order */
	uint64_t order;	 /* its place in acceptance order: smaller was accepted earlier (a
			  * counter, not a clock: a burst accepted within one millisecond
			  * still has an oldest) */
};

enum admit_verdict {
	ADMIT_TAKE,	  /* room for it */
	ADMIT_TAKE_EVICT, /* take it and close pending[victim] first */
};

enum admit_reason {
	ADMIT_ROOM,
	ADMIT_SOURCE_FULL,  /* the source's share was taken: its own oldest gives way */
	ADMIT_PENDING_FULL, /* the pending budget was taken: the oldest gives way */
};

struct admit_decision {
	enum admit_verdict verdict;
	enum admit_reason reason;
	size_t victim; /* index into pending[], for ADMIT_TAKE_EVICT */
};

/* A new connection from source. pending[0..n) are the connections without a whole request. */
void admit_http_connection(const struct admit_http_limits *lim, const struct admit_pending *pending,
			   size_t n, uint32_t source, struct admit_decision *out);

/* True when a connection that has sent a whole request may become active (n_active already
 * active ones); false: answer 503 and close. */
bool admit_http_request(const struct admit_http_limits *lim, size_t n_active);

/* The deadline of a request header started at started_ms. */
int64_t admit_header_deadline(const struct admit_http_limits *lim, int64_t started_ms);

struct admit_tftp_limits {
	unsigned max_transfers;	 /* >= 1 */
	unsigned max_per_source; /* >= 1 */
};

enum admit_tftp_verdict {
	ADMIT_TFTP_TAKE,
	ADMIT_TFTP_REPLACE,	/* take it, and end the transfer to the same address:port */
	ADMIT_TFTP_SOURCE_FULL, /* refuse: the address has max_per_source transfers */
	ADMIT_TFTP_FULL,	/* refuse: max_transfers in all */
};

/* A new read request from source:port. from_source: transfers to that address now;
 * same_port: whether one of them goes to that very port; total: all transfers. */
enum admit_tftp_verdict admit_tftp_request(const struct admit_tftp_limits *lim, unsigned total,
					   unsigned from_source, bool same_port);

/* Rate limit for "admission control acted" log lines: at most one line per interval_ms; the
 * events in between are counted and reported with the next line. */
struct admit_ratelimit {
	int64_t last_ms;
	bool logged;
	uint64_t suppressed; /* events since the last line */
};

/* Records an event. True: log now, and report *suppressed events were not logged before it
 * (the counter is then reset). False: counted, stay quiet. */
bool admit_ratelimit_event(struct admit_ratelimit *r, int64_t now_ms, int64_t interval_ms,
			   uint64_t *suppressed);

#endif
