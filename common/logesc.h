/* logesc.h: makes text safe for one log line. Peers put names, paths and option values in our
 * log lines; a newline there would start a forged line with its own "<N>" priority, and terminal
 * escape sequences would reach whoever reads the log. Pure: no I/O. */
#ifndef RINGSAN_COMMON_LOGESC_H
#define RINGSAN_COMMON_LOGESC_H

#include <stddef.h>

/* Copies src[0..len) to dst as printable ASCII: bytes below 0x20, 0x7f and above are written as
 * \xNN (lower-case hex). dst is always NUL-terminated (cap >= 1); output that does not fit is cut
 * at a whole escape, never inside one. Returns the length written (excluding the NUL). */
size_t logesc_copy(char *dst, size_t cap, const char *src, size_t len);

#endif
