/* fuzz_ovlmap.c: the overlay map parser on any bytes. A map it accepts must re-encode to the
 * same header bytes, and its entries must all be valid states. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ovlmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovlmap_header h;
	uint8_t again[OVLMAP_HEADER_LEN];
	char why[128];
	uint64_t bad;

	if (ovlmap_parse(data, size, &h, why, sizeof(why)) == 0) {
		if (ovlmap_header_encode(&h, again) != 0 ||
		    memcmp(again, data, OVLMAP_HEADER_LEN) != 0)
			abort();
		if (ovlmap_entries_check(data + OVLMAP_HEADER_LEN, h.clusters, &bad) != 0)
			abort();
	} else if (!why[0]) {
		abort();
	}
	if (ovlmap_header_decode(&h, data, size, why, sizeof(why)) == 0 &&
	    h.clusters != ovlmap_clusters(h.size))
		abort();
	return 0;
}
