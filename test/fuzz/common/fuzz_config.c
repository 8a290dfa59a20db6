/* fuzz_config.c: config_parse_buffer() on any bytes: no crash, no leak, one-line errors, and
 * a parsed config can be printed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	char err[1024] = "";
	FILE *out;

	if (config_parse_buffer(&cfg, (const char *)data, size, "fuzz.ini", err, sizeof(err)) !=
	    0) {
		if (err[0] == '\0' || strchr(err, '\n'))
			abort();
		return 0;
	}
	out = fopen("/dev/null", "w");
	if (out) {
		config_print(out, &cfg);
		fclose(out);
	}
	config_free(&cfg);
	return 0;
}
