/* chap.h: CHAP for iSCSI (RFC 7143 12.1.3, RFC 1994), target side, one-way and mutual.
 *
 * Algorithms by their registered CHAP_A numbers (IANA PPP authentication algorithms): 5 = MD5,
 * 6 = SHA-1, 7 = SHA-256, 8 = SHA3-256. The response is H(identifier || secret || challenge).
 * Binary values (challenge, response) are written as 0x-hex and read as 0x-hex or 0b-base64
 * (RFC 7143 6.1 binary-value). Pure: the caller passes the random bytes for our challenges;
 * libcrypto (EVP digests, CRYPTO_memcmp) does the hashing. */
#ifndef RINGSAN_ISCSI_CHAP_H
#define RINGSAN_ISCSI_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAP_MAX_DIGEST	    32
#define CHAP_MAX_BINARY	    1024 /* RFC 7143 12.1.3: CHAP_C / CHAP_R binary length */
#define CHAP_CHALLENGE_LEN  32	 /* what we send: at least the longest digest */
#define CHAP_SECRET_MAX	    255
#define CHAP_MIN_SECRET_LEN 12 /* RFC 7143 12.1.3 asks for 96-bit secrets; log-worthy if less */

enum chap_alg {
	CHAP_ALG_NONE = 0,
	CHAP_ALG_MD5 = 5,
	CHAP_ALG_SHA1 = 6,
	CHAP_ALG_SHA256 = 7,
	CHAP_ALG_SHA3_256 = 8,
};

/* Digest length in bytes for an algorithm, 0 if unknown. */
size_t chap_digest_len(enum chap_alg alg);
const char *chap_alg_name(enum chap_alg alg);

/* Picks the first algorithm of a CHAP_A list ("8,7,6,5") that is supported; CHAP_ALG_NONE if none
 * or the list is malformed. */
enum chap_alg chap_choose_alg(const char *list);

/* H(id || secret || challenge) into out (chap_digest_len(alg) bytes). 0 or -EINVAL. */
int chap_response(enum chap_alg alg, uint8_t id, const uint8_t *secret, size_t secret_len,
		  const uint8_t *challenge, size_t challenge_len, uint8_t *out);

/* Decodes a binary-value: "0x" hex (even or odd digit count) or "0b" base64. Returns the length,
 * or -EINVAL if malformed or longer than cap. */
int chap_decode_binary(const char *s, uint8_t *out, size_t cap);
/* Encodes as "0x" + lowercase hex into out (cap >= 2 + 2 * len + 1). */
void chap_encode_hex(const uint8_t *bin, size_t len, char *out, size_t cap);

/* Checks a received CHAP_R against the expected response in constant time. */
bool chap_check(enum chap_alg alg, uint8_t id, const char *secret, const uint8_t *challenge,
		size_t challenge_len, const char *response_value);

#endif
