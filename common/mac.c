/* mac.c: see mac.h. */
#include "common/mac.h"
#include "common/hex.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mac_parse(const char *text, uint8_t mac[6])
{
	char sep;

	if (strlen(text) != 17)
		return -EINVAL;
	sep = text[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = text + 3 * i;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != sep))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

char *mac_format(const uint8_t mac[6], char out[static MAC_TEXT_LEN])
{
	snprintf(out, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return out;
}

char *mac_format_hexhyp(const uint8_t mac[6], char out[static MAC_TEXT_LEN])
{
	snprintf(out, MAC_TEXT_LEN, "%02x-%02x-%02x-%02x-%02x-%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return out;
}
