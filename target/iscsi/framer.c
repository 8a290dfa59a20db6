/* framer.c: incremental PDU framing with caps and CRC32C digests (RFC 7143 11.2, 13.1). */
#include "target/iscsi/framer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "target/iscsi/crc32c.h"

int framer_init(struct framer *f, const struct framer_limits *lim)
{
	memset(f, 0, sizeof(*f));
	if (lim->max_ahs_len % 4 || lim->max_ahs_len > ISCSI_AHS_MAX_LEN ||
	    lim->max_data_len > ISCSI_DSL_MAX)
		return -EINVAL;
	f->lim = *lim;
	f->cur_max_data_len = lim->max_data_len < ISCSI_LOGIN_MAX_DATA_LEN
				  ? lim->max_data_len
				  : ISCSI_LOGIN_MAX_DATA_LEN;
	f->data_cap = f->cur_max_data_len;
	f->ahs = malloc(lim->max_ahs_len + ISCSI_DIGEST_LEN);
	f->data = malloc((size_t)f->data_cap + 3 + ISCSI_DIGEST_LEN);
	if (!f->ahs || !f->data) {
		framer_fini(f);
		return -ENOMEM;
	}
	f->region = FRAMER_BHS;
	f->need = BHS_LEN;
	return 0;
}

void framer_fini(struct framer *f)
{
	free(f->ahs);
	free(f->data);
	f->ahs = NULL;
	f->data = NULL;
	f->region = FRAMER_DEAD;
}

void framer_set_digests(struct framer *f, bool header, bool data)
{
	f->header_digest = header;
	f->data_digest = data;
}

void framer_set_max_data_len(struct framer *f, uint32_t max_data_len)
{
	uint32_t want = max_data_len < f->lim.max_data_len ? max_data_len : f->lim.max_data_len;

	if (want > f->data_cap && f->region != FRAMER_DATA) {
		/* Between PDUs the buffer holds nothing: a fresh one, no copy touching pages. */
		uint8_t *grown = malloc((size_t)want + 3 + ISCSI_DIGEST_LEN);
		if (grown) {
			free(f->data);
			f->data = grown;
			f->data_cap = want;
		}
	}
	f->cur_max_data_len = want < f->data_cap ? want : f->data_cap;
}

uint8_t *framer_want(struct framer *f, size_t *len)
{
	*len = f->need - f->have;
	switch (f->region) {
	case FRAMER_BHS:
		return f->bhs + f->have;
	case FRAMER_AHS:
		return f->ahs + f->have;
	case FRAMER_DATA:
		return f->data + f->have;
	case FRAMER_DEAD:
		break;
	}
	*len = 0;
	return NULL;
}

static void start_region(struct framer *f, enum framer_region region, uint32_t need)
{
	f->region = region;
	f->need = need;
	f->have = 0;
}

static void fill_out(const struct framer *f, struct iscsi_pdu *out)
{
	memcpy(out->bhs, f->bhs, BHS_LEN);
	out->ahs = f->ahs_len ? f->ahs : NULL;
	out->ahs_len = f->ahs_len;
	out->data = f->data_len ? f->data : NULL;
	out->data_len = f->data_len;
}

/* Region after the AHS (and header digest) is in: data, or a finished PDU. */
static enum framer_result after_header(struct framer *f, struct iscsi_pdu *out)
{
	if (f->header_digest) {
		uint32_t want = framer_header_digest(f->bhs, f->ahs, f->ahs_len);
		if (crc32c_get(f->ahs + f->ahs_len) != want) {
			fill_out(f, out);
			f->region = FRAMER_DEAD;
			return FRAMER_HEADER_DIGEST_ERROR;
		}
	}
	if (f->data_len == 0) {
		fill_out(f, out);
		start_region(f, FRAMER_BHS, BHS_LEN);
		return FRAMER_PDU;
	}
	start_region(f, FRAMER_DATA,
		     f->data_len + iscsi_pad4(f->data_len) +
			 (f->data_digest ? ISCSI_DIGEST_LEN : 0));
	return FRAMER_NEED_MORE;
}

static enum framer_result after_bhs(struct framer *f, struct iscsi_pdu *out)
{
	f->ahs_len = pdu_bhs_ahs_len(f->bhs);
	f->data_len = pdu_bhs_data_len(f->bhs);
	if (f->ahs_len > f->lim.max_ahs_len || f->data_len > f->cur_max_data_len) {
		uint32_t ahs_len = f->ahs_len;
		f->ahs_len = 0;
		f->data_len = 0;
		fill_out(f, out);
		f->region = FRAMER_DEAD;
		return ahs_len > f->lim.max_ahs_len ? FRAMER_AHS_TOO_LONG : FRAMER_DATA_TOO_LONG;
	}
	uint32_t need = f->ahs_len + (f->header_digest ? ISCSI_DIGEST_LEN : 0);
	if (need == 0)
		return after_header(f, out);
	start_region(f, FRAMER_AHS, need);
	return FRAMER_NEED_MORE;
}

