/* pr_codec.c: the APTPL form of the persistent reservation state (pr.h): a pure serializer and
 * a bounded parser that rejects anything it did not write. */
#include <errno.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/pr.h"

static const uint8_t magic[4] = {'R', 'P', 'R', '1'};

size_t pr_serialize(const struct pr_state *st, uint8_t *buf)
{
	size_t off = 14;
	memcpy(buf, magic, 4);
	buf[4] = st->aptpl ? 1 : 0;
	buf[5] = st->type;
	buf[6] = st->holder >= 0 ? (uint8_t)st->holder : 0xff;
	buf[7] = 0;
	put_be32(buf + 8, st->generation);
	put_be16(buf + 12, (uint16_t)st->nregs);
	for (unsigned i = 0; i < st->nregs; i++) {
		const struct pr_reg *r = &st->regs[i];
		size_t n = strnlen(r->port, PR_PORT_MAX - 1);
		put_be64(buf + off, r->key);
		buf[off + 8] = r->all_tg_pt ? 1 : 0;
		buf[off + 9] = (uint8_t)n;
		memcpy(buf + off + 10, r->port, n);
		off += 10 + n;
	}
	return off;
}

static bool type_valid(uint8_t t)
{
	return t == PR_NONE || t == PR_WE || t == PR_EA || t == PR_WERO || t == PR_EARO ||
	       t == PR_WEAR || t == PR_EAAR;
}

static int parse_regs(struct pr_state *st, const uint8_t *buf, size_t len, size_t off)
{
	for (unsigned i = 0; i < st->nregs; i++) {
		if (len - off < 10)
			return -EINVAL;
		struct pr_reg *r = &st->regs[i];
		size_t n = buf[off + 9];
		if (buf[off + 8] > 1 || n == 0 || n >= PR_PORT_MAX || len - off - 10 < n ||
		    memchr(buf + off + 10, 0, n))
			return -EINVAL;
		r->key = get_be64(buf + off);
		r->all_tg_pt = buf[off + 8];
		memcpy(r->port, buf + off + 10, n);
		r->port[n] = '\0';
		off += 10 + n;
	}
	return off == len ? 0 : -EINVAL;
}

int pr_parse(struct pr_state *st, const uint8_t *buf, size_t len)
{
	memset(st, 0, sizeof(*st));
	st->holder = -1;
	if (len < 14 || memcmp(buf, magic, 4) != 0 || buf[4] > 1 || !type_valid(buf[5]) || buf[7])
		return -EINVAL;
	st->aptpl = buf[4];
	st->type = buf[5];
	st->generation = get_be32(buf + 8);
	st->nregs = get_be16(buf + 12);
	bool all_regs = st->type == PR_WEAR || st->type == PR_EAAR;
	int holder = buf[6] == 0xff ? -1 : buf[6];
	int err = st->nregs > PR_MAX_REGS ? -EINVAL : parse_regs(st, buf, len, 14);
	/* a single-holder reservation names a registration; the others name none */
	if (!err && st->type != PR_NONE && !all_regs && (holder < 0 || holder >= (int)st->nregs))
		err = -EINVAL;
	if (!err && (st->type == PR_NONE || all_regs) && holder != -1)
		err = -EINVAL;
	if (!err && all_regs && st->nregs == 0)
		err = -EINVAL;
	if (err) {
		memset(st, 0, sizeof(*st));
		st->holder = -1;
		return err;
	}
	st->holder = holder;
	return 0;
}
