/* check.h: the unit-test harness. Table-driven tests call CHECK()/CHECK_EQ(); main() ends with
 * CHECK_SUMMARY(), which prints "N passed, N failed" and returns the exit code ctest reads. */
#ifndef RINGSAN_TEST_CHECK_H
#define RINGSAN_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Defined in check.c, which ringsan_unit_test links into every unit test. */
extern unsigned check_passed, check_failed;

/* Helpers shared by several tests (pipe_cmd.c, drv_expect.c, ...) CHECK inside themselves, so a
 * failure there names the helper's line. Their headers wrap each helper in CHECK_CALLED(), which
 * records the line of the test that called it (only calls from a test file count, so a helper
 * calling a helper keeps the test's line); a failing CHECK in another file then also prints
 * "called from FILE:LINE". */
void check_called_from(const char *file, int line);
void check_report_caller(const char *file);
#define CHECK_CALLED(call) (check_called_from(__FILE__, __LINE__), (call))

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
			check_report_caller(__FILE__);                                             \
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
			check_report_caller(__FILE__);                                             \
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
			check_report_caller(__FILE__);                                             \
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
