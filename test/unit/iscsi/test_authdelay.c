/* test_authdelay.c: the growing delay after failed CHAP logins, per name and per address: the
 * schedule, queuing of parallel attempts, forgiveness by a good login, forgetting, and a full
 * table. */
#include "target/iscsi/authdelay.h"
#include "test/unit/check.h"

static struct authdelay d;

static void test_schedule(void)
{
	static const struct {
		uint32_t failures, delay;
	} cases[] = {{0, 0}, {1, 1000}, {2, 2000}, {3, 4000}, {4, 8000}, {5, 8000}, {100, 8000}};
	authdelay_init(&d, AUTHDELAY_BASE_MS, AUTHDELAY_MAX_MS, AUTHDELAY_FORGET_MS);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ(authdelay_delay_ms(&d, cases[i].failures), cases[i].delay);
	CHECK(authdelay_key_name("x") & 1);
	CHECK(!(authdelay_key_addr(1) & 1));
	CHECK(authdelay_key_addr(0) != 0);
}

static void test_growing(void)
{
	uint64_t keys[2] = {authdelay_key_name("iqn.x:attacker"), authdelay_key_addr(0x7f000002)};
	uint64_t now = 1000000;
	authdelay_init(&d, AUTHDELAY_BASE_MS, AUTHDELAY_MAX_MS, AUTHDELAY_FORGET_MS);
	/* a clean key goes at once */
	CHECK_EQ(authdelay_reserve(&d, keys, 2, now), now);
	/* each failure makes the next attempt wait longer */
	uint32_t want[] = {1000, 2000, 4000, 8000, 8000};
	for (size_t i = 0; i < 5; i++) {
		uint64_t go = authdelay_reserve(&d, keys, 2, now);
		CHECK(go >= now);
		now = go + 10;
		CHECK_EQ(authdelay_fail(&d, keys, 2, now), want[i]);
		CHECK_EQ(authdelay_reserve(&d, keys, 2, now), now + want[i]);
		now += want[i];
	}
	CHECK_EQ(authdelay_failures(&d, keys[0], now), 5);
	/* ten attempts in parallel: they queue one delay apart, not all at once */
	uint64_t prev = 0;
	for (int i = 0; i < 10; i++) {
		uint64_t go = authdelay_reserve(&d, keys, 2, now);
		if (i)
			CHECK_EQ(go - prev, 8000);
		prev = go;
	}
	/* only one key delayed: the other address is free, the name still waits */
	uint64_t other_addr[1] = {authdelay_key_addr(0x7f000001)};
	CHECK_EQ(authdelay_reserve(&d, other_addr, 1, now), now);
	uint64_t same_name[2] = {keys[0], other_addr[0]};
	CHECK(authdelay_reserve(&d, same_name, 2, now) > now);
	/* a correct login clears both keys */
	authdelay_success(&d, keys, 2);
	CHECK_EQ(authdelay_failures(&d, keys[0], now), 0);
	CHECK_EQ(authdelay_reserve(&d, keys, 2, now), now);
}

static void test_forget_and_full(void)
{
	uint64_t k = authdelay_key_name("iqn.x:old");
	uint64_t now = 5000;
	authdelay_init(&d, AUTHDELAY_BASE_MS, AUTHDELAY_MAX_MS, AUTHDELAY_FORGET_MS);
	authdelay_fail(&d, &k, 1, now);
	authdelay_fail(&d, &k, 1, now);
	CHECK_EQ(authdelay_failures(&d, k, now + AUTHDELAY_FORGET_MS - 1), 2);
	CHECK_EQ(authdelay_failures(&d, k, now + AUTHDELAY_FORGET_MS), 0);
	/* a sprayed table keeps the most recent failures */
	authdelay_init(&d, AUTHDELAY_BASE_MS, AUTHDELAY_MAX_MS, AUTHDELAY_FORGET_MS);
	uint64_t addr = authdelay_key_addr(0x0a000001);
	for (unsigned i = 0; i < 3 * AUTHDELAY_SLOTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "iqn.spray:%u", i);
		uint64_t keys[2] = {authdelay_key_name(name), addr};
		authdelay_fail(&d, keys, 2, now + i);
	}
	CHECK_EQ(authdelay_failures(&d, addr, now + 3 * AUTHDELAY_SLOTS), 3 * AUTHDELAY_SLOTS);
	CHECK_EQ(authdelay_failures(&d, authdelay_key_name("iqn.spray:0"), now + 3000), 0);
	CHECK_EQ(authdelay_reserve(&d, &addr, 1, now + 3 * AUTHDELAY_SLOTS),
		 now + 3 * AUTHDELAY_SLOTS - 1 + AUTHDELAY_MAX_MS);
}

int main(void)
{
	test_schedule();
	test_growing();
	test_forget_and_full();
	return CHECK_SUMMARY();
}
