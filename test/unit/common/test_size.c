/* test_size.c: size_parse() and size_format(). */
#include <errno.h>

#include "common/size.h"
#include "test/unit/check.h"

static const struct {
	const char *text;
	int ret;
	uint64_t value;
} parse_cases[] = {
    {"0", 0, 0},
    {"4096", 0, 4096},
    {"1K", 0, 1024},
    {"1k", 0, 1024},
    {"1KiB", 0, 1024},
    {"1KB", 0, 1024},
    {"40G", 0, UINT64_C(40) << 30},
    {"40GiB", 0, UINT64_C(40) << 30},
    {"1536M", 0, UINT64_C(1536) << 20},
    {"2T", 0, UINT64_C(2) << 40},
    {"1P", 0, UINT64_C(1) << 50},
    {"15E", 0, UINT64_C(15) << 60},
    {"512B", 0, 512},
    {"18446744073709551615", 0, UINT64_MAX},
    {"18446744073709551616", -ERANGE, 0},
    {"16E", -ERANGE, 0},
    {"99999999999999999999T", -ERANGE, 0},
    {"", -EINVAL, 0},
    {"G", -EINVAL, 0},
    {"-1", -EINVAL, 0},
    {"+1", -EINVAL, 0},
    {"1.5T", -EINVAL, 0},
    {" 1G", -EINVAL, 0},
    {"1G ", -EINVAL, 0},
    {"1 G", -EINVAL, 0},
    {"1X", -EINVAL, 0},
    {"1GG", -EINVAL, 0},
    {"1BiB", -EINVAL, 0},
    {"1Gib", 0, UINT64_C(1) << 30},
    {"1GIB", -EINVAL, 0},
    {"0x10", -EINVAL, 0},
};

static const struct {
	uint64_t value;
	const char *text;
} format_cases[] = {
    {0, "0 B"},
    {512, "512 B"},
    {1023, "1023 B"},
    {1024, "1 KiB"},
    {1536, "1.5 KiB"},
    {UINT64_C(40) << 30, "40 GiB"},
    {(UINT64_C(3) << 29), "1.5 GiB"},
    {(UINT64_C(1) << 30) + 1, "1.0 GiB"},
    {UINT64_C(1) << 40, "1 TiB"},
    {UINT64_MAX, "15.9 EiB"},
};

int main(void)
{
	char err[256], buf[SIZE_FORMAT_MAX];

	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		uint64_t v = 12345;
		err[0] = '\0';
		int ret = size_parse(parse_cases[i].text, &v, err, sizeof(err));
		CHECK_EQ(ret, parse_cases[i].ret);
		if (ret == 0)
			CHECK(v == parse_cases[i].value);
		else
			CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
		if (ret != parse_cases[i].ret)
			fprintf(stderr, "  case '%s'\n", parse_cases[i].text);
	}
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++)
		CHECK_STR(size_format(format_cases[i].value, buf), format_cases[i].text);
	return CHECK_SUMMARY();
}
