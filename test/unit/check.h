/* check.h: the unit-test harness. Table-driven tests call CHECK()/CHECK_EQ(); main() ends with
 * CHECK_SUMMARY(), which prints "N passed, N failed" and returns the exit code ctest reads. */
#ifndef RINGSAN_TEST_CHECK_H
#define RINGSAN_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Defined in check.c, which ringsan_unit_test links into every unit test. */
extern unsigned check_passed, check_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ == check_b_) {                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",        \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_);                   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *check_a_ = (a), *check_b_ = (b);                                       \
		if (check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0) {                     \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\", %s == \"%s\"\n",   \
				__FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)", #b,        \
				check_b_ ? check_b_ : "(null)");                                   \
		}                                                                                  \
	} while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Exit code 77 tells ctest the test was skipped (SKIP_RETURN_CODE); say why first. */
#define CHECK_SKIP(...)                                                                            \
	do {                                                                                       \
		printf("SKIPPED: " __VA_ARGS__);                                                   \
		printf("\n");                                                                      \
		return 77;                                                                         \
	} while (0)

#define CHECK_SUMMARY()                                                                            \
	(printf("%u passed, %u failed\n", check_passed, check_failed), check_failed ? 1 : 0)

#endif
