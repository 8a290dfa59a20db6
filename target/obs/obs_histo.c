/* obs_histo.c: see obs_histo.h. */
#include "target/obs/obs_histo.h"

uint64_t obs_histo_bound_us(unsigned i)
{
	return i < OBS_HISTO_BOUNDS ? (uint64_t)1 << i : UINT64_MAX;
}

uint64_t obs_histo_total(const struct obs_histo *h)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++)
		n += h->count[i];
	return n;
}

void obs_histo_add(struct obs_histo *into, const struct obs_histo *h)
{
	for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++)
		into->count[i] += h->count[i];
	into->sum_us += h->sum_us;
}

void obs_histo_sub(struct obs_histo *into, const struct obs_histo *a, const struct obs_histo *b)
{
	for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++)
		into->count[i] = a->count[i] >= b->count[i] ? a->count[i] - b->count[i] : 0;
	into->sum_us = a->sum_us >= b->sum_us ? a->sum_us - b->sum_us : 0;
}

uint64_t obs_histo_quantile_us(const struct obs_histo *h, double q)
{
	uint64_t total = obs_histo_total(h), seen = 0;

	if (!total)
		return 0;
	double rank = q * (double)total;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++) {
		uint64_t c = h->count[i];
		if (!c || (double)(seen + c) < rank) {
			seen += c;
			continue;
		}
		uint64_t lo = i ? obs_histo_bound_us(i - 1) : 0;
		if (i == OBS_HISTO_BOUNDS)
			return lo;
		uint64_t hi = obs_histo_bound_us(i);
		double frac = (rank - (double)seen) / (double)c;
		return lo + (uint64_t)(frac * (double)(hi - lo) + 0.5);
	}
	return obs_histo_bound_us(OBS_HISTO_BOUNDS - 1);
}
