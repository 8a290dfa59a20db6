/* buf.h: a bounded read cursor with a sticky error flag. A parser reads every field through it
 * and checks cur.err once at the end; reads past the end return zeroes and set err. */
#ifndef RINGSAN_COMMON_BUF_H
#define RINGSAN_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/wire.h"

struct rcur {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline struct rcur rcur_make(const void *p, size_t len)
{
	struct rcur c = {.p = p, .len = len, .off = 0, .err = false};
	return c;
}

static inline size_t rcur_left(const struct rcur *c)
{
	return c->err ? 0 : c->len - c->off;
}

/* Returns a pointer to n bytes and advances, or NULL (and sets err) if fewer remain. */
static inline const uint8_t *rcur_take(struct rcur *c, size_t n)
{
	if (c->err || c->len - c->off < n) {
		c->err = true;
		return NULL;
	}
	const uint8_t *p = c->p + c->off;
	c->off += n;
	return p;
}

static inline uint8_t rcur_u8(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t rcur_be16(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 2);
	return p ? get_be16(p) : 0;
}

static inline uint32_t rcur_be32(struct rcur *c)
{
	const uint8_t *p = rcur_take(c, 4);
	return p ? get_be32(p) : 0;
}

static inline void rcur_copy(struct rcur *c, void *dst, size_t n)
{
	const uint8_t *p = rcur_take(c, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

#endif
