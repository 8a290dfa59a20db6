/* uuid.c: see uuid.h. */
#include "common/uuid.h"
#include "common/hex.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void uuid_from_random(uint8_t uuid[16])
{
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* RFC 9562 5.4: version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* variant 10 */
}

char *uuid_format(const uint8_t uuid[16], char out[static UUID_TEXT_LEN])
{
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		snprintf(p, 3, "%02x", uuid[i]);
		p += 2;
	}
	return out;
}

int uuid_parse(const char *text, uint8_t uuid[16])
{
	const char *p = text;

	if (strlen(text) != UUID_TEXT_LEN - 1)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*p++ != '-')
				return -EINVAL;
		}
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		uuid[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return 0;
}
