/* ovlmap.h: the on-disk allocation map of an overlay LUN (DATA_DIR/NAME/overlay.map): a pure
 * codec, no I/O.
 *
 * An overlay LUN reads what it never wrote from a read-only base LUN; what it wrote lives in its
 * own sparse disk.img at the same offsets. The map says, per cluster of OVLMAP_CLUSTER bytes,
 * where the cluster's contents are:
 *
 *   offset 0, OVLMAP_HEADER_LEN (4096) bytes, all integers big-endian:
 *     0   8  magic "RSOVMAP1"
 *     8   4  version (1)
 *     12  4  header length (4096)
 *     16  4  cluster shift (16: 64 KiB clusters)
 *     20  4  flags (0; any other value is refused)
 *     24  8  size: the LUN's size in bytes (the base's size when the map was made)
 *     32  8  clusters: ceil(size / cluster size)
 *     40  16 the base's uuid (its lun.meta), so a base replaced under the same name is noticed
 *     56  1  length of the base's name (1 to 64)
 *     57  64 the base's name, zero-padded
 *     121 .. zero up to 4092
 *     4092 4 CRC-32C of bytes 0..4091
 *   offset 4096: one byte per cluster: 0 = from the base, 1 = in the overlay (disk.img holds the
 *     whole cluster), 2 = zero (unmapped: reads as zeroes, never the base again). Nothing after.
 *
 * The entries carry no checksum on purpose: the target changes them in place, one byte per
 * cluster, only after the clusters' data is on stable storage (data, fdatasync, map, fdatasync),
 * so any mix of old and new bytes a torn write can leave is a valid map that loses at most the
 * writes no flush acknowledged. Any byte other than 0, 1, 2 means damage. */
#ifndef RINGSAN_COMMON_OVLMAP_H
#define RINGSAN_COMMON_OVLMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/name.h"

#define OVLMAP_FILE	  "overlay.map"
#define OVLMAP_MAGIC	  "RSOVMAP1"
#define OVLMAP_VERSION	  1
#define OVLMAP_HEADER_LEN 4096u
#define OVLMAP_SHIFT	  16u
#define OVLMAP_CLUSTER	  (1u << OVLMAP_SHIFT)
/* Largest LUN an overlay may have: 16 TiB, 256 Mi clusters, a 256 MiB map. */
#define OVLMAP_MAX_SIZE (UINT64_C(1) << 44)

enum ovlmap_state {
	OVLMAP_BASE = 0,    /* read from the base */
	OVLMAP_OVERLAY = 1, /* read from the overlay's disk.img */
	OVLMAP_ZERO = 2,    /* unmapped: reads as zeroes */
};

struct ovlmap_header {
	uint32_t cluster_shift;
	uint64_t size;
	uint64_t clusters;
	uint8_t base_uuid[16];
	char base[NAME_MAX_LEN + 1];
};

/* Clusters needed for size bytes. */
static inline uint64_t ovlmap_clusters(uint64_t size)
{
	return (size + OVLMAP_CLUSTER - 1) >> OVLMAP_SHIFT;
}

/* CRC-32C (Castagnoli), bitwise: the header is checked once per open. */
uint32_t ovlmap_crc32c(const uint8_t *buf, size_t len);

/* Encodes h (clusters is recomputed from size) into out. 0, or -EINVAL for a bad base name or
 * size. */
int ovlmap_header_encode(const struct ovlmap_header *h, uint8_t out[OVLMAP_HEADER_LEN]);
/* Decodes a header from the first len bytes of a map file. 0, or -EBADMSG with why set to what
 * is wrong (one short phrase). */
int ovlmap_header_decode(struct ovlmap_header *h, const uint8_t *buf, size_t len, char *why,
			 size_t whylen);
/* Checks n entries: 0, or -EBADMSG with *bad the index of the first invalid one. */
int ovlmap_entries_check(const uint8_t *entries, uint64_t n, uint64_t *bad);
/* A whole map file in memory: header, length (exactly header + clusters bytes) and entries.
 * 0 or -EBADMSG with why set. */
int ovlmap_parse(const uint8_t *buf, size_t len, struct ovlmap_header *h, char *why, size_t whylen);

#endif
