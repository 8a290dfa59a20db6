/* fuzz_tftp.c: TFTP decode; a decoded RRQ goes through path sanitising and starts a transfer,
 * then the rest of the input is fed to it as packets from the peer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bootsvc/proto/tftp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tftp_limits lim = {65464, 64, 1000, 8000, 4};
	struct tftp_packet p, q;
	struct tftp_xfer x;
	struct tftp_step s;
	char path[TFTP_PATH_MAX];
	uint8_t buf[600];
	/* First line (up to a 0xff byte) is the request, the rest are 4-byte peer packets. */
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t first = sep ? (size_t)(sep - data) : size;

	if (tftp_decode(&p, data, first) != 0 || p.opcode != TFTP_RRQ)
		return 0;
	if (tftp_sanitize_path(p.filename, path, sizeof(path)) == 0 && strstr(path, ".."))
		for (char *c = path; (c = strstr(c, "..")); c++)
			if ((c == path || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
				__builtin_trap(); /* a ".." component must never pass */
	tftp_xfer_start(&x, &p, size * 1000, &lim, 0, &s);
	tftp_xfer_encode_oack(&x, buf, sizeof(buf));
	int64_t now = 0;
	for (size_t off = first + 1; off + 4 <= size; off += 4) {
		now += data[off] * 100;
		if (tftp_decode(&q, data + off, 4) == 0)
			tftp_xfer_on_packet(&x, &q, now, &s);
		tftp_xfer_on_timeout(&x, now, &s);
		if (s.action == TFTP_DO_SEND_DATA &&
		    (s.first == 0 || s.first > x.last || s.first + s.count - 1 > x.last))
			__builtin_trap(); /* never a block past the end */
	}
	return 0;
}
