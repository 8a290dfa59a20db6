/* fuzz_scsi_bg.c: the saved sanitize state (sanitize_restore, sanitize.c) on arbitrary bytes,
 * against a small memory LU; a state that parses as running is then run to its end. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test/unit/scsi/scsi_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drv d;
	static bool ready;
	if (!ready) {
		if (drv_init(&d, 64 * 1024, 512) != 0)
			abort();
		ready = true;
	}
	if (drv_reopen(&d) != 0)
		abort();
	int r = sanitize_restore(d.lu, data, size);
	if (r != 0 && r != 1 && r != -EINVAL && r != -ENOMEM)
		abort();
	if (r == 1 && drv_run_bg(&d) == 0)
		abort(); /* a running job makes at least one request */
	return 0;
}
