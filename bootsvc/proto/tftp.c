/* tftp.c: see tftp.h. RFC 1350 (packets, 6: termination), RFC 1123 4.2.3.1 (no Sorcerer's
 * Apprentice), RFC 2347-2349 (options, OACK), RFC 7440 (windowsize). */
#include "bootsvc/proto/tftp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/wire.h"

/* Reads a NUL-terminated string; false if the packet ends first or it does not fit in cap. */
static bool take_string(struct rcur *c, char *out, size_t cap)
{
	size_t n = 0;
	for (;;) {
		uint8_t ch = rcur_u8(c);
		if (c->err)
			return false;
		if (ch == 0)
			break;
		if (n + 1 >= cap)
			return false;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return true;
}

/* Parses a decimal option value; false on junk or overflow. */
static bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t r = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || r > (UINT64_MAX - 9) / 10)
			return false;
		r = r * 10 + (uint64_t)(*s - '0');
	}
	*v = r;
	return true;
}

static void apply_option(struct tftp_packet *p, const char *name, const char *value)
{
	uint64_t v;
	if (!parse_u64(value, &v))
		return;
	if (strcasecmp(name, "blksize") == 0 && v >= TFTP_MIN_BLKSIZE) {
		/* RFC 2348: a bigger request may be answered with a smaller size. */
		p->has_blksize = true;
		p->blksize = v > TFTP_MAX_BLKSIZE ? TFTP_MAX_BLKSIZE : (uint32_t)v;
	} else if (strcasecmp(name, "tsize") == 0) {
		p->has_tsize = true;
		p->tsize = v;
	} else if (strcasecmp(name, "timeout") == 0 && v >= 1 && v <= 255) {
		p->has_timeout = true;
		p->timeout = (uint32_t)v;
	} else if (strcasecmp(name, "windowsize") == 0 && v >= 1 && v <= TFTP_MAX_WINDOWSIZE) {
		p->has_windowsize = true;
		p->windowsize = (uint32_t)v;
	}
}

static int decode_request(struct tftp_packet *p, struct rcur *c)
{
	char name[32], value[32];
	if (c->len > TFTP_REQUEST_MAX || !take_string(c, p->filename, sizeof(p->filename)) ||
	    !take_string(c, p->mode, sizeof(p->mode)))
		return -EBADMSG;
	for (char *m = p->mode; *m; m++)
		if (*m >= 'A' && *m <= 'Z')
			*m = (char)(*m - 'A' + 'a');
	/* RFC 2347: option/value pairs follow; a trailing odd string or junk ends the list. */
	while (rcur_left(c) > 0) {
		if (!take_string(c, name, sizeof(name)) || !take_string(c, value, sizeof(value)))
			break;
		apply_option(p, name, value);
	}
	return 0;
}

int tftp_decode(struct tftp_packet *p, const uint8_t *raw, size_t len)
{
	struct rcur c = rcur_make(raw, len);
	memset(p, 0, sizeof(*p));
	p->opcode = rcur_be16(&c);
	if (c.err)
		return -EBADMSG;
	switch (p->opcode) {
	case TFTP_RRQ:
	case TFTP_WRQ:
		return decode_request(p, &c);
	case TFTP_OACK: {
		char name[32], value[32];
		while (rcur_left(&c) > 0 && take_string(&c, name, sizeof(name)) &&
		       take_string(&c, value, sizeof(value)))
			apply_option(p, name, value);
		return 0;
	}
	case TFTP_DATA:
		p->block = rcur_be16(&c);
		p->data_len = rcur_left(&c);
		p->data = p->data_len ? rcur_take(&c, p->data_len) : NULL;
		return c.err ? -EBADMSG : 0;
	case TFTP_ACK:
		p->block = rcur_be16(&c);
		return c.err ? -EBADMSG : 0;
	case TFTP_ERROR:
		p->error_code = rcur_be16(&c);
		if (c.err)
			return -EBADMSG;
		/* Tolerate a missing NUL in the message: some clients omit it. */
		if (!take_string(&c, p->error_msg, sizeof(p->error_msg)))
			p->error_msg[0] = '\0';
		return 0;
	default:
		return -EBADMSG;
	}
}

