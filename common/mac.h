/* mac.h: Ethernet MAC addresses as people and iPXE write them. */
#ifndef RINGSAN_COMMON_MAC_H
#define RINGSAN_COMMON_MAC_H

#include <stdint.h>

#define MAC_TEXT_LEN 18 /* "aa:bb:cc:dd:ee:ff" (or with '-') and its NUL */

/* Six two-digit hex bytes separated by ':' or '-' (one kind per address), any case. */
int mac_parse(const char *text, uint8_t mac[6]);
/* Lower case with colons: "52:54:00:12:34:56". Returns out. */
char *mac_format(const uint8_t mac[6], char out[static MAC_TEXT_LEN]);
/* Lower case with hyphens, as iPXE's ${mac:hexhyp} writes it: "52-54-00-12-34-56". Returns out. */
char *mac_format_hexhyp(const uint8_t mac[6], char out[static MAC_TEXT_LEN]);

#endif
