/* size.h: byte sizes as people write them ("4096", "40G", "512KiB") and as we print them
 * ("40 GiB", "1.5 GiB"). Units are powers of 1024; "K", "KiB" and "KB" all mean 1024. */
#ifndef RINGSAN_COMMON_SIZE_H
#define RINGSAN_COMMON_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Longest string size_format() writes, with its NUL ("1023.9 PiB"), with room to spare. */
#define SIZE_FORMAT_MAX 32

/* Parses a non-negative integer with an optional unit: B, K, M, G, T, P, E (any case), each
 * optionally followed by "iB" or "B". No spaces, signs, fractions or trailing junk.
 * Returns 0, -EINVAL (not a size; err explains what is allowed) or -ERANGE (above 2^64 - 1). */
int size_parse(const char *text, uint64_t *out, char *err, size_t errlen);

/* Writes a human size: an exact multiple of a unit as "40 GiB", otherwise one decimal
 * ("1.5 GiB"); below 1 KiB in bytes ("512 B"). Returns buf. */
char *size_format(uint64_t bytes, char buf[static SIZE_FORMAT_MAX]);

#endif
