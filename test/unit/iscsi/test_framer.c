/* test_framer.c: the framer at every split point, with and without digests; caps; digest errors
 * (header: fatal, data: PDU dropped and the stream goes on). */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "target/iscsi/crc32c.h"
#include "target/iscsi/framer.h"
#include "test/unit/check.h"

#define MAX_EVENTS 16

struct event {
	enum framer_result res;
	int opcode;
	uint32_t itt, ahs_len, data_len, data_crc;
};

struct log {
	unsigned n;
	struct event ev[MAX_EVENTS];
};

static void record(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	struct log *log = ctx;
	if (log->n >= MAX_EVENTS)
		return;
	struct event *e = &log->ev[log->n++];
	e->res = res;
	e->opcode = pdu_opcode(pdu->bhs);
	e->itt = get_be32(pdu->bhs + 16);
	e->ahs_len = pdu->ahs_len;
	e->data_len = pdu->data_len;
	e->data_crc = pdu->data_len ? crc32c(0, pdu->data, pdu->data_len) : 0;
}

static uint8_t payload[3000];

/* Where the last PDU's data was handed out, for test_no_copy. */
static const uint8_t *last_data;

static void note_data(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	last_data = pdu->data;
	record(ctx, res, pdu);
}

/* Appends a PDU with opcode, ahs_len, data_len to out; returns the new length. */
static size_t add_pdu(uint8_t *out, size_t len, int opcode, uint32_t itt, uint32_t ahs_len,
		      uint32_t data_len, bool hd, bool dd)
{
	struct iscsi_pdu pdu = {0};
	uint8_t ahs[64] = {0};

	pdu.bhs[0] = (uint8_t)opcode;
	pdu.bhs[1] = 0x80;
	pdu.bhs[4] = (uint8_t)(ahs_len / 4);
	put_be24(pdu.bhs + 5, data_len);
	put_be32(pdu.bhs + 16, itt);
	for (uint32_t i = 0; i < ahs_len; i++)
		ahs[i] = (uint8_t)(0x70 + i);
	pdu.ahs = ahs;
	pdu.ahs_len = ahs_len;
	pdu.data = payload + itt; /* a different slice per PDU */
	pdu.data_len = data_len;
	return len + framer_serialize(&pdu, hd, dd, out + len, 8192);
}

struct stream {
	uint8_t bytes[16384];
	size_t len;
	struct log want;
};

static void build_stream(struct stream *s, bool hd, bool dd)
{
	static const struct {
		int op;
		uint32_t ahs, data;
	} pdus[] = {
	    {ISCSI_OP_SCSI_CMD, 0, 0},	 {ISCSI_OP_DATA_OUT, 0, 1},    {ISCSI_OP_SCSI_CMD, 20, 512},
	    {ISCSI_OP_NOP_OUT, 0, 3},	 {ISCSI_OP_TEXT_REQ, 0, 1027}, {ISCSI_OP_SCSI_CMD, 8, 0},
	    {ISCSI_OP_LOGOUT_REQ, 0, 0},
	};
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++) {
		uint32_t itt = 100 + i * 7;
		s->len =
		    add_pdu(s->bytes, s->len, pdus[i].op, itt, pdus[i].ahs, pdus[i].data, hd, dd);
		struct event *e = &s->want.ev[s->want.n++];
		e->res = FRAMER_PDU;
		e->opcode = pdus[i].op;
		e->itt = itt;
		e->ahs_len = pdus[i].ahs;
		e->data_len = pdus[i].data;
		e->data_crc = pdus[i].data ? crc32c(0, payload + itt, pdus[i].data) : 0;
	}
}

static bool same_log(const struct log *a, const struct log *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++) {
		const struct event *x = &a->ev[i], *y = &b->ev[i];
		if (x->res != y->res || x->opcode != y->opcode || x->itt != y->itt ||
		    x->ahs_len != y->ahs_len || x->data_len != y->data_len ||
		    x->data_crc != y->data_crc)
			return false;
	}
	return true;
}

static struct framer *new_framer(bool hd, bool dd)
{
	static struct framer f;
	struct framer_limits lim = {.max_ahs_len = 64, .max_data_len = 4096};
	if (framer_init(&f, &lim) != 0)
		abort();
	framer_set_max_data_len(&f, 4096);
	framer_set_digests(&f, hd, dd);
	return &f;
}

static void test_splits(bool hd, bool dd)
{
	static struct stream s;
	unsigned bad_bytewise = 0, bad_split = 0;

	build_stream(&s, hd, dd);
	struct framer *f = new_framer(hd, dd);
	struct log got = {0};
	for (size_t i = 0; i < s.len; i++)
		framer_push(f, s.bytes + i, 1, record, &got);
	bad_bytewise += !same_log(&got, &s.want);
	framer_fini(f);

	for (size_t cut = 0; cut <= s.len; cut++) {
		f = new_framer(hd, dd);
		memset(&got, 0, sizeof(got));
		CHECK_EQ(framer_push(f, s.bytes, cut, record, &got), cut);
		framer_push(f, s.bytes + cut, s.len - cut, record, &got);
		bad_split += !same_log(&got, &s.want);
		framer_fini(f);
	}
	CHECK_EQ(bad_bytewise, 0);
	CHECK_EQ(bad_split, 0);
	printf("framer hd=%d dd=%d: %zu-byte stream, %zu split points\n", hd, dd, s.len, s.len + 1);
}

