/* check.c: the counters behind check.h, one pair per test binary (shared by all its files). */
#include "test/unit/check.h"

unsigned check_passed, check_failed;
