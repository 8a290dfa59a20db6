/* dhcp.c: see dhcp.h. RFC 2131 2 (packet format), RFC 2132 (options, 9.3 overload),
 * RFC 3396 (long options are concatenated), RFC 3004 (user class), RFC 4578 (PXE options). */
#include "bootsvc/proto/dhcp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/wire.h"

/* RFC 3396 7: an option that appears more than once is concatenated. */
static void blob_append(struct dhcp_blob *b, const uint8_t *p, size_t n)
{
	size_t room = sizeof(b->data) - b->len;
	if (n > room)
		n = room;
	memcpy(b->data + b->len, p, n);
	b->len = (uint16_t)(b->len + n);
}

/* Copies an option value as a C string: stops at the first NUL, cuts at cap-1. */
static void copy_string(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;
	for (i = 0; i < n && i + 1 < cap && p[i]; i++)
		dst[i] = (char)p[i];
	dst[i] = '\0';
}

/* RFC 3004 2: user class is a list of (len, data); iPXE sends the plain string "iPXE". Keep the
 * first RFC 3004 class when the whole option parses that way, else the whole value. */
static void decode_user_class(struct dhcp_msg *m, const uint8_t *p, size_t n)
{
	size_t off = 0;
	while (off < n && p[off] != 0 && off + 1 + p[off] <= n)
		off += 1u + p[off];
	if (n > 0 && off == n)
		copy_string(m->user_class, sizeof(m->user_class), p + 1, p[0]);
	else
		copy_string(m->user_class, sizeof(m->user_class), p, n);
}

/* iPXE's option 175 holds encapsulated (code, len, value) options; 176 = no-pxedhcp. */
static void decode_ipxe_encap(struct dhcp_msg *m, const uint8_t *p, size_t n)
{
	struct rcur c = rcur_make(p, n);
	m->ipxe_encap = true;
	while (rcur_left(&c) >= 2) {
		uint8_t code = rcur_u8(&c);
		uint8_t len = rcur_u8(&c);
		const uint8_t *v = rcur_take(&c, len);
		if (!v)
			break;
		if (code == IPXE_OPT_NO_PXEDHCP && len >= 1 && v[0])
			m->ipxe_no_pxedhcp = true;
	}
}

static void decode_option(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		if (len >= 1)
			m->msg_type = v[0];
		break;
	case DHCP_OPT_OVERLOAD:
		if (len >= 1)
			m->overload = v[0];
		break;
	case DHCP_OPT_REQUESTED_IP:
		m->has_requested_ip = len == 4;
		m->requested_ip = len == 4 ? get_be32(v) : 0;
		break;
	case DHCP_OPT_SERVER_ID:
		m->has_server_id = len == 4;
		m->server_id = len == 4 ? get_be32(v) : 0;
		break;
	case DHCP_OPT_MAX_SIZE:
		m->max_size = len == 2 ? get_be16(v) : 0;
		break;
	case DHCP_OPT_PARAM_LIST:
		blob_append(&m->param_list, v, len);
		break;
	case DHCP_OPT_VENDOR_CLASS:
		copy_string(m->vendor_class, sizeof(m->vendor_class), v, len);
		break;
	case DHCP_OPT_CLIENT_ID:
		blob_append(&m->client_id, v, len);
		break;
	case DHCP_OPT_VENDOR:
		blob_append(&m->pxe_vendor43, v, len);
		break;
	case DHCP_OPT_USER_CLASS:
		decode_user_class(m, v, len);
		break;
	case DHCP_OPT_CLIENT_ARCH: /* RFC 4578 2.1: a list of 16-bit types; keep the first */
		m->has_client_arch = len >= 2;
		m->client_arch = len >= 2 ? get_be16(v) : 0;
		break;
	case DHCP_OPT_CLIENT_NDI:
		m->has_ndi = len == 3;
		if (len == 3)
			memcpy(m->ndi, v, 3);
		break;
	case DHCP_OPT_UUID:
		m->has_uuid = true;
		blob_append(&m->uuid, v, len);
		break;
	case DHCP_OPT_IPXE:
		decode_ipxe_encap(m, v, len);
		break;
	default:
		break;
	}
}

/* Walks one option area. Returns false if an option runs past the area. */
static bool decode_area(struct dhcp_msg *m, const uint8_t *p, size_t n)
{
	struct rcur c = rcur_make(p, n);
	while (rcur_left(&c) > 0) {
		uint8_t code = rcur_u8(&c);
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return true;
		uint8_t len = rcur_u8(&c);
		const uint8_t *v = rcur_take(&c, len);
		if (!v)
			return false;
		decode_option(m, code, v, len);
	}
	return !c.err;
}

static int decode_header(struct dhcp_msg *m, struct rcur *c)
{
	const uint8_t *sname, *file;

	m->op = rcur_u8(c);
	m->htype = rcur_u8(c);
	m->hlen = rcur_u8(c);
	m->hops = rcur_u8(c);
	m->xid = rcur_be32(c);
	m->secs = rcur_be16(c);
	m->flags = rcur_be16(c);
	m->ciaddr = rcur_be32(c);
	m->yiaddr = rcur_be32(c);
	m->siaddr = rcur_be32(c);
	m->giaddr = rcur_be32(c);
	rcur_copy(c, m->chaddr, sizeof(m->chaddr));
	sname = rcur_take(c, 64);
	file = rcur_take(c, 128);
	if (c->err || m->hlen > sizeof(m->chaddr))
		return -EBADMSG;
	copy_string(m->sname, sizeof(m->sname), sname, 64);
	copy_string(m->file, sizeof(m->file), file, 128);
	return 0;
}

