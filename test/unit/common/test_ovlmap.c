/* test_ovlmap.c: the overlay map codec: header round trip, every field the decoder refuses,
 * whole-map parsing (length, entries), the CRC-32C check value. */
#include <errno.h>
#include <stdlib.h>

#include "common/ovlmap.h"
#include "common/wire.h"
#include "test/unit/check.h"

static uint8_t map[OVLMAP_HEADER_LEN + 64];

static struct ovlmap_header sample(void)
{
	struct ovlmap_header h = {.size = 3 * OVLMAP_CLUSTER + 512};
	strcpy(h.base, "golden");
	for (int i = 0; i < 16; i++)
		h.base_uuid[i] = (uint8_t)(i * 17);
	return h;
}

/* Re-seals the header after a field was changed by hand. */
static void reseal(uint8_t *buf)
{
	put_be32(buf + OVLMAP_HEADER_LEN - 4, ovlmap_crc32c(buf, OVLMAP_HEADER_LEN - 4));
}

static int decode_after(size_t off, uint8_t value, bool seal)
{
	struct ovlmap_header h = sample(), out;
	char why[128];

	ovlmap_header_encode(&h, map);
	map[off] = value;
	if (seal)
		reseal(map);
	return ovlmap_header_decode(&out, map, OVLMAP_HEADER_LEN, why, sizeof(why));
}

int main(void)
{
	struct ovlmap_header h = sample(), out;
	char why[128];
	uint64_t bad = 0;

	/* RFC 3720 B.4 check value: CRC-32C of "123456789" is 0xe3069283. */
	CHECK_EQ(ovlmap_crc32c((const uint8_t *)"123456789", 9), 0xe3069283u);

	CHECK_EQ(ovlmap_clusters(1), 1);
	CHECK_EQ(ovlmap_clusters(OVLMAP_CLUSTER), 1);
	CHECK_EQ(ovlmap_clusters(OVLMAP_CLUSTER + 1), 2);

	CHECK_EQ(ovlmap_header_encode(&h, map), 0);
	CHECK_MEM(map, OVLMAP_MAGIC, 8);
	CHECK_EQ(ovlmap_header_decode(&out, map, OVLMAP_HEADER_LEN, why, sizeof(why)), 0);
	CHECK_EQ(out.size, h.size);
	CHECK_EQ(out.clusters, 4);
	CHECK_STR(out.base, "golden");
	CHECK_MEM(out.base_uuid, h.base_uuid, 16);

	/* Whole maps: exactly one valid byte per cluster. */
	memset(map + OVLMAP_HEADER_LEN, 0, 64);
	map[OVLMAP_HEADER_LEN + 1] = OVLMAP_OVERLAY;
	map[OVLMAP_HEADER_LEN + 2] = OVLMAP_ZERO;
	CHECK_EQ(ovlmap_parse(map, OVLMAP_HEADER_LEN + 4, &out, why, sizeof(why)), 0);
	CHECK_EQ(ovlmap_parse(map, OVLMAP_HEADER_LEN + 3, &out, why, sizeof(why)), -EBADMSG);
	CHECK(strstr(why, "truncated") != NULL);
	CHECK_EQ(ovlmap_parse(map, OVLMAP_HEADER_LEN + 5, &out, why, sizeof(why)), -EBADMSG);
	CHECK(strstr(why, "trailing") != NULL);
	map[OVLMAP_HEADER_LEN + 3] = 3;
	CHECK_EQ(ovlmap_parse(map, OVLMAP_HEADER_LEN + 4, &out, why, sizeof(why)), -EBADMSG);
	CHECK(strstr(why, "cluster 3") != NULL);
	CHECK_EQ(ovlmap_entries_check(map + OVLMAP_HEADER_LEN, 4, &bad), -EBADMSG);
	CHECK_EQ(bad, 3);
	CHECK_EQ(ovlmap_parse(map, 100, &out, why, sizeof(why)), -EBADMSG);
	CHECK(strstr(why, "truncated header") != NULL);

	/* Every header field the decoder checks. */
	CHECK_EQ(decode_after(0, 'X', true), -EBADMSG);	   /* magic */
	CHECK_EQ(decode_after(30, 0xff, false), -EBADMSG); /* any change without the CRC */
	CHECK_EQ(decode_after(11, 2, true), -EBADMSG);	   /* version */
	CHECK_EQ(decode_after(14, 0x20, true), -EBADMSG);  /* header length */
	CHECK_EQ(decode_after(19, 12, true), -EBADMSG);	   /* cluster shift */
	CHECK_EQ(decode_after(23, 1, true), -EBADMSG);	   /* flags */
	CHECK_EQ(decode_after(39, 9, true), -EBADMSG);	   /* clusters vs size */
	CHECK_EQ(decode_after(56, 0, true), -EBADMSG);	   /* name length 0 */
	CHECK_EQ(decode_after(56, 65, true), -EBADMSG);	   /* name length > 64 */
	CHECK_EQ(decode_after(57, 'G', true), -EBADMSG);   /* not a LUN name */
	CHECK_EQ(decode_after(60, 0, true), -EBADMSG);	   /* NUL inside the name */
	CHECK_EQ(decode_after(2000, 1, true), -EBADMSG);   /* reserved bytes */
	CHECK_EQ(decode_after(2000, 0, true), 0);

	/* The encoder refuses what the decoder would. */
	h.size = 0;
	CHECK_EQ(ovlmap_header_encode(&h, map), -EINVAL);
	h = sample();
	strcpy(h.base, "Bad Name");
	CHECK_EQ(ovlmap_header_encode(&h, map), -EINVAL);
	h = sample();
	h.size = OVLMAP_MAX_SIZE + 1;
	CHECK_EQ(ovlmap_header_encode(&h, map), -EINVAL);
	return CHECK_SUMMARY();
}
