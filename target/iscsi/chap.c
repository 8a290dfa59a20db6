/* chap.c: CHAP digests and binary-value encodings (RFC 7143 6.1 and 12.1.3, RFC 1994). */
#include "target/iscsi/chap.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "target/iscsi/negotiate.h"
#include "common/hex.h"

static const EVP_MD *chap_md(enum chap_alg alg)
{
	switch (alg) {
	case CHAP_ALG_MD5:
		return EVP_md5();
	case CHAP_ALG_SHA1:
		return EVP_sha1();
	case CHAP_ALG_SHA256:
		return EVP_sha256();
	case CHAP_ALG_SHA3_256:
		return EVP_sha3_256();
	case CHAP_ALG_NONE:
		break;
	}
	return NULL;
}

size_t chap_digest_len(enum chap_alg alg)
{
	switch (alg) {
	case CHAP_ALG_MD5:
		return 16;
	case CHAP_ALG_SHA1:
		return 20;
	case CHAP_ALG_SHA256:
	case CHAP_ALG_SHA3_256:
		return 32;
	case CHAP_ALG_NONE:
		break;
	}
	return 0;
}

const char *chap_alg_name(enum chap_alg alg)
{
	switch (alg) {
	case CHAP_ALG_MD5:
		return "MD5";
	case CHAP_ALG_SHA1:
		return "SHA-1";
	case CHAP_ALG_SHA256:
		return "SHA-256";
	case CHAP_ALG_SHA3_256:
		return "SHA3-256";
	case CHAP_ALG_NONE:
		break;
	}
	return "none";
}

enum chap_alg chap_choose_alg(const char *list)
{
	const char *p = list;

	while (*p) {
		char item[16];
		size_t len = strcspn(p, ",");
		uint64_t v;
		if (len > 0 && len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			if (negotiate_parse_number(item, 255, &v) &&
			    chap_digest_len((enum chap_alg)v) && chap_md((enum chap_alg)v))
				return (enum chap_alg)v;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return CHAP_ALG_NONE;
}

int chap_response(enum chap_alg alg, uint8_t id, const uint8_t *secret, size_t secret_len,
		  const uint8_t *challenge, size_t challenge_len, uint8_t *out)
{
	const EVP_MD *md = chap_md(alg);
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, &id, 1) &&
	     EVP_DigestUpdate(ctx, secret, secret_len) &&
	     EVP_DigestUpdate(ctx, challenge, challenge_len) && EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	return ok && len == chap_digest_len(alg) ? 0 : -EINVAL;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* "0x" hex: an odd number of digits means a leading zero nibble (RFC 7143 6.1). */
static int decode_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t digits = strlen(s);
	size_t len = (digits + 1) / 2;
	size_t o = 0;

	if (digits == 0 || len > cap)
		return -EINVAL;
	if (digits % 2) {
		int v = hex_digit(*s++);
		if (v < 0)
			return -EINVAL;
		out[o++] = (uint8_t)v;
	}
	for (; *s; s += 2) {
		int hi = hex_digit(s[0]), lo = hex_digit(s[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[o++] = (uint8_t)(hi << 4 | lo);
	}
	return (int)o;
}

/* "0b" base64 (RFC 4648 with padding). */
static int decode_base64(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), o = 0;

	if (n == 0 || n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else if (pad || (v[j] = b64_value(s[i + j])) < 0) {
				return -EINVAL;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		size_t take = 3 - (size_t)pad;
		if (o + take > cap)
			return -EINVAL;
		for (size_t j = 0; j < take; j++)
			out[o++] = (uint8_t)(w >> (16 - 8 * j));
	}
	return (int)o;
}

int chap_decode_binary(const char *s, uint8_t *out, size_t cap)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return decode_hex(s + 2, out, cap);
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return decode_base64(s + 2, out, cap);
	return -EINVAL;
}

void chap_encode_hex(const uint8_t *bin, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;

	if (cap < 2 * len + 3) {
		if (cap)
			out[0] = '\0';
		return;
	}
	out[o++] = '0';
	out[o++] = 'x';
	for (size_t i = 0; i < len; i++) {
		out[o++] = digits[bin[i] >> 4];
		out[o++] = digits[bin[i] & 15];
	}
	out[o] = '\0';
}

bool chap_check(enum chap_alg alg, uint8_t id, const char *secret, const uint8_t *challenge,
		size_t challenge_len, const char *response_value)
{
	uint8_t got[CHAP_MAX_BINARY], want[CHAP_MAX_DIGEST];
	size_t dlen = chap_digest_len(alg);
	int n = chap_decode_binary(response_value, got, sizeof(got));

	if (dlen == 0 || n < 0 || (size_t)n != dlen)
		return false;
	if (chap_response(alg, id, (const uint8_t *)secret, strlen(secret), challenge,
			  challenge_len, want) != 0)
		return false;
	return CRYPTO_memcmp(got, want, dlen) == 0;
}
