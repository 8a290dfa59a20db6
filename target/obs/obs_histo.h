/* obs_histo.h: a latency histogram with fixed log2 buckets, cheap enough to fill on the I/O path
 * (one bit scan and one add per command) and to sum over workers. Bucket i (0 <= i <
 * OBS_HISTO_BOUNDS) counts latencies of at most 2^i microseconds not counted by a lower one; the
 * last slot counts the rest (above 2^25 us, about 33 s). Pure. */
#ifndef RINGSAN_OBS_HISTO_H
#define RINGSAN_OBS_HISTO_H

#include <stdint.h>

#define OBS_HISTO_BOUNDS 26			/* upper bounds 1 us, 2 us, ... 2^25 us */
#define OBS_HISTO_SLOTS	 (OBS_HISTO_BOUNDS + 1) /* plus the overflow slot */

struct obs_histo {
	uint64_t count[OBS_HISTO_SLOTS]; /* per slot, not cumulative */
	uint64_t sum_us;
};

/* The slot a latency of us microseconds goes to. */
static inline unsigned obs_histo_slot(uint64_t us)
{
	if (us <= 1)
		return 0;
	unsigned bits = 64u - (unsigned)__builtin_clzll(us - 1); /* smallest i with 2^i >= us */
	return bits < OBS_HISTO_BOUNDS ? bits : OBS_HISTO_BOUNDS;
}

/* Upper bound of slot i in microseconds (slot OBS_HISTO_BOUNDS has none: UINT64_MAX). */
uint64_t obs_histo_bound_us(unsigned i);
uint64_t obs_histo_total(const struct obs_histo *h);
void obs_histo_add(struct obs_histo *into, const struct obs_histo *h);
/* into = a - b, slot by slot (b an earlier copy of a counter that only grows). */
void obs_histo_sub(struct obs_histo *into, const struct obs_histo *a, const struct obs_histo *b);
/* The q-quantile (0 < q <= 1) in microseconds, interpolated linearly inside its bucket; 0 for an
 * empty histogram. A value in the overflow slot is reported as its lower bound. */
uint64_t obs_histo_quantile_us(const struct obs_histo *h, double q);

#endif
