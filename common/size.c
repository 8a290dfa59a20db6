/* size.c: see size.h. */
#include "common/size.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char size_units[] = "BKMGTPE";

static int size_unit_shift(const char *unit, unsigned *shift)
{
	const char *pos;
	char c = *unit;

	if (c == '\0') {
		*shift = 0;
		return 0;
	}
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	pos = strchr(size_units, c);
	if (!pos)
		return -EINVAL;
	*shift = 10 * (unsigned)(pos - size_units);
	unit++;
	if (pos == size_units) /* "B" takes no further suffix */
		return *unit ? -EINVAL : 0;
	if (strcmp(unit, "") == 0 || strcmp(unit, "B") == 0 || strcmp(unit, "b") == 0 ||
	    strcmp(unit, "iB") == 0 || strcmp(unit, "ib") == 0)
		return 0;
	return -EINVAL;
}

int size_parse(const char *text, uint64_t *out, char *err, size_t errlen)
{
	const char *p = text;
	uint64_t value = 0;
	unsigned shift;

	if (*p < '0' || *p > '9')
		goto out_invalid;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10)
			goto out_range;
		value = value * 10 + digit;
	}
	if (size_unit_shift(p, &shift) != 0)
		goto out_invalid;
	if (shift && value > (UINT64_MAX >> shift))
		goto out_range;
	*out = value << shift;
	return 0;
out_invalid:
	snprintf(err, errlen,
		 "'%s' is not a size: use a whole number of bytes, or one with a unit K, M, G, T, "
		 "P (powers of 1024, e.g. 512K, 40G, 1536M)",
		 text);
	return -EINVAL;
out_range:
	snprintf(err, errlen, "'%s' is too large (the limit is 16 EiB - 1 byte)", text);
	return -ERANGE;
}

char *size_format(uint64_t bytes, char buf[static SIZE_FORMAT_MAX])
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned u = 0;

	while (u + 1 < sizeof(names) / sizeof(names[0]) && bytes >> (10 * (u + 1)))
		u++;
	if (u == 0 || (bytes & ((UINT64_C(1) << (10 * u)) - 1)) == 0) {
		snprintf(buf, SIZE_FORMAT_MAX, "%llu %s", (unsigned long long)(bytes >> (10 * u)),
			 names[u]);
		return buf;
	}
	/* Tenths, rounded down so "used" never looks bigger than it is. */
	uint64_t whole = bytes >> (10 * u);
	uint64_t rest = bytes & ((UINT64_C(1) << (10 * u)) - 1);
	unsigned tenth = (unsigned)((rest >> (10 * u - 10)) * 10 / 1024);
	snprintf(buf, SIZE_FORMAT_MAX, "%llu.%u %s", (unsigned long long)whole, tenth, names[u]);
	return buf;
}
