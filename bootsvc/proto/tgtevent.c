/* tgtevent.c: see tgtevent.h. */
#include "bootsvc/proto/tgtevent.h"

#include <errno.h>
#include <string.h>

static const char *const kind_names[] = {
    [TGTEV_LOGIN] = "login",	     [TGTEV_LOGIN_FAILED] = "login_failed",
    [TGTEV_LOGOUT] = "logout",	     [TGTEV_CONN_LOST] = "conn_lost",
    [TGTEV_DISCOVERY] = "discovery",
};

const char *tgtevent_kind_name(enum tgtev_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

/* A decimal number of at most 19 digits (fits int64), no sign, no leading junk. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* Copies a field; "-" means unknown (""). cut: a longer field is cut (else refused). */
static bool copy_field(char *out, size_t cap, const char *s, size_t n, bool cut)
{
	if (n == 1 && s[0] == '-')
		n = 0;
	if (n >= cap) {
		if (!cut)
			return false;
		n = cap - 1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

int tgtevent_parse_line(struct tgtev *ev, const char *line, size_t len)
{
	const char *f[7];
	size_t flen[7], nf = 0, start = 0;
	uint64_t v;

	if (len > TGTEV_LINE_MAX)
		return -EBADMSG;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && (unsigned char)line[i] < 0x20 && line[i] != '\t')
			return -EBADMSG; /* a control byte: the target escapes them */
		if (i < len && (unsigned char)line[i] == 0x7f)
			return -EBADMSG;
		if (i < len && line[i] != '\t')
			continue;
		if (nf == 7)
			return -EBADMSG;
		f[nf] = line + start;
		flen[nf++] = i - start;
		start = i + 1;
	}
	if (nf != 7)
		return -EBADMSG;
	memset(ev, 0, sizeof(*ev));
	if (!parse_u64(f[0], flen[0], &ev->seq) || ev->seq == 0)
		return -EBADMSG;
	if (!parse_u64(f[1], flen[1], &v) || v > (uint64_t)INT64_MAX)
		return -EBADMSG;
	ev->unix_ms = (int64_t)v;
	unsigned k;
	for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strlen(kind_names[k]) == flen[2] && memcmp(kind_names[k], f[2], flen[2]) == 0)
			break;
	if (k == sizeof(kind_names) / sizeof(kind_names[0]))
		return -EBADMSG;
	ev->kind = (enum tgtev_kind)k;
	for (int i = 3; i < 7; i++)
		if (flen[i] == 0)
			return -EBADMSG; /* unknown is "-", never empty */
	if (!copy_field(ev->initiator, sizeof(ev->initiator), f[3], flen[3], false) ||
	    !copy_field(ev->address, sizeof(ev->address), f[4], flen[4], false) ||
	    !copy_field(ev->lun, sizeof(ev->lun), f[5], flen[5], false) ||
	    !copy_field(ev->detail, sizeof(ev->detail), f[6], flen[6], true))
		return -EBADMSG;
	return 0;
}

int tgtevent_parse_next(const char *line, size_t len, uint64_t *next)
{
	if (len < 6 || memcmp(line, "next ", 5) != 0)
		return -EBADMSG;
	return parse_u64(line + 5, len - 5, next) ? 0 : -EBADMSG;
}

int tgtevent_parse_answer(const char *buf, size_t len, uint64_t *next, unsigned *bad,
			  void (*on_event)(void *ctx, const struct tgtev *ev), void *ctx)
{
	const char *nl = memchr(buf, '\n', len);
	struct tgtev ev;

	*bad = 0;
	if (!nl || tgtevent_parse_next(buf, (size_t)(nl - buf), next) != 0)
		return -EBADMSG;
	size_t off = (size_t)(nl - buf) + 1;
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if (!nl) {
			(*bad)++; /* cut short */
			break;
		}
		size_t n = (size_t)(nl - (buf + off));
		if (tgtevent_parse_line(&ev, buf + off, n) == 0)
			on_event(ctx, &ev);
		else
			(*bad)++;
		off += n + 1;
	}
	return 0;
}
