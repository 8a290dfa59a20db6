/* fuzz_http.c: the HTTP request parser, query lookup and range resolution on any bytes. */
#include <stddef.h>
#include <stdint.h>

#include "bootsvc/proto/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r;
	char v[64];
	uint64_t off, len;
	int rc = http_parse_request(&r, (const char *)data, size);
	if (rc > (int)size)
		__builtin_trap();
	if (rc <= 0)
		return 0;
	http_query_get(r.query, "mac", v, sizeof(v));
	for (uint64_t sz = 0; sz < 3; sz++) {
		int st = http_range_resolve(&r.range, sz * 1000, &off, &len);
		if (st == 206 && (len == 0 || off + len > sz * 1000))
			__builtin_trap();
	}
	return 0;
}
