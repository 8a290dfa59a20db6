/* ipv4.h: IPv4 addresses as text. An address is a uint32_t in host order (192.168.1.2 is
 * 0xc0a80102), the form the DHCP codec and the lease table work in. Pure: no socket headers. */
#ifndef RINGSAN_COMMON_IPV4_H
#define RINGSAN_COMMON_IPV4_H

#include <stdint.h>

#define IPV4_TEXT_LEN 16 /* "255.255.255.255" and its NUL */

/* Dotted decimal ("192.168.1.2"). Returns out. */
char *ipv4_format(uint32_t ip, char out[static IPV4_TEXT_LEN]);

#endif
