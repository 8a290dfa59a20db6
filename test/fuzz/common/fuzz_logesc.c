/* fuzz_logesc.c: logesc_copy() on any bytes and any output size: the result is NUL-terminated,
 * fits, and holds only printable ASCII, so a peer can never end or forge a log line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/logesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[512];
	size_t cap, n;

	if (size == 0)
		return 0;
	cap = 1 + data[0] * 2u; /* 1..511 */
	n = logesc_copy(out, cap, (const char *)data + 1, size - 1);
	if (n >= cap || out[n] != '\0' || strlen(out) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f)
			abort();
	return 0;
}
