/* uuid.h: UUIDs (RFC 9562): made from random bytes, and their canonical text form. */
#ifndef RINGSAN_COMMON_UUID_H
#define RINGSAN_COMMON_UUID_H

#include <stdint.h>

#define UUID_TEXT_LEN 37 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL */

/* Makes a version 4 UUID from 16 random bytes (sets the version and variant bits). */
void uuid_from_random(uint8_t uuid[16]);
/* Canonical lower-case text form; returns out. */
char *uuid_format(const uint8_t uuid[16], char out[static UUID_TEXT_LEN]);
/* Accepts the canonical form in any case. Returns 0 or -EINVAL. */
int uuid_parse(const char *text, uint8_t uuid[16]);

#endif
