/* fuzz_imginfo.c: the qemu-img output readers on any bytes: no crash, no read past the end, a
 * failed parse leaves nothing behind, a progress figure is within 0..100. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/imginfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imginfo info;
	double pct;
	char *copy = malloc(size ? size : 1); /* exact size: ASan catches a read past the end */

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (imginfo_parse(copy, size, &info) == 0) {
		if (!memchr(info.format, '\0', sizeof(info.format)))
			abort();
	} else if (info.virtual_size || info.format[0] || info.has_backing || info.corrupt) {
		abort();
	}
	if (imginfo_progress_parse(copy, size, &pct) == 0 && (pct < 0 || pct > 100))
		abort();
	free(copy);
	return 0;
}
