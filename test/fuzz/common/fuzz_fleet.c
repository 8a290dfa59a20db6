/* fuzz_fleet.c: the boot request parser on any bytes. Whatever it accepts must format back to
 * the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_request r;
	char again[FLEET_REQUEST_MAX + 1];

	if (fleet_request_parse(data, size, &r) != 0)
		return 0;
	size_t n = fleet_request_format(r.fleet, r.mac, again, sizeof(again));
	/* MACs may be written in upper case or with '-'; the formatter writes one form. */
	struct fleet_request back;
	if (fleet_request_parse((const uint8_t *)again, n, &back) != 0 ||
	    memcmp(&back, &r, sizeof(r)) != 0)
		abort();
	return 0;
}
