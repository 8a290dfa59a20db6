/* test_text.c: key=value parsing (RFC 7143 6.1), accumulation across Continue PDUs, caps, output.
 */
#include <errno.h>

#include "target/iscsi/text.h"
#include "test/unit/check.h"

#define SEG(s) (const uint8_t *)(s), (uint32_t)(sizeof(s) - 1)

static void test_parse_cases(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		uint32_t len;
		int want;
		unsigned pairs;
	} cases[] = {
	    {"two pairs", "A=1\0B=two\0", 10, 0, 2},
	    {"empty value", "A=\0", 3, 0, 1},
	    {"no final NUL", "A=1\0B=2", 7, 0, 2},
	    {"extra NULs", "\0A=1\0\0\0", 7, 0, 1},
	    {"empty", "", 0, 0, 0},
	    {"value with =", "X=a=b\0", 6, 0, 1},
	    {"no =", "Abc\0", 4, -EBADMSG, 0},
	    {"empty key", "=1\0", 3, -EBADMSG, 0},
	    {"bad key char", "A B=1\0", 6, -EBADMSG, 0},
	    {"key chars", "X-a.b+c@d_e=1\0", 14, 0, 1},
	};
	struct text_in t;

	CHECK_EQ(text_in_init(&t, 1024), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_in_reset(&t);
		CHECK_EQ(text_in_append(&t, (const uint8_t *)cases[i].bytes, cases[i].len), 0);
		int got = text_in_parse(&t, TEXT_VALUE_MAX);
		if (got != cases[i].want || (got == 0 && t.n_pairs != cases[i].pairs))
			fprintf(stderr, "case %s: got %d pairs %u\n", cases[i].name, got,
				t.n_pairs);
		CHECK_EQ(got, cases[i].want);
		if (got == 0)
			CHECK_EQ(t.n_pairs, cases[i].pairs);
	}
	text_in_reset(&t);
	text_in_append(&t, SEG("A=1\0B=two\0X=a=b\0A=3\0"));
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), 0);
	CHECK_STR(text_in_get(&t, "B"), "two");
	CHECK_STR(text_in_get(&t, "X"), "a=b");
	CHECK_STR(text_in_get(&t, "A"), "1");
	CHECK_EQ(text_in_count(&t, "A"), 2);
	CHECK(text_in_get(&t, "C") == NULL);
	text_in_fini(&t);
}

static void test_limits(void)
{
	struct text_in t;
	char big[600];

	CHECK_EQ(text_in_init(&t, 4096), 0);
	/* key of 63 ok, 64 not */
	memset(big, 'K', 63);
	memcpy(big + 63, "=v", 3);
	text_in_append(&t, (const uint8_t *)big, 66);
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), 0);
	text_in_reset(&t);
	memset(big, 'K', 64);
	memcpy(big + 64, "=v", 3);
	text_in_append(&t, (const uint8_t *)big, 67);
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), -EBADMSG);
	/* value of 255 ok, 256 not */
	text_in_reset(&t);
	memcpy(big, "V=", 2);
	memset(big + 2, 'x', 255);
	big[257] = 0;
	text_in_append(&t, (const uint8_t *)big, 258);
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), 0);
	text_in_reset(&t);
	memset(big + 2, 'x', 256);
	big[258] = 0;
	text_in_append(&t, (const uint8_t *)big, 259);
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), -EBADMSG);
	CHECK_EQ(text_in_parse(&t, TEXT_BINARY_VALUE_MAX), 0);
	/* too many pairs */
	text_in_reset(&t);
	for (int i = 0; i <= TEXT_MAX_PAIRS; i++)
		text_in_append(&t, SEG("A=1\0"));
	CHECK_EQ(text_in_parse(&t, TEXT_VALUE_MAX), -E2BIG);
	/* total cap */
	text_in_reset(&t);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(text_in_append(&t, (const uint8_t *)big, 512), 0);
	CHECK_EQ(text_in_append(&t, (const uint8_t *)big, 1), -EMSGSIZE);
	text_in_fini(&t);
}

/* A pair split across two Continue PDUs at every position. */
static void test_continue(void)
{
	static const char seg[] = "InitiatorName=iqn.2010-04.org.ipxe:host\0AuthMethod=CHAP,None\0";
	const uint32_t len = sizeof(seg) - 1;
	unsigned bad = 0;
	struct text_in t;

	CHECK_EQ(text_in_init(&t, 8192), 0);
	for (uint32_t cut = 0; cut <= len; cut++) {
		text_in_reset(&t);
		text_in_append(&t, (const uint8_t *)seg, cut);
		text_in_append(&t, (const uint8_t *)seg + cut, len - cut);
		const char *v;
		bad += text_in_parse(&t, TEXT_VALUE_MAX) != 0 || t.n_pairs != 2 ||
		       !(v = text_in_get(&t, "AuthMethod")) || strcmp(v, "CHAP,None") != 0;
	}
	CHECK_EQ(bad, 0);
	text_in_fini(&t);
}

static void test_out(void)
{
	char buf[32];
	struct text_out o;

	text_out_init(&o, buf, sizeof(buf));
	text_out_add(&o, "HeaderDigest", "None");
	text_out_add_u32(&o, "MaxBurst", 262144);
	CHECK_EQ(o.len, 18); /* the second pair (16 bytes) did not fit in 32 */
	CHECK(o.overflow);
	text_out_init(&o, buf, sizeof(buf));
	text_out_add(&o, "A", "1");
	text_out_add_u32(&o, "B", 42);
	CHECK(!o.overflow);
	CHECK_EQ(o.len, 9);
	CHECK_MEM(buf, "A=1\0B=42\0", 9);
	text_out_add(&o, "Long", "0123456789012345678901234");
	CHECK(o.overflow);
	CHECK_EQ(o.len, 9);
}

int main(void)
{
	test_parse_cases();
	test_limits();
	test_continue();
	test_out();
	return CHECK_SUMMARY();
}
