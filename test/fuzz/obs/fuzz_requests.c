/* fuzz_requests.c: the control socket's request parser and the metrics listener's HTTP parser on
 * any bytes, fed whole and one prefix at a time as a client might send them: never a crash or an
 * overread, a verdict that only depends on the bytes seen, and a reason without a newline for
 * every refusal. The status JSON reader gets the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/obs/obs_render.h"
#include "target/obs/obs_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct obs_req r;
	const char *err;
	bool head;

	for (size_t n = 0; n <= size; n++) {
		err = NULL;
		int ret = obs_req_parse(data, n, n == size, &r, &err);
		if (ret < 0 && (!err || strchr(err, '\n')))
			abort();
		if (ret == 1 && r.kind != OBS_REQ_STATUS && r.kind != OBS_REQ_STATUS_TEXT &&
		    r.kind != OBS_REQ_EVENTS)
			abort();
		if (ret == 0 && (n >= OBS_REQ_MAX || n == size))
			abort(); /* a whole input or the cap always gets a verdict */
		enum obs_http_verdict v = obs_http_parse(data, n, n == size, &head);
		if (v > OBS_HTTP_TOO_LARGE || (v == OBS_HTTP_MORE && n == size))
			abort();
	}
	/* The reader of status answers, on a copy without a NUL after it. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	int s = obs_status_lun_sessions((const char *)copy, size, "disk");
	if (s < -1)
		abort();
	free(copy);
	return 0;
}
