/* bootctl.c: see bootctl.h. */
#include "bootsvc/proto/bootctl.h"

#include <errno.h>
#include <string.h>

int bootctl_parse(const char *buf, size_t len, enum bootctl_request *req)
{
	static const struct {
		const char *line;
		enum bootctl_request req;
	} known[] = {
	    {"machines", BOOTCTL_MACHINES},
	    {"machines json", BOOTCTL_MACHINES_JSON},
	    {"metrics", BOOTCTL_METRICS},
	};
	const char *nl = memchr(buf, '\n', len);
	if (!nl)
		return len >= BOOTCTL_REQUEST_MAX ? -EMSGSIZE : 0;
	size_t n = (size_t)(nl - buf);
	if (n + 1 > BOOTCTL_REQUEST_MAX)
		return -EMSGSIZE;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strlen(known[i].line) == n && memcmp(known[i].line, buf, n) == 0) {
			*req = known[i].req;
			return 1;
		}
	}
	return -EBADMSG;
}
