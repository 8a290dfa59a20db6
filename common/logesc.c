/* logesc.c: see logesc.h. */
#include "common/logesc.h"

static int byte_is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t logesc_copy(char *dst, size_t cap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (byte_is_plain(c)) {
			if (n + 1 >= cap)
				break;
			dst[n++] = (char)c;
			continue;
		}
		if (n + 4 >= cap)
			break;
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[c >> 4];
		dst[n++] = hex[c & 0xf];
	}
	dst[n] = '\0';
	return n;
}
