/* test_logesc.c: logesc_copy() keeps every log line one line of printable text. */
#include "common/logesc.h"
#include "test/unit/check.h"

static const struct {
	const char *in;
	size_t len;
	size_t cap;
	const char *out;
} cases[] = {
    {"plain text", 10, 64, "plain text"},
    {"", 0, 64, ""},
    {"x\n<3>FORGED\x1b[2J", 15, 64, "x\\x0a<3>FORGED\\x1b[2J"},
    {"MSFT\r\n<3>FORGED", 15, 64, "MSFT\\x0d\\x0a<3>FORGED"},
    {"tab\there", 8, 64, "tab\\x09here"},
    {"del\x7f", 4, 64, "del\\x7f"},
    {"\xc3\xa9t\xc3\xa9", 5, 64, "\\xc3\\xa9t\\xc3\\xa9"},
    {"a\0b", 3, 64, "a\\x00b"},
    {"back\\slash", 10, 64, "back\\slash"},
    /* Cut at a whole escape: "ab" fits, "\x0a" (4 bytes) does not fit in the 2 left. */
    {"ab\ncd", 5, 5, "ab"},
    {"abcdef", 6, 4, "abc"},
    {"\n", 1, 5, "\\x0a"},
    {"\n", 1, 4, ""},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		size_t n = logesc_copy(out, cases[i].cap, cases[i].in, cases[i].len);

		CHECK_STR(out, cases[i].out);
		CHECK_EQ(n, strlen(cases[i].out));
	}
	{
		char one[1];

		CHECK_EQ(logesc_copy(one, 1, "abc", 3), 0);
		CHECK_EQ(one[0], '\0');
	}
	return CHECK_SUMMARY();
}