static void test_digest_errors(void)
{
	static struct stream s;
	struct log got = {0};

	/* Corrupt one data byte of the second PDU: it is dropped, the rest arrive. */
	build_stream(&s, true, true);
	size_t second = BHS_LEN + ISCSI_DIGEST_LEN;
	s.bytes[second + BHS_LEN + ISCSI_DIGEST_LEN] ^= 1;
	struct framer *f = new_framer(true, true);
	CHECK_EQ(framer_push(f, s.bytes, s.len, record, &got), s.len);
	CHECK_EQ(got.n, s.want.n);
	CHECK_EQ(got.ev[1].res, FRAMER_DATA_DIGEST_ERROR);
	CHECK_EQ(got.ev[1].itt, 107);
	CHECK_EQ(got.ev[1].data_len, 0);
	CHECK_EQ(got.ev[2].res, FRAMER_PDU);
	CHECK_EQ(got.ev[6].opcode, ISCSI_OP_LOGOUT_REQ);
	framer_fini(f);

	/* Corrupt the header digest of the first PDU: fatal, nothing more is taken. */
	build_stream(&s, true, true);
	s.bytes[BHS_LEN] ^= 0x80;
	memset(&got, 0, sizeof(got));
	f = new_framer(true, true);
	CHECK_EQ(framer_push(f, s.bytes, s.len, record, &got), BHS_LEN + ISCSI_DIGEST_LEN);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.ev[0].res, FRAMER_HEADER_DIGEST_ERROR);
	size_t room = 1;
	CHECK(framer_want(f, &room) == NULL);
	CHECK_EQ(room, 0);
	framer_fini(f);
}

static void test_caps(void)
{
	static uint8_t bytes[8192];
	struct log got = {0};

	/* Login cap: 8192 by default even with a bigger buffer. */
	struct framer f;
	struct framer_limits lim = {.max_ahs_len = 16, .max_data_len = 65536};
	CHECK_EQ(framer_init(&f, &lim), 0);
	CHECK_EQ(f.cur_max_data_len, ISCSI_LOGIN_MAX_DATA_LEN);
	framer_set_max_data_len(&f, 1u << 20);
	CHECK_EQ(f.cur_max_data_len, 65536);
	framer_set_max_data_len(&f, 1024);
	memset(bytes, 0, BHS_LEN);
	put_be24(bytes + 5, 1025);
	framer_push(&f, bytes, BHS_LEN, record, &got);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.ev[0].res, FRAMER_DATA_TOO_LONG);
	framer_fini(&f);

	CHECK_EQ(framer_init(&f, &lim), 0);
	memset(&got, 0, sizeof(got));
	memset(bytes, 0, BHS_LEN);
	bytes[4] = 5; /* 20 bytes of AHS > 16 */
	framer_push(&f, bytes, BHS_LEN, record, &got);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.ev[0].res, FRAMER_AHS_TOO_LONG);
	framer_fini(&f);

	struct framer_limits bad = {.max_ahs_len = 6, .max_data_len = 100};
	CHECK_EQ(framer_init(&f, &bad), -EINVAL);
	CHECK_STR(framer_result_name(FRAMER_DATA_DIGEST_ERROR), "data digest error");
}

static void test_serialize(void)
{
	uint8_t out[128];
	struct iscsi_pdu pdu = {0};
	uint8_t data[5] = {1, 2, 3, 4, 5};

	put_be24(pdu.bhs + 5, 5);
	pdu.data = data;
	pdu.data_len = 5;
	CHECK_EQ(framer_serialize(&pdu, false, false, out, sizeof(out)), 48 + 8);
	CHECK_EQ(out[48 + 5], 0);
	CHECK_EQ(framer_serialize(&pdu, true, true, out, sizeof(out)), 48 + 4 + 8 + 4);
	CHECK_EQ(crc32c_get(out + 48), crc32c(0, out, 48));
	CHECK_EQ(crc32c_get(out + 60), crc32c(0, out + 52, 8));
	CHECK_EQ(framer_serialize(&pdu, true, true, out, 63), 0);
}

/* A data segment that lies whole in the pushed bytes is handed out from there; one split across
 * two pushes comes from the framer's own buffer. */
static void test_no_copy(void)
{
	static uint8_t wire[8192];
	struct log got = {0};
	size_t len = add_pdu(wire, 0, ISCSI_OP_DATA_OUT, 5, 0, 512, false, true);
	struct framer *f = new_framer(false, true);

	CHECK_EQ(framer_push(f, wire, len, note_data, &got), len);
	CHECK_EQ(got.n, 1);
	CHECK_EQ(got.ev[0].res, FRAMER_PDU);
	CHECK(last_data == wire + BHS_LEN);
	CHECK_EQ(got.ev[0].data_crc, crc32c(0, payload + 5, 512));
	CHECK_EQ(framer_push(f, wire, BHS_LEN + 100, note_data, &got), BHS_LEN + 100);
	CHECK_EQ(framer_push(f, wire + BHS_LEN + 100, len - BHS_LEN - 100, note_data, &got),
		 len - BHS_LEN - 100);
	CHECK_EQ(got.n, 2);
	CHECK(last_data != NULL && (last_data < wire || last_data >= wire + sizeof(wire)));
	CHECK_EQ(got.ev[1].data_crc, got.ev[0].data_crc);
	framer_fini(f);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + 7);
	test_splits(false, false);
	test_splits(true, false);
	test_splits(false, true);
	test_splits(true, true);
	test_digest_errors();
	test_no_copy();
	test_caps();
	test_serialize();
	return CHECK_SUMMARY();
}
