/* text.h: iSCSI text keys, key=value pairs in a data segment (RFC 7143 section 6.1).
 *
 * Input: struct text_in accumulates the data segments of a Login or Text request sequence (C bit,
 * RFC 7143 6.1: a pair may span PDU boundaries) into one buffer with a cap fixed at init, then
 * text_in_parse() splits it into pairs in place: pair keys and values point into that buffer and
 * stay valid until the next text_in_reset/append/fini.
 *
 * Output: struct text_out writes pairs into a caller-owned buffer with a sticky overflow flag. */
#ifndef RINGSAN_ISCSI_TEXT_H
#define RINGSAN_ISCSI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_KEY_MAX	      63   /* RFC 7143 6.1: key name length */
#define TEXT_VALUE_MAX	      255  /* RFC 7143 6.1: most values */
#define TEXT_BINARY_VALUE_MAX 2050 /* "0x" + 2 * 1024: CHAP_C / CHAP_R (RFC 7143 12.1.3) */
#define TEXT_MAX_PAIRS	      64   /* more pairs in one sequence is an attack, not a login */
#define TEXT_DEFAULT_CAP      65536

struct text_pair {
	const char *key;
	const char *value;
};

struct text_in {
	char *buf;	   /* owned; cap + 1 bytes */
	uint32_t len, cap; /* bytes accumulated, and the most ever accepted */
	struct text_pair pairs[TEXT_MAX_PAIRS];
	unsigned n_pairs;
};

int text_in_init(struct text_in *t, uint32_t cap); /* 0 or -ENOMEM */
void text_in_fini(struct text_in *t);
void text_in_reset(struct text_in *t);
/* Adds one PDU's data segment. -EMSGSIZE when the total would pass the cap (the caller fails the
 * login with 02/00 or rejects the Text request). */
int text_in_append(struct text_in *t, const uint8_t *data, uint32_t len);
/* Splits the accumulated bytes into pairs. Empty strings between NULs are skipped; a missing final
 * NUL is tolerated. -EBADMSG: a pair without '=', an empty or over-long key, a key with characters
 * outside RFC 7143 6.1 (letters, digits, . - + @ _ #), or a value longer than max_value_len.
 * -E2BIG: more than TEXT_MAX_PAIRS pairs. */
int text_in_parse(struct text_in *t, uint32_t max_value_len);
/* The value of the first pair named key, or NULL. */
const char *text_in_get(const struct text_in *t, const char *key);
/* How many pairs are named key (RFC 7143 6.2: a key offered twice is a protocol error). */
unsigned text_in_count(const struct text_in *t, const char *key);

struct text_out {
	char *buf; /* caller-owned */
	uint32_t len, cap;
	bool overflow; /* sticky: a pair did not fit (and was not written) */
};

void text_out_init(struct text_out *o, char *buf, uint32_t cap);
void text_out_add(struct text_out *o, const char *key, const char *value);
void text_out_add_u32(struct text_out *o, const char *key, uint32_t value);

#endif