static int put_string(uint8_t *buf, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;
	if (cap - *off < n)
		return -EMSGSIZE;
	memcpy(buf + *off, s, n);
	*off += n;
	return 0;
}

static int put_opt(uint8_t *buf, size_t cap, size_t *off, const char *name, uint64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRIu64, v);
	if (put_string(buf, cap, off, name) || put_string(buf, cap, off, num))
		return -EMSGSIZE;
	return 0;
}

int tftp_encode_rrq(uint8_t *buf, size_t cap, const char *file, const struct tftp_packet *o)
{
	size_t off = 2;
	int rc = 0;
	if (cap < 2)
		return -EMSGSIZE;
	put_be16(buf, TFTP_RRQ);
	rc |= put_string(buf, cap, &off, file);
	rc |= put_string(buf, cap, &off, "octet");
	if (o && o->has_blksize)
		rc |= put_opt(buf, cap, &off, "blksize", o->blksize);
	if (o && o->has_tsize)
		rc |= put_opt(buf, cap, &off, "tsize", o->tsize);
	if (o && o->has_timeout)
		rc |= put_opt(buf, cap, &off, "timeout", o->timeout);
	if (o && o->has_windowsize)
		rc |= put_opt(buf, cap, &off, "windowsize", o->windowsize);
	return rc ? -EMSGSIZE : (int)off;
}

int tftp_encode_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < 4)
		return -EMSGSIZE;
	put_be16(buf, TFTP_ACK);
	put_be16(buf + 2, block);
	return 4;
}

int tftp_encode_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t off = 4;
	if (cap < 4)
		return -EMSGSIZE;
	put_be16(buf, TFTP_ERROR);
	put_be16(buf + 2, code);
	return put_string(buf, cap, &off, msg) ? -EMSGSIZE : (int)off;
}

int tftp_encode_data_header(uint8_t *buf, size_t cap, uint16_t block)
{
	if (cap < 4)
		return -EMSGSIZE;
	put_be16(buf, TFTP_DATA);
	put_be16(buf + 2, block);
	return 4;
}

