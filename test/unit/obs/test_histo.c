/* test_histo.c: the log2 latency histogram: slots, sums and quantiles. */
#include "target/obs/obs_histo.h"
#include "test/unit/check.h"

static void test_slots(void)
{
	static const struct {
		uint64_t us;
		unsigned slot;
	} cases[] = {
	    {0, 0},
	    {1, 0},
	    {2, 1},
	    {3, 2},
	    {4, 2},
	    {5, 3},
	    {8, 3},
	    {9, 4},
	    {1000, 10},
	    {1024, 10},
	    {1025, 11},
	    {1u << 25, 25},
	    {(1u << 25) + 1, OBS_HISTO_BOUNDS},
	    {UINT64_MAX, OBS_HISTO_BOUNDS},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned s = obs_histo_slot(cases[i].us);
		CHECK_EQ(s, cases[i].slot);
		/* every value is at most its slot's bound, and above the slot below's */
		CHECK(cases[i].us <= obs_histo_bound_us(s));
		if (s > 0)
			CHECK(cases[i].us > obs_histo_bound_us(s - 1));
	}
}

static struct obs_histo filled(const uint64_t *us, size_t n)
{
	struct obs_histo h = {0};
	for (size_t i = 0; i < n; i++) {
		h.count[obs_histo_slot(us[i])]++;
		h.sum_us += us[i];
	}
	return h;
}

static void test_quantiles(void)
{
	struct obs_histo empty = {0};
	CHECK_EQ(obs_histo_quantile_us(&empty, 0.5), 0);

	/* 100 values of 100 us (slot 7: 65..128 us): every quantile lies in that bucket. */
	uint64_t v[100];
	for (int i = 0; i < 100; i++)
		v[i] = 100;
	struct obs_histo h = filled(v, 100);
	CHECK_EQ(obs_histo_total(&h), 100);
	CHECK_EQ(h.sum_us, 10000);
	for (double q = 0.01; q <= 1.0; q += 0.07) {
		uint64_t x = obs_histo_quantile_us(&h, q);
		CHECK(x >= 64 && x <= 128);
	}
	/* 90 fast (10 us) and 10 slow (5000 us): p50 fast, p99 slow. */
	for (int i = 0; i < 100; i++)
		v[i] = i < 90 ? 10 : 5000;
	h = filled(v, 100);
	CHECK(obs_histo_quantile_us(&h, 0.5) <= 16);
	CHECK(obs_histo_quantile_us(&h, 0.9) <= 16);
	CHECK(obs_histo_quantile_us(&h, 0.99) > 4096 && obs_histo_quantile_us(&h, 0.99) <= 8192);
	/* quantiles never go down as q grows */
	uint64_t last = 0;
	for (double q = 0.05; q <= 1.0; q += 0.05) {
		uint64_t x = obs_histo_quantile_us(&h, q);
		CHECK(x >= last);
		last = x;
	}
	/* the overflow slot reports its lower bound */
	uint64_t huge = 100000000;
	h = filled(&huge, 1);
	CHECK_EQ(obs_histo_quantile_us(&h, 0.5), obs_histo_bound_us(OBS_HISTO_BOUNDS - 1));
}

static void test_add_sub(void)
{
	uint64_t a_us[] = {1, 2, 300, 300, 70000}, b_us[] = {1, 300};
	struct obs_histo a = filled(a_us, 5), b = filled(b_us, 2), d, s = {0};
	obs_histo_sub(&d, &a, &b);
	CHECK_EQ(obs_histo_total(&d), 3);
	CHECK_EQ(d.sum_us, 2 + 300 + 70000);
	obs_histo_add(&s, &d);
	obs_histo_add(&s, &b);
	for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++)
		CHECK_EQ(s.count[i], a.count[i]);
	obs_histo_sub(&d, &b, &a); /* a counter never goes backwards: clamps at 0 */
	CHECK_EQ(obs_histo_total(&d), 0);
}

int main(void)
{
	test_slots();
	test_quantiles();
	test_add_sub();
	return CHECK_SUMMARY();
}
