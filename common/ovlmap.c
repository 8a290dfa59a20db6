/* ovlmap.c: see ovlmap.h. */
#include "common/ovlmap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/wire.h"

#define OFF_MAGIC    0
#define OFF_VERSION  8
#define OFF_HLEN     12
#define OFF_SHIFT    16
#define OFF_FLAGS    20
#define OFF_SIZE     24
#define OFF_CLUSTERS 32
#define OFF_UUID     40
#define OFF_NAMELEN  56
#define OFF_NAME     57
#define OFF_CRC	     (OVLMAP_HEADER_LEN - 4)

uint32_t ovlmap_crc32c(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		crc ^= buf[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static bool ovlmap_name_ok(const char *name)
{
	char err[128];

	return name_check_lun(name, err, sizeof(err)) == 0;
}

int ovlmap_header_encode(const struct ovlmap_header *h, uint8_t out[OVLMAP_HEADER_LEN])
{
	size_t n = strlen(h->base);

	if (!ovlmap_name_ok(h->base) || h->size == 0 || h->size > OVLMAP_MAX_SIZE)
		return -EINVAL;
	memset(out, 0, OVLMAP_HEADER_LEN);
	memcpy(out + OFF_MAGIC, OVLMAP_MAGIC, 8);
	put_be32(out + OFF_VERSION, OVLMAP_VERSION);
	put_be32(out + OFF_HLEN, OVLMAP_HEADER_LEN);
	put_be32(out + OFF_SHIFT, OVLMAP_SHIFT);
	put_be32(out + OFF_FLAGS, 0);
	put_be64(out + OFF_SIZE, h->size);
	put_be64(out + OFF_CLUSTERS, ovlmap_clusters(h->size));
	memcpy(out + OFF_UUID, h->base_uuid, 16);
	out[OFF_NAMELEN] = (uint8_t)n;
	memcpy(out + OFF_NAME, h->base, n);
	put_be32(out + OFF_CRC, ovlmap_crc32c(out, OFF_CRC));
	return 0;
}

static int ovlmap_bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -EBADMSG;
}

int ovlmap_header_decode(struct ovlmap_header *h, const uint8_t *buf, size_t len, char *why,
			 size_t whylen)
{
	uint32_t n;

	memset(h, 0, sizeof(*h));
	if (len < OVLMAP_HEADER_LEN)
		return ovlmap_bad(why, whylen, "truncated header");
	if (memcmp(buf + OFF_MAGIC, OVLMAP_MAGIC, 8) != 0)
		return ovlmap_bad(why, whylen, "not an overlay map (bad magic)");
	if (get_be32(buf + OFF_CRC) != ovlmap_crc32c(buf, OFF_CRC))
		return ovlmap_bad(why, whylen, "header checksum mismatch");
	if (get_be32(buf + OFF_VERSION) != OVLMAP_VERSION)
		return ovlmap_bad(why, whylen, "unknown map version");
	if (get_be32(buf + OFF_HLEN) != OVLMAP_HEADER_LEN || get_be32(buf + OFF_FLAGS) != 0)
		return ovlmap_bad(why, whylen, "unknown header length or flags");
	if (get_be32(buf + OFF_SHIFT) != OVLMAP_SHIFT)
		return ovlmap_bad(why, whylen, "unsupported cluster size");
	h->cluster_shift = OVLMAP_SHIFT;
	h->size = get_be64(buf + OFF_SIZE);
	h->clusters = get_be64(buf + OFF_CLUSTERS);
	if (h->size == 0 || h->size > OVLMAP_MAX_SIZE || h->clusters != ovlmap_clusters(h->size))
		return ovlmap_bad(why, whylen, "size and cluster count disagree");
	memcpy(h->base_uuid, buf + OFF_UUID, 16);
	n = buf[OFF_NAMELEN];
	if (n == 0 || n > NAME_MAX_LEN)
		return ovlmap_bad(why, whylen, "bad base name length");
	memcpy(h->base, buf + OFF_NAME, n);
	h->base[n] = '\0';
	if (strlen(h->base) != n || !ovlmap_name_ok(h->base))
		return ovlmap_bad(why, whylen, "bad base name");
	for (size_t i = OFF_NAME + n; i < OFF_CRC; i++)
		if (buf[i])
			return ovlmap_bad(why, whylen, "reserved header bytes are not zero");
	return 0;
}

int ovlmap_entries_check(const uint8_t *entries, uint64_t n, uint64_t *bad)
{
	for (uint64_t i = 0; i < n; i++) {
		if (entries[i] > OVLMAP_ZERO) {
			*bad = i;
			return -EBADMSG;
		}
	}
	return 0;
}

int ovlmap_parse(const uint8_t *buf, size_t len, struct ovlmap_header *h, char *why, size_t whylen)
{
	uint64_t bad;
	int ret = ovlmap_header_decode(h, buf, len, why, whylen);

	if (ret)
		return ret;
	if ((uint64_t)len - OVLMAP_HEADER_LEN != h->clusters) {
		snprintf(why, whylen, "%s: %llu cluster entries for %llu clusters",
			 (uint64_t)len - OVLMAP_HEADER_LEN < h->clusters ? "truncated"
									 : "trailing bytes",
			 (unsigned long long)(len - OVLMAP_HEADER_LEN),
			 (unsigned long long)h->clusters);
		return -EBADMSG;
	}
	if (ovlmap_entries_check(buf + OVLMAP_HEADER_LEN, h->clusters, &bad)) {
		snprintf(why, whylen, "invalid entry %u for cluster %llu",
			 buf[OVLMAP_HEADER_LEN + bad], (unsigned long long)bad);
		return -EBADMSG;
	}
	return 0;
}