/* seg: where the data segment (with its padding and digest) is, f->data or the caller's bytes. */
static enum framer_result after_data(struct framer *f, const uint8_t *seg, struct iscsi_pdu *out)
{
	bool bad = false;

	if (f->data_digest) {
		uint32_t padded = f->data_len + iscsi_pad4(f->data_len);
		bad = crc32c_get(seg + padded) != crc32c(0, seg, padded);
	}
	fill_out(f, out);
	out->data = (uint8_t *)(uintptr_t)seg; /* read only, as every pdu->data */
	start_region(f, FRAMER_BHS, BHS_LEN);
	if (bad) {
		out->data = NULL;
		out->data_len = 0;
		return FRAMER_DATA_DIGEST_ERROR;
	}
	return FRAMER_PDU;
}

enum framer_result framer_feed(struct framer *f, size_t n, struct iscsi_pdu *out)
{
	if (f->region == FRAMER_DEAD || n > f->need - f->have)
		return FRAMER_NEED_MORE; /* caller bug; nothing sensible to do */
	f->have += (uint32_t)n;
	if (f->have < f->need)
		return FRAMER_NEED_MORE;
	switch (f->region) {
	case FRAMER_BHS:
		return after_bhs(f, out);
	case FRAMER_AHS:
		return after_header(f, out);
	case FRAMER_DATA:
		return after_data(f, f->data, out);
	case FRAMER_DEAD:
		break;
	}
	return FRAMER_NEED_MORE;
}

size_t framer_push(struct framer *f, const void *bytes, size_t len, framer_cb cb, void *ctx)
{
	const uint8_t *p = bytes;
	size_t done = 0;

	while (done < len) {
		size_t room;
		struct iscsi_pdu pdu;
		enum framer_result res;
		uint8_t *dst = framer_want(f, &room);
		if (!dst)
			break;
		if (f->region == FRAMER_DATA && f->have == 0 && len - done >= room) {
			/* The whole data segment is in the input: handed out from there, not copied
			 * (a write's data is then copied once, into the buffer that is written). */
			f->have = f->need;
			res = after_data(f, p + done, &pdu);
			done += room;
		} else {
			size_t n = len - done < room ? len - done : room;
			memcpy(dst, p + done, n);
			done += n;
			res = framer_feed(f, n, &pdu);
		}
		if (res != FRAMER_NEED_MORE && cb)
			cb(ctx, res, &pdu);
	}
	return done;
}

uint32_t framer_header_digest(const uint8_t bhs[BHS_LEN], const uint8_t *ahs, uint32_t ahs_len)
{
	uint32_t crc = crc32c(0, bhs, BHS_LEN);
	return ahs_len ? crc32c(crc, ahs, ahs_len) : crc;
}

uint32_t framer_data_digest(const uint8_t *data, uint32_t data_len)
{
	static const uint8_t zeros[3];
	uint32_t crc = crc32c(0, data, data_len);
	return crc32c(crc, zeros, iscsi_pad4(data_len));
}

size_t framer_serialize(const struct iscsi_pdu *pdu, bool header_digest, bool data_digest,
			uint8_t *out, size_t cap)
{
	size_t hd = header_digest ? ISCSI_DIGEST_LEN : 0;
	size_t dd = data_digest && pdu->data_len ? ISCSI_DIGEST_LEN : 0;
	size_t pad = iscsi_pad4(pdu->data_len);
	size_t total = BHS_LEN + pdu->ahs_len + hd + pdu->data_len + pad + dd;
	uint8_t *p = out;

	if (total > cap)
		return 0;
	memcpy(p, pdu->bhs, BHS_LEN);
	p += BHS_LEN;
	if (pdu->ahs_len)
		memcpy(p, pdu->ahs, pdu->ahs_len);
	p += pdu->ahs_len;
	if (hd)
		crc32c_put(p, framer_header_digest(pdu->bhs, pdu->ahs, pdu->ahs_len));
	p += hd;
	if (pdu->data_len)
		memcpy(p, pdu->data, pdu->data_len);
	p += pdu->data_len;
	memset(p, 0, pad);
	p += pad;
	if (dd)
		crc32c_put(p, framer_data_digest(pdu->data, pdu->data_len));
	return total;
}

const char *framer_result_name(enum framer_result res)
{
	switch (res) {
	case FRAMER_NEED_MORE:
		return "need more";
	case FRAMER_PDU:
		return "PDU";
	case FRAMER_DATA_DIGEST_ERROR:
		return "data digest error";
	case FRAMER_HEADER_DIGEST_ERROR:
		return "header digest error";
	case FRAMER_AHS_TOO_LONG:
		return "AHS too long";
	case FRAMER_DATA_TOO_LONG:
		return "data segment too long";
	}
	return "unknown";
}
