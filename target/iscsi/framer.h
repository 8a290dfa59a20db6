/* framer.h: bytes from a TCP stream -> whole iSCSI PDUs (RFC 7143 section 11.2, digests 13.1).
 *
 * The framer owns its receive buffers (sized at init, never grown), so the daemon receives straight
 * into them: framer_want() says where and how many bytes the framer needs next (never more than the
 * rest of the current PDU region), the caller writes up to that many there, then framer_feed()
 * reports a whole PDU or "need more". A PDU is read as: BHS (48), then AHS + header digest, then
 * data + padding to 4 + data digest (absent for an empty data segment).
 *
 * Caps: the AHS and data segment lengths are checked against the caps before anything is read;
 * max_data_len can be lowered/raised at run time (8192 during login, our declared
 * MaxRecvDataSegmentLength in full feature phase) but never above the init-time buffer size.
 *
 * Digests (CRC32C) are off at init; the caller switches them on after the last login response
 * (RFC 7143 13.1: they apply from the first full-feature PDU). A header digest error means the
 * stream cannot be trusted: drop the connection (RFC 7143 7.8). A data digest error discards the
 * PDU and the caller answers Reject reason 0x02 with the header (RFC 7143 7.8, 11.17.1); the
 * framer is then ready for the next PDU. */
#ifndef RINGSAN_ISCSI_FRAMER_H
#define RINGSAN_ISCSI_FRAMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/iscsi/pdu.h"

#define ISCSI_LOGIN_MAX_DATA_LEN 8192 /* RFC 7143 13.12: default MaxRecvDataSegmentLength */

enum framer_result {
	FRAMER_NEED_MORE = 0, /* feed more bytes */
	FRAMER_PDU,	      /* *out is a whole PDU */
	/* Errors; *out->bhs holds the offending header (for a Reject) in each case. */
	FRAMER_DATA_DIGEST_ERROR,   /* PDU discarded; the stream goes on */
	FRAMER_HEADER_DIGEST_ERROR, /* fatal: drop the connection */
	FRAMER_AHS_TOO_LONG,	    /* fatal: TotalAHSLength beyond our cap */
	FRAMER_DATA_TOO_LONG,	    /* fatal: DataSegmentLength beyond the current cap */
};

struct framer_limits {
	uint32_t max_ahs_len;  /* bytes, multiple of 4, at most ISCSI_AHS_MAX_LEN */
	uint32_t max_data_len; /* bytes: the biggest data segment ever accepted (buffer size) */
};

enum framer_region { FRAMER_BHS, FRAMER_AHS, FRAMER_DATA, FRAMER_DEAD };

struct framer {
	struct framer_limits lim;
	uint32_t cur_max_data_len; /* the cap in force, <= lim.max_data_len */
	bool header_digest, data_digest;
	enum framer_region region;
	uint32_t need, have; /* bytes of the current region: wanted in all, received so far */
	uint8_t bhs[BHS_LEN];
	uint8_t *ahs;	   /* max_ahs_len + 4 (header digest) */
	uint8_t *data;	   /* data_cap + 3 (padding) + 4 (data digest) */
	uint32_t data_cap; /* grows with the cap in force, up to max_data_len */
	uint32_t ahs_len, data_len;
};

/* Allocates the buffers; cur_max_data_len starts at min(8192, max_data_len), and the data buffer
 * only that big, so a connection that never logs in costs little. 0 or -ENOMEM/-EINVAL. */
int framer_init(struct framer *f, const struct framer_limits *lim);
void framer_fini(struct framer *f);
void framer_set_digests(struct framer *f, bool header, bool data);
/* Clamped to the init-time max_data_len. Grows the data buffer (between PDUs, e.g. from the
 * callback of framer_push); if that fails the cap stays at what the buffer holds. */
void framer_set_max_data_len(struct framer *f, uint32_t max_data_len);

/* Where the next bytes go and how many (>= 1) the framer takes; NULL after a fatal error. */
uint8_t *framer_want(struct framer *f, size_t *len);
/* n (<= the length framer_want gave) bytes were written at framer_want's pointer. On FRAMER_PDU
 * the pdu's ahs/data point into the framer's buffers, valid until the next framer_want. */
enum framer_result framer_feed(struct framer *f, size_t n, struct iscsi_pdu *out);

/* Feeds bytes and calls cb for every result other than FRAMER_NEED_MORE. Headers and split
 * segments are copied in; a data segment that lies whole in bytes is not: the pdu's data then
 * points into bytes (valid during the callback only, as always). Returns the bytes consumed:
 * all of them, or fewer after a fatal error. */
typedef void (*framer_cb)(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu);
size_t framer_push(struct framer *f, const void *bytes, size_t len, framer_cb cb, void *ctx);

/* Sending side. Digests as they go on the wire (little-endian CRC32C; RFC 3720 B.4). */
uint32_t framer_header_digest(const uint8_t bhs[BHS_LEN], const uint8_t *ahs, uint32_t ahs_len);
uint32_t framer_data_digest(const uint8_t *data, uint32_t data_len); /* covers the zero padding */
/* Writes the PDU as it goes on the wire (BHS, AHS, digest, data, padding, digest) into out;
 * returns the length, or 0 if it does not fit in cap. DataSegmentLength in bhs must equal
 * data_len and TotalAHSLength ahs_len / 4 (the caller's encoders set them). */
size_t framer_serialize(const struct iscsi_pdu *pdu, bool header_digest, bool data_digest,
			uint8_t *out, size_t cap);

const char *framer_result_name(enum framer_result res);

#endif
