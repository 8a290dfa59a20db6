/* ipv4.c: see ipv4.h. */
#include "common/ipv4.h"

#include <stdio.h>

char *ipv4_format(uint32_t ip, char out[static IPV4_TEXT_LEN])
{
	snprintf(out, IPV4_TEXT_LEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255);
	return out;
}