int dhcp_decode(struct dhcp_msg *out, const uint8_t *raw, size_t len)
{
	struct rcur c = rcur_make(raw, len);
	memset(out, 0, sizeof(*out));
	if (decode_header(out, &c) != 0)
		return -EBADMSG;
	if (rcur_left(&c) < 4)
		return 0; /* RFC 951 BOOTP without a vendor area */
	if (rcur_be32(&c) != DHCP_MAGIC_COOKIE)
		return 0; /* BOOTP with a vendor area we do not understand */
	out->has_cookie = true;
	size_t left = rcur_left(&c);
	if (!decode_area(out, rcur_take(&c, left), left))
		return -EBADMSG;
	if (out->overload > 3)
		return -EBADMSG;
	/* RFC 2131 4.1: with option 52, the file field is read first, then sname. */
	if (out->overload & 1) {
		if (!decode_area(out, raw + 108, 128))
			return -EBADMSG;
		out->file[0] = '\0';
	}
	if (out->overload & 2) {
		if (!decode_area(out, raw + 44, 64))
			return -EBADMSG;
		out->sname[0] = '\0';
	}
	return 0;
}

bool dhcp_is_pxe_client(const struct dhcp_msg *m)
{
	return strncmp(m->vendor_class, "PXEClient", 9) == 0;
}

bool dhcp_is_http_client(const struct dhcp_msg *m)
{
	return strncmp(m->vendor_class, "HTTPClient", 10) == 0;
}

bool dhcp_is_ipxe(const struct dhcp_msg *m)
{
	return m->ipxe_encap || strcmp(m->user_class, "iPXE") == 0;
}

/* Writer. The fixed header is written by dhcp_reply_begin; options follow the cookie. */

static uint8_t *writer_reserve(struct dhcp_writer *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return NULL;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

void dhcp_reply_begin(struct dhcp_writer *w, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
		      enum dhcp_msg_type type)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = cap < DHCP_MIN_PACKET;
	if (w->err)
		return;
	memset(buf, 0, DHCP_FIXED_LEN);
	buf[0] = DHCP_OP_REPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	put_be32(buf + 4, req->xid);
	put_be16(buf + 10, req->flags);
	put_be32(buf + 24, req->giaddr);
	memcpy(buf + 28, req->chaddr, sizeof(req->chaddr));
	w->len = DHCP_FIXED_LEN;
	uint8_t *cookie = writer_reserve(w, 4);
	if (cookie)
		put_be32(cookie, DHCP_MAGIC_COOKIE);
	dhcp_put_u8(w, DHCP_OPT_MSG_TYPE, (uint8_t)type);
}

void dhcp_set_yiaddr(struct dhcp_writer *w, uint32_t ip)
{
	if (!w->err)
		put_be32(w->buf + 16, ip);
}

void dhcp_set_siaddr(struct dhcp_writer *w, uint32_t ip)
{
	if (!w->err)
		put_be32(w->buf + 20, ip);
}

void dhcp_set_ciaddr(struct dhcp_writer *w, uint32_t ip)
{
	if (!w->err)
		put_be32(w->buf + 12, ip);
}

static void set_fixed_string(struct dhcp_writer *w, size_t off, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap) /* keep a NUL: clients read these fields as C strings */
		w->err = true;
	if (w->err)
		return;
	memset(w->buf + off, 0, cap);
	memcpy(w->buf + off, s, n);
}

void dhcp_set_sname(struct dhcp_writer *w, const char *s)
{
	set_fixed_string(w, 44, 64, s);
}

void dhcp_set_file(struct dhcp_writer *w, const char *s)
{
	set_fixed_string(w, 108, 128, s);
}

void dhcp_put_option(struct dhcp_writer *w, uint8_t code, const void *data, size_t len)
{
	if (len > 255) {
		w->err = true;
		return;
	}
	/* Keep one byte for the END option. */
	if (w->err || w->cap - w->len < len + 3) {
		w->err = true;
		return;
	}
	uint8_t *p = writer_reserve(w, 2 + len);
	p[0] = code;
	p[1] = (uint8_t)len;
	if (len)
		memcpy(p + 2, data, len);
}

void dhcp_put_u8(struct dhcp_writer *w, uint8_t code, uint8_t v)
{
	dhcp_put_option(w, code, &v, 1);
}

void dhcp_put_u16(struct dhcp_writer *w, uint8_t code, uint16_t v)
{
	uint8_t b[2];
	put_be16(b, v);
	dhcp_put_option(w, code, b, 2);
}

void dhcp_put_u32(struct dhcp_writer *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];
	put_be32(b, v);
	dhcp_put_option(w, code, b, 4);
}

void dhcp_put_string(struct dhcp_writer *w, uint8_t code, const char *s)
{
	dhcp_put_option(w, code, s, strlen(s));
}

int dhcp_writer_finish(struct dhcp_writer *w)
{
	uint8_t *end = writer_reserve(w, 1);
	if (!end)
		return -EMSGSIZE;
	*end = DHCP_OPT_END;
	if (w->len < DHCP_MIN_PACKET) {
		size_t pad = DHCP_MIN_PACKET - w->len;
		memset(writer_reserve(w, pad), 0, pad);
	}
	return w->err ? -EMSGSIZE : (int)w->len;
}
