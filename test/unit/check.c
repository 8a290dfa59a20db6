/* check.c: the counters behind check.h, one pair per test binary (shared by all its files), and
 * the line of the test that last called a shared helper. */
#include "test/unit/check.h"

unsigned check_passed, check_failed;

static const char *caller_file;
static int caller_line;

/* Test files are named test_*.c or *_test.c; helpers are not. */
static int is_test_file(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	return strncmp(base, "test_", 5) == 0 || (n > 7 && strcmp(base + n - 7, "_test.c") == 0);
}

void check_called_from(const char *file, int line)
{
	if (!is_test_file(file))
		return;
	caller_file = file;
	caller_line = line;
}

void check_report_caller(const char *file)
{
	if (caller_file && strcmp(caller_file, file) != 0)
		fprintf(stderr, "    called from %s:%d\n", caller_file, caller_line);
}
