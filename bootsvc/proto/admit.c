/* admit.c: admission control policy of ringsan-boot (see admit.h). */
#include "bootsvc/proto/admit.h"

/* Index of the oldest pending connection, of source only when only_source; n when none. */
static size_t oldest(const struct admit_pending *p, size_t n, bool only_source, uint32_t source)
{
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (only_source && p[i].source != source)
			continue;
		if (best == n || p[i].order < p[best].order)
			best = i;
	}
	return best;
}

void admit_http_connection(const struct admit_http_limits *lim, const struct admit_pending *pending,
			   size_t n, uint32_t source, struct admit_decision *out)
{
	size_t mine = 0;
	for (size_t i = 0; i < n; i++)
		mine += pending[i].source == source;
	out->verdict = ADMIT_TAKE_EVICT;
	if (mine >= lim->max_pending_per_source) {
		/* The source pays for its own: other sources keep their pending connections. */
		out->reason = ADMIT_SOURCE_FULL;
		out->victim = oldest(pending, n, true, source);
		return;
	}
	if (n >= lim->max_pending) {
		out->reason = ADMIT_PENDING_FULL;
		out->victim = oldest(pending, n, false, source);
		return;
	}
	out->verdict = ADMIT_TAKE;
	out->reason = ADMIT_ROOM;
	out->victim = n;
}

bool admit_http_request(const struct admit_http_limits *lim, size_t n_active)
{
	return n_active < lim->max_active;
}

int64_t admit_header_deadline(const struct admit_http_limits *lim, int64_t started_ms)
{
	return started_ms + (int64_t)lim->header_timeout_ms;
}

enum admit_tftp_verdict admit_tftp_request(const struct admit_tftp_limits *lim, unsigned total,
					   unsigned from_source, bool same_port)
{
	if (same_port)
		return ADMIT_TFTP_REPLACE; /* one out, one in: no budget grows */
	if (from_source >= lim->max_per_source)
		return ADMIT_TFTP_SOURCE_FULL;
	if (total >= lim->max_transfers)
		return ADMIT_TFTP_FULL;
	return ADMIT_TFTP_TAKE;
}

bool admit_ratelimit_event(struct admit_ratelimit *r, int64_t now_ms, int64_t interval_ms,
			   uint64_t *suppressed)
{
	if (r->logged && now_ms - r->last_ms < interval_ms) {
		r->suppressed++;
		return false;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last_ms = now_ms;
	r->logged = true;
	return true;
}