/* Appends one component; "." and empty ones vanish, ".." is refused. */
static int append_component(char *out, size_t cap, size_t *len, const char *comp, size_t n)
{
	if (n == 0 || (n == 1 && comp[0] == '.'))
		return 0;
	if (n == 2 && comp[0] == '.' && comp[1] == '.')
		return -EACCES;
	if (*len + (*len ? 1 : 0) + n + 1 > cap)
		return -EACCES;
	if (*len)
		out[(*len)++] = '/';
	memcpy(out + *len, comp, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

int tftp_sanitize_path(const char *in, char *out, size_t cap)
{
	char comp[TFTP_PATH_MAX];
	size_t len = 0, n = 0;
	if (cap == 0)
		return -EACCES;
	out[0] = '\0';
	for (const char *s = in;; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\')
			ch = '/';
		if (ch == '\0' || ch == '?' || ch == '/') {
			if (append_component(out, cap, &len, comp, n) != 0)
				return -EACCES;
			n = 0;
			if (ch != '/')
				break;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f || n + 1 >= sizeof(comp))
			return -EACCES;
		comp[n++] = (char)ch;
	}
	return len ? 0 : -EACCES;
}

static void step_set(struct tftp_step *s, enum tftp_action a, uint64_t first, uint64_t count)
{
	memset(s, 0, sizeof(*s));
	s->action = a;
	s->first = first;
	s->count = count;
}

/* The next retransmission, never after the end of the stall allowance. */
static void set_deadline(struct tftp_xfer *x, int64_t now_ms)
{
	x->deadline_ms = now_ms + x->rto_ms;
	if (x->max_stall_ms && x->deadline_ms > x->progress_ms + x->max_stall_ms)
		x->deadline_ms = x->progress_ms + x->max_stall_ms;
}

/* Sends the window after x->acked (RFC 7440 3: up to windowsize blocks without an ACK). */
static void send_window(struct tftp_xfer *x, int64_t now_ms, struct tftp_step *step)
{
	uint64_t first = x->acked + 1;
	uint64_t count = x->last - x->acked;
	if (count > x->windowsize)
		count = x->windowsize;
	x->sent = x->acked + count;
	set_deadline(x, now_ms);
	step_set(step, TFTP_DO_SEND_DATA, first, count);
}

void tftp_xfer_start(struct tftp_xfer *x, const struct tftp_packet *rrq, uint64_t file_size,
		     const struct tftp_limits *lim, int64_t now_ms, struct tftp_step *step)
{
	memset(x, 0, sizeof(*x));
	x->size = file_size;
	x->blksize = TFTP_DEFAULT_BLKSIZE;
	x->windowsize = 1;
	x->base_rto_ms = lim->timeout_ms;
	x->max_rto_ms = lim->max_timeout_ms;
	x->max_retries = lim->max_retries;
	x->max_stall_ms = lim->max_stall_ms;
	x->progress_ms = now_ms;
	if (rrq->has_blksize) {
		x->ack_blksize = true;
		x->blksize = rrq->blksize < lim->max_blksize ? rrq->blksize : lim->max_blksize;
	}
	if (rrq->has_windowsize) {
		x->ack_windowsize = true;
		x->windowsize =
		    rrq->windowsize < lim->max_windowsize ? rrq->windowsize : lim->max_windowsize;
	}
	if (rrq->has_timeout &&
	    (!lim->max_client_timeout_s || rrq->timeout <= lim->max_client_timeout_s)) {
		/* RFC 2349: the client's retransmission timeout, in seconds */
		x->ack_timeout = true;
		x->timeout_s = rrq->timeout;
		x->base_rto_ms = rrq->timeout * 1000;
	}
	x->ack_tsize = rrq->has_tsize; /* RFC 2349: answer with the file size */
	if (x->max_rto_ms < x->base_rto_ms)
		x->max_rto_ms = x->base_rto_ms;
	x->rto_ms = x->base_rto_ms;
	x->last = file_size / x->blksize + 1; /* the final block is short, possibly empty */
	if (x->ack_blksize || x->ack_windowsize || x->ack_timeout || x->ack_tsize) {
		x->state = TFTP_XS_OACK;
		set_deadline(x, now_ms);
		step_set(step, TFTP_DO_SEND_OACK, 0, 0);
		return;
	}
	x->state = TFTP_XS_DATA;
	send_window(x, now_ms, step);
}

/* The block index in (acked, sent] whose low 16 bits are `block`, or 0. */
static uint64_t ack_to_index(const struct tftp_xfer *x, uint16_t block)
{
	uint64_t delta = (uint16_t)(block - (uint16_t)x->acked);
	if (delta == 0 || x->acked + delta > x->sent)
		return 0;
	return x->acked + delta;
}

static void on_ack(struct tftp_xfer *x, uint16_t block, int64_t now_ms, struct tftp_step *step)
{
	if (x->state == TFTP_XS_OACK) {
		if (block != 0)
			return; /* RFC 2347: only ACK 0 confirms the OACK */
		x->state = TFTP_XS_DATA;
		x->retries = 0;
		x->progress_ms = now_ms;
		send_window(x, now_ms, step);
		return;
	}
	uint64_t idx = ack_to_index(x, block);
	if (idx == 0)
		return; /* duplicate or stale: never retransmit on it (Sorcerer's Apprentice) */
	x->acked = idx;
	x->progress_ms = now_ms;
	x->retries = 0;
	x->rto_ms = x->base_rto_ms;
	if (x->acked == x->last) {
		x->state = TFTP_XS_DONE;
		step_set(step, TFTP_DO_FINISH, 0, 0);
		return;
	}
	/* RFC 7440 4: an ACK inside the window means loss after it: restart from there. A
	 * full-window ACK starts the next window. Both are the same go-back-N step. */
	send_window(x, now_ms, step);
}

void tftp_xfer_on_packet(struct tftp_xfer *x, const struct tftp_packet *p, int64_t now_ms,
			 struct tftp_step *step)
{
	step_set(step, TFTP_DO_NOTHING, 0, 0);
	if (x->state == TFTP_XS_DONE || x->state == TFTP_XS_FAILED)
		return;
	switch (p->opcode) {
	case TFTP_ACK:
		on_ack(x, p->block, now_ms, step);
		return;
	case TFTP_ERROR:
		/* RFC 1350 7: an ERROR ends the transfer and is not acknowledged. Error 8 after our
		 * OACK is the client declining options, e.g. OVMF's tsize probe: a normal end. */
		x->state = (x->state == TFTP_XS_OACK && p->error_code == TFTP_ERR_OPTION)
			       ? TFTP_XS_DONE
			       : TFTP_XS_FAILED;
		step_set(step, TFTP_DO_FINISH, 0, 0);
		return;
	default:
		x->state = TFTP_XS_FAILED;
		step_set(step, TFTP_DO_SEND_ERROR, 0, 0);
		step->error_code = TFTP_ERR_ILLEGAL_OP;
		step->error_msg = "illegal TFTP operation";
		return;
	}
}

void tftp_xfer_on_timeout(struct tftp_xfer *x, int64_t now_ms, struct tftp_step *step)
{
	step_set(step, TFTP_DO_NOTHING, 0, 0);
	if (x->state == TFTP_XS_DONE || x->state == TFTP_XS_FAILED || now_ms < x->deadline_ms)
		return;
	if (x->retries >= x->max_retries ||
	    (x->max_stall_ms && now_ms - x->progress_ms >= x->max_stall_ms)) {
		x->state = TFTP_XS_FAILED;
		step_set(step, TFTP_DO_FINISH, 0, 0);
		return;
	}
	x->retries++;
	x->retransmits++;
	x->rto_ms = x->rto_ms * 2 > x->max_rto_ms ? x->max_rto_ms : x->rto_ms * 2;
	set_deadline(x, now_ms);
	if (x->state == TFTP_XS_OACK) {
		step_set(step, TFTP_DO_SEND_OACK, 0, 0);
		return;
	}
	step_set(step, TFTP_DO_SEND_DATA, x->acked + 1, x->sent - x->acked);
}

void tftp_xfer_block(const struct tftp_xfer *x, uint64_t idx, uint64_t *offset, size_t *len,
		     uint16_t *wire_block)
{
	uint64_t off = (idx - 1) * x->blksize;
	uint64_t left = off < x->size ? x->size - off : 0;
	*offset = off;
	*len = left < x->blksize ? (size_t)left : x->blksize;
	*wire_block = (uint16_t)idx; /* 65536 -> 0: rollover */
}

int tftp_xfer_encode_oack(const struct tftp_xfer *x, uint8_t *buf, size_t cap)
{
	size_t off = 2;
	int rc = 0;
	if (cap < 2)
		return -EMSGSIZE;
	put_be16(buf, TFTP_OACK);
	if (x->ack_blksize)
		rc |= put_opt(buf, cap, &off, "blksize", x->blksize);
	if (x->ack_tsize)
		rc |= put_opt(buf, cap, &off, "tsize", x->size);
	if (x->ack_timeout)
		rc |= put_opt(buf, cap, &off, "timeout", x->timeout_s);
	if (x->ack_windowsize)
		rc |= put_opt(buf, cap, &off, "windowsize", x->windowsize);
	return rc ? -EMSGSIZE : (int)off;
}
