/* crc32c.h: CRC32C (Castagnoli), the iSCSI digest algorithm (RFC 7143 13.1).
 *
 * Chaining like zlib's crc32(): start with 0 and pass the previous result to continue, so
 * crc32c(crc32c(0, a, n), b, m) == crc32c(0, a||b, n + m). On the wire an iSCSI digest is the
 * 32-bit result in little-endian byte order (RFC 3720 B.4: 32 zero bytes -> aa 36 91 8a). */
#ifndef RINGSAN_ISCSI_CRC32C_H
#define RINGSAN_ISCSI_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_DIGEST_LEN 4

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);    /* fastest available */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len); /* table version, for tests */
bool crc32c_hw_available(void);				       /* the SSE4.2 instruction is used */

static inline void crc32c_put(uint8_t out[ISCSI_DIGEST_LEN], uint32_t crc)
{
	out[0] = (uint8_t)crc;
	out[1] = (uint8_t)(crc >> 8);
	out[2] = (uint8_t)(crc >> 16);
	out[3] = (uint8_t)(crc >> 24);
}

static inline uint32_t crc32c_get(const uint8_t in[ISCSI_DIGEST_LEN])
{
	return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
	       (uint32_t)in[3] << 24;
}

#endif
