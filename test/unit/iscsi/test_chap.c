/* test_chap.c: CHAP digests by CHAP_A number against vectors computed independently with Python's
 * hashlib (H(id || secret || challenge), id 0x2a, secret "secretsecret1", challenge 00..0f), the
 * algorithm choice, and the binary-value encodings of RFC 7143 6.1. */
#include <errno.h>

#include "target/iscsi/chap.h"
#include "test/unit/check.h"

static const uint8_t challenge[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const char secret[] = "secretsecret1";

static void test_vectors(void)
{
	static const struct {
		enum chap_alg alg;
		const char *hex;
	} cases[] = {
	    {CHAP_ALG_MD5, "0xec81cd0a4bf810bfcb485d7600dadf3f"},
	    {CHAP_ALG_SHA1, "0x563873f1f0717e003b971f5171b459719226e931"},
	    {CHAP_ALG_SHA256, "0x55954403e439449807f74596471a25e2b31edd9f17019f69bd8753307f7a8f04"},
	    {CHAP_ALG_SHA3_256,
	     "0xac6a9338ba31f2312a6761a2539a6446922c962735afa50653b89fc0f79fc51b"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[CHAP_MAX_DIGEST];
		char hex[2 * CHAP_MAX_DIGEST + 3];
		CHECK_EQ(chap_response(cases[i].alg, 0x2a, (const uint8_t *)secret, strlen(secret),
				       challenge, sizeof(challenge), out),
			 0);
		chap_encode_hex(out, chap_digest_len(cases[i].alg), hex, sizeof(hex));
		CHECK_STR(hex, cases[i].hex);
		CHECK(chap_check(cases[i].alg, 0x2a, secret, challenge, sizeof(challenge),
				 cases[i].hex));
		/* wrong id, wrong secret, truncated response, other algorithm */
		CHECK(!chap_check(cases[i].alg, 0x2b, secret, challenge, sizeof(challenge),
				  cases[i].hex));
		CHECK(!chap_check(cases[i].alg, 0x2a, "secretsecret2", challenge, sizeof(challenge),
				  cases[i].hex));
		hex[strlen(hex) - 2] = '\0';
		CHECK(!chap_check(cases[i].alg, 0x2a, secret, challenge, sizeof(challenge), hex));
	}
	/* 7 is SHA-256, never SHA-1 (IANA CHAP algorithms; some old targets got this wrong) */
	CHECK_EQ(chap_digest_len(CHAP_ALG_SHA256), 32);
	CHECK(!chap_check(CHAP_ALG_SHA256, 0x2a, secret, challenge, sizeof(challenge),
			  "0x563873f1f0717e003b971f5171b459719226e931"));
	/* base64 form of the MD5 response, and upper-case hex */
	CHECK(chap_check(CHAP_ALG_MD5, 0x2a, secret, challenge, sizeof(challenge),
			 "0b7IHNCkv4EL/LSF12ANrfPw=="));
	CHECK(chap_check(CHAP_ALG_MD5, 0x2a, secret, challenge, sizeof(challenge),
			 "0XEC81CD0A4BF810BFCB485D7600DADF3F"));
	CHECK(!chap_check(CHAP_ALG_MD5, 0x2a, secret, challenge, sizeof(challenge),
			  "ec81cd0a4bf810bfcb485d7600dadf3f"));
	CHECK(!chap_check(CHAP_ALG_NONE, 0x2a, secret, challenge, sizeof(challenge), "0x00"));
}

static void test_choose(void)
{
	static const struct {
		const char *list;
		enum chap_alg want;
	} cases[] = {
	    {"5", CHAP_ALG_MD5},      {"8,7,6,5", CHAP_ALG_SHA3_256},
	    {"7,5", CHAP_ALG_SHA256}, {"1,2,6", CHAP_ALG_SHA1},
	    {"", CHAP_ALG_NONE},      {"4", CHAP_ALG_NONE},
	    {"x,5", CHAP_ALG_MD5},    {"0x5", CHAP_ALG_MD5},
	    {",,", CHAP_ALG_NONE},    {"99999999999", CHAP_ALG_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ(chap_choose_alg(cases[i].list), cases[i].want);
	CHECK_STR(chap_alg_name(CHAP_ALG_SHA3_256), "SHA3-256");
}

static void test_binary(void)
{
	static const struct {
		const char *in;
		int len;
		uint8_t first, last;
	} cases[] = {
	    {"0x00ff", 2, 0x00, 0xff}, {"0xabc", 2, 0x0a, 0xbc},  {"0x", -EINVAL, 0, 0},
	    {"0xzz", -EINVAL, 0, 0},   {"0bAAEC", 3, 0x00, 0x02}, {"0b/w==", 1, 0xff, 0xff},
	    {"0b/w=", -EINVAL, 0, 0},  {"0b=AAA", -EINVAL, 0, 0}, {"0bAA=A", -EINVAL, 0, 0},
	    {"0bAAE", -EINVAL, 0, 0},  {"1234", -EINVAL, 0, 0},	  {"0b", -EINVAL, 0, 0},
	};
	uint8_t out[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = chap_decode_binary(cases[i].in, out, sizeof(out));
		CHECK_EQ(n, cases[i].len);
		if (n > 0) {
			CHECK_EQ(out[0], cases[i].first);
			CHECK_EQ(out[n - 1], cases[i].last);
		}
	}
	/* the cap */
	CHECK_EQ(chap_decode_binary("0x000102030405060708", out, sizeof(out)), -EINVAL);
	CHECK_EQ(chap_decode_binary("0x0001020304050607", out, sizeof(out)), 8);
	char small[5];
	chap_encode_hex((const uint8_t *)"\x01\x02", 2, small, sizeof(small));
	CHECK_STR(small, "");
}

int main(void)
{
	test_vectors();
	test_choose();
	test_binary();
	return CHECK_SUMMARY();
}
