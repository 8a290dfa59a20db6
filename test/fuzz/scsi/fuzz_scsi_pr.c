/* fuzz_scsi_pr.c: the APTPL parser (pr_parse) on arbitrary bytes; whatever parses must
 * serialize back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/scsi/pr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pr_state st;
	static uint8_t out[PR_SAVE_MAX];
	if (pr_parse(&st, data, size) == 0) {
		size_t n = pr_serialize(&st, out);
		if (n != size || memcmp(out, data, n) != 0)
			abort();
	}
	return 0;
}
