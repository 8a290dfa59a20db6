/* lunid.h: a LUN's identity. Each LUN gets a random UUID (version 4) when it is created; the
 * SCSI identifiers are derived from it, so they survive restarts, host renames and resizes:
 * - unit serial number (SPC-5 VPD page 0x80): the 32 lower-case hex digits of the UUID;
 * - NAA designator (SPC-5 7.7.6.6.4, VPD page 0x83): NAA type 3 "locally assigned", 8 bytes:
 *   the nibble 3 followed by the top 60 bits of the UUID;
 * - T10 vendor ID designator (SPC-5 7.7.6.6.3): "RINGSAN " then the serial. */
#ifndef RINGSAN_COMMON_LUNID_H
#define RINGSAN_COMMON_LUNID_H

#include <stdint.h>

struct lun_identity {
	char serial[33];   /* 32 hex digits, NUL-terminated */
	uint8_t naa[8];	   /* the designator bytes as sent on the wire */
	char naa_text[19]; /* "0x3..." as shown by lsscsi / sg_inq; NUL-terminated */
	char t10_id[41];   /* 8-byte vendor "RINGSAN " + serial, NUL-terminated (40 bytes) */
};

void lunid_derive(const uint8_t uuid[16], struct lun_identity *out);

#endif
