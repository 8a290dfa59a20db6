/* test_pdu.c: BHS codec cases (RFC 7143 section 11): decoders on hand-built headers, encoders
 * checked byte by byte, serial number arithmetic. */
#include <errno.h>

#include "common/wire.h"
#include "target/iscsi/pdu.h"
#include "test/unit/check.h"

static void test_sna(void)
{
	static const struct {
		uint32_t a, b;
		bool lt;
	} cases[] = {
	    {0, 1, true},	    {1, 0, false},	    {0xffffffff, 0, true},
	    {0, 0xffffffff, false}, {5, 5, false},	    {0x7fffffff, 0x80000000, true},
	    {0, 0x7fffffff, true},  {0, 0x80000000, false}, {0x80000000, 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(sna_lt(cases[i].a, cases[i].b), cases[i].lt);
		CHECK_EQ(sna_gt(cases[i].b, cases[i].a), cases[i].lt);
	}
	CHECK(sna_le(7, 7));
	CHECK(sna_le(0xfffffff0, 3));
	CHECK(!sna_le(3, 0xfffffff0));
	CHECK(sna_ge(3, 0xfffffff0));
}

static void test_scsi_cmd(void)
{
	struct iscsi_pdu pdu = {0};
	struct iscsi_scsi_cmd c;
	uint8_t *b = pdu.bhs;

	b[0] = 0x41; /* immediate SCSI command */
	b[1] = 0x80 | 0x40 | ISCSI_ATTR_SIMPLE;
	put_be64(b + 8, 0x0001000000000000ull);
	put_be32(b + 16, 0x1234);
	put_be32(b + 20, 4096);
	put_be32(b + 24, 77);
	put_be32(b + 28, 9);
	b[32] = 0x28;
	b[47] = 0xee;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), 0);
	CHECK(c.h.immediate);
	CHECK(c.h.final);
	CHECK(c.read && !c.write);
	CHECK_EQ(c.attr, ISCSI_ATTR_SIMPLE);
	CHECK_EQ(c.h.lun, 0x0001000000000000ull);
	CHECK_EQ(c.h.itt, 0x1234);
	CHECK_EQ(c.exp_xfer_len, 4096);
	CHECK_EQ(c.cmdsn, 77);
	CHECK_EQ(c.exp_statsn, 9);
	CHECK_EQ(c.cdb[0], 0x28);
	CHECK_EQ(c.cdb_len, 16);
	CHECK_EQ(c.ext_cdb[15], 0xee);

	/* immediate data without W is a protocol error (11.3.1.2) */
	put_be24(b + 5, 512);
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), -EBADMSG);
	b[1] = 0x80 | 0x20;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), 0);
	CHECK(c.write);
	CHECK_EQ(c.h.data_len, 512);

	/* Extended CDB: 32-byte CDB = 16 in BHS + 16 in an AHS of length 17 (3 + 17 = 20 bytes) */
	uint8_t ahs[32] = {0};
	put_be16(ahs, 17);
	ahs[2] = ISCSI_AHS_EXTENDED_CDB;
	for (int i = 0; i < 16; i++)
		ahs[4 + i] = (uint8_t)(0xa0 + i);
	/* then a bidirectional read length AHS: length 5, type 2 */
	put_be16(ahs + 20, 5);
	ahs[22] = ISCSI_AHS_BIDI_READ_LEN;
	put_be32(ahs + 24, 8192);
	pdu.ahs = ahs;
	pdu.ahs_len = 28;
	b[4] = 7;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), 0);
	CHECK_EQ(c.cdb_len, 32);
	CHECK_EQ(c.ext_cdb[0], 0x28);
	CHECK_EQ(c.ext_cdb[16], 0xa0);
	CHECK_EQ(c.ext_cdb[31], 0xaf);
	CHECK(c.has_bidi_read_len);
	CHECK_EQ(c.exp_bidi_read_len, 8192);

	/* AHS length running past the end */
	put_be16(ahs + 20, 9);
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), -EBADMSG);
	/* unknown AHS type */
	put_be16(ahs + 20, 5);
	ahs[22] = 0x3f;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), -EBADMSG);
	/* TotalAHSLength disagrees with the AHS given */
	ahs[22] = ISCSI_AHS_BIDI_READ_LEN;
	b[4] = 6;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), -EBADMSG);
	/* CDB longer than 260 */
	uint8_t big[260] = {0};
	put_be16(big, 250);
	big[2] = ISCSI_AHS_EXTENDED_CDB;
	pdu.ahs = big;
	pdu.ahs_len = 252 + iscsi_pad4(252) + 0;
	b[4] = (uint8_t)(pdu.ahs_len / 4);
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), -EBADMSG);
	put_be16(big, 245); /* 16 + 244 = 260: the maximum */
	pdu.ahs_len = 248;
	b[4] = 62;
	CHECK_EQ(pdu_decode_scsi_cmd(&pdu, &c), 0);
	CHECK_EQ(c.cdb_len, 260);
}

static void test_login_req(void)
{
	struct iscsi_pdu pdu = {0};
	struct iscsi_login_req l;
	uint8_t *b = pdu.bhs;
	static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};

	b[0] = 0x43;
	b[1] = 0x80 | (0 << 2) | 1; /* T, CSG=0, NSG=1 */
	memcpy(b + 8, isid, 6);
	put_be16(b + 14, 0);
	put_be32(b + 16, 0xabc);
	put_be16(b + 20, 1);
	put_be32(b + 24, 1);
	put_be32(b + 28, 0);
	put_be24(b + 5, 100);
	CHECK_EQ(pdu_decode_login_req(&pdu, &l), 0);
	CHECK(l.transit && !l.cont);
	CHECK_EQ(l.csg, 0);
	CHECK_EQ(l.nsg, 1);
	CHECK_MEM(l.isid, isid, 6);
	CHECK_EQ(l.cid, 1);
	CHECK_EQ(l.cmdsn, 1);
	CHECK_EQ(l.h.itt, 0xabc);
	CHECK_EQ(l.h.data_len, 100);
	b[1] = 0xc0 | 1; /* T and C */
	CHECK_EQ(pdu_decode_login_req(&pdu, &l), -EBADMSG);
	b[1] = 0x80 | (2 << 2) | 3; /* CSG 2 reserved */
	CHECK_EQ(pdu_decode_login_req(&pdu, &l), -EBADMSG);
	b[1] = 0x80 | (1 << 2) | 2; /* NSG 2 reserved */
	CHECK_EQ(pdu_decode_login_req(&pdu, &l), -EBADMSG);
	b[1] = 0x40 | (1 << 2); /* C only */
	CHECK_EQ(pdu_decode_login_req(&pdu, &l), 0);
	CHECK(l.cont && !l.transit);
}

static void test_other_decoders(void)
{
	struct iscsi_pdu pdu = {0};
	uint8_t *b = pdu.bhs;

	b[0] = ISCSI_OP_DATA_OUT;
	b[1] = 0x80;
	put_be32(b + 16, 5);
	put_be32(b + 20, 6);
	put_be32(b + 28, 7);
	put_be32(b + 36, 8);
	put_be32(b + 40, 9);
	struct iscsi_data_out d;
	CHECK_EQ(pdu_decode_data_out(&pdu, &d), 0);
	CHECK(d.h.final);
	CHECK_EQ(d.h.itt, 5);
	CHECK_EQ(d.ttt, 6);
	CHECK_EQ(d.exp_statsn, 7);
	CHECK_EQ(d.datasn, 8);
	CHECK_EQ(d.buffer_offset, 9);

	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = 0x80;
	put_be32(b + 16, ISCSI_RSVD_TAG);
	struct iscsi_nop_out n;
	CHECK_EQ(pdu_decode_nop_out(&pdu, &n), -EBADMSG);
	b[0] |= 0x40;
	CHECK_EQ(pdu_decode_nop_out(&pdu, &n), 0);
	CHECK(n.h.immediate);

	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_TMF_REQ;
	b[1] = 0x80 | ISCSI_TMF_ABORT_TASK;
	put_be32(b + 20, 0x55);
	put_be32(b + 32, 0x66);
	put_be32(b + 36, 0x77);
	struct iscsi_tmf_req t;
	CHECK_EQ(pdu_decode_tmf_req(&pdu, &t), 0);
	CHECK_EQ(t.function, ISCSI_TMF_ABORT_TASK);
	CHECK_EQ(t.ref_itt, 0x55);
	CHECK_EQ(t.ref_cmdsn, 0x66);
	CHECK_EQ(t.exp_datasn, 0x77);

	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_TEXT_REQ;
	b[1] = 0xc0;
	struct iscsi_text_req x;
	CHECK_EQ(pdu_decode_text_req(&pdu, &x), -EBADMSG);
	b[1] = 0x40;
	put_be32(b + 20, 0x99);
	CHECK_EQ(pdu_decode_text_req(&pdu, &x), 0);
	CHECK(x.cont && !x.h.final);
	CHECK_EQ(x.ttt, 0x99);

	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_LOGOUT_REQ;
	b[1] = 0x80 | ISCSI_LOGOUT_CLOSE_CONNECTION;
	put_be16(b + 20, 3);
	struct iscsi_logout_req lo;
	CHECK_EQ(pdu_decode_logout_req(&pdu, &lo), 0);
	CHECK_EQ(lo.reason, ISCSI_LOGOUT_CLOSE_CONNECTION);
	CHECK_EQ(lo.cid, 3);
	b[1] = 0x80 | 3;
	CHECK_EQ(pdu_decode_logout_req(&pdu, &lo), -EBADMSG);

	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_SNACK;
	b[1] = 0x80 | ISCSI_SNACK_STATUS;
	put_be32(b + 40, 10);
	put_be32(b + 44, 2);
	struct iscsi_snack s;
	CHECK_EQ(pdu_decode_snack(&pdu, &s), 0);
	CHECK_EQ(s.type, ISCSI_SNACK_STATUS);
	CHECK_EQ(s.begrun, 10);
	CHECK_EQ(s.runlength, 2);
	CHECK_EQ(pdu_opcode(b), ISCSI_OP_SNACK);
	CHECK_STR(pdu_op_name(ISCSI_OP_SNACK), "SNACK");
	CHECK_STR(pdu_op_name(0x3e), "unknown");
}

static void test_encode_data(void)
{
	uint8_t b[BHS_LEN];

	struct iscsi_scsi_rsp rsp = {.itt = 1,
				     .status = 2,
				     .underflow = true,
				     .statsn = 3,
				     .exp_cmdsn = 4,
				     .max_cmdsn = 5,
				     .exp_datasn = 6,
				     .residual = 7,
				     .data_len = 20};
	memset(b, 0xff, sizeof(b));
	pdu_encode_scsi_rsp(b, &rsp);
	CHECK_EQ(b[0], 0x21);
	CHECK_EQ(b[1], 0x82);
	CHECK_EQ(b[2], 0);
	CHECK_EQ(b[3], 2);
	CHECK_EQ(b[4], 0);
	CHECK_EQ(get_be24(b + 5), 20);
	CHECK_EQ(get_be64(b + 8), 0);
	CHECK_EQ(get_be32(b + 16), 1);
	CHECK_EQ(get_be32(b + 24), 3);
	CHECK_EQ(get_be32(b + 28), 4);
	CHECK_EQ(get_be32(b + 32), 5);
	CHECK_EQ(get_be32(b + 36), 6);
	CHECK_EQ(get_be32(b + 44), 7);

	struct iscsi_data_in di = {.lun = 0,
				   .itt = 9,
				   .ttt = ISCSI_RSVD_TAG,
				   .final = true,
				   .status_present = true,
				   .underflow = true,
				   .status = 0,
				   .statsn = 11,
				   .exp_cmdsn = 12,
				   .max_cmdsn = 13,
				   .datasn = 2,
				   .buffer_offset = 8192,
				   .residual = 512,
				   .data_len = 4096};
	pdu_encode_data_in(b, &di);
	CHECK_EQ(b[0], 0x25);
	CHECK_EQ(b[1], 0x83);
	CHECK_EQ(get_be24(b + 5), 4096);
	CHECK_EQ(get_be32(b + 20), ISCSI_RSVD_TAG);
	CHECK_EQ(get_be32(b + 24), 11);
	CHECK_EQ(get_be32(b + 36), 2);
	CHECK_EQ(get_be32(b + 40), 8192);
	CHECK_EQ(get_be32(b + 44), 512);
	di.status_present = false; /* no S: StatSN, status and residual are reserved */
	di.final = false;
	pdu_encode_data_in(b, &di);
	CHECK_EQ(b[1], 0x00);
	CHECK_EQ(get_be32(b + 24), 0);
	CHECK_EQ(get_be32(b + 44), 0);

	struct iscsi_r2t r2t = {.lun = 0x0002000000000000ull,
				.itt = 1,
				.ttt = 2,
				.statsn = 3,
				.exp_cmdsn = 4,
				.max_cmdsn = 5,
				.r2tsn = 6,
				.buffer_offset = 7,
				.desired_len = 8};
	pdu_encode_r2t(b, &r2t);
	CHECK_EQ(b[0], 0x31);
	CHECK_EQ(b[1], 0x80);
	CHECK_EQ(get_be64(b + 8), 0x0002000000000000ull);
	CHECK_EQ(get_be32(b + 20), 2);
	CHECK_EQ(get_be32(b + 36), 6);
	CHECK_EQ(get_be32(b + 40), 7);
	CHECK_EQ(get_be32(b + 44), 8);
}

static void test_encode_control(void)
{
	uint8_t b[BHS_LEN];

	struct iscsi_nop_in nop = {.itt = ISCSI_RSVD_TAG, .ttt = 0x10, .statsn = 1, .data_len = 0};
	pdu_encode_nop_in(b, &nop);
	CHECK_EQ(b[0], 0x20);
	CHECK_EQ(b[1], 0x80);
	CHECK_EQ(get_be32(b + 16), ISCSI_RSVD_TAG);
	CHECK_EQ(get_be32(b + 20), 0x10);

	struct iscsi_tmf_rsp tr = {.response = ISCSI_TMF_RSP_NO_TASK, .itt = 4};
	pdu_encode_tmf_rsp(b, &tr);
	CHECK_EQ(b[0], 0x22);
	CHECK_EQ(b[2], 1);

	struct iscsi_text_rsp tx = {
	    .final = false, .cont = true, .itt = 1, .ttt = 5, .data_len = 9};
	pdu_encode_text_rsp(b, &tx);
	CHECK_EQ(b[0], 0x24);
	CHECK_EQ(b[1], 0x40);
	CHECK_EQ(get_be24(b + 5), 9);
	CHECK_EQ(get_be32(b + 20), 5);

	struct iscsi_logout_rsp lr = {.response = 0, .itt = 3, .time2wait = 2, .time2retain = 20};
	pdu_encode_logout_rsp(b, &lr);
	CHECK_EQ(b[0], 0x26);
	CHECK_EQ(get_be16(b + 40), 2);
	CHECK_EQ(get_be16(b + 42), 20);

	struct iscsi_reject rj = {.reason = ISCSI_REJECT_DATA_DIGEST, .statsn = 1, .data_len = 48};
	pdu_encode_reject(b, &rj);
	CHECK_EQ(b[0], 0x3f);
	CHECK_EQ(b[2], 0x02);
	CHECK_EQ(get_be24(b + 5), 48);
	CHECK_EQ(get_be32(b + 16), ISCSI_RSVD_TAG);

	struct iscsi_async as = {.event = ISCSI_ASYNC_LOGOUT_REQUEST, .param3 = 5};
	pdu_encode_async(b, &as);
	CHECK_EQ(b[0], 0x32);
	CHECK_EQ(b[36], 1);
	CHECK_EQ(get_be16(b + 42), 5);
	CHECK_EQ(get_be32(b + 16), ISCSI_RSVD_TAG);

	struct iscsi_login_rsp ls = {.transit = true,
				     .csg = 1,
				     .nsg = 3,
				     .isid = {1, 2, 3, 4, 5, 6},
				     .tsih = 0x0102,
				     .itt = 7,
				     .statsn = 8,
				     .exp_cmdsn = 9,
				     .max_cmdsn = 10,
				     .status_class = 2,
				     .status_detail = 1,
				     .data_len = 33};
	pdu_encode_login_rsp(b, &ls);
	CHECK_EQ(b[0], 0x23);
	CHECK_EQ(b[1], 0x87);
	CHECK_EQ(b[8], 1);
	CHECK_EQ(b[13], 6);
	CHECK_EQ(get_be16(b + 14), 0x0102);
	CHECK_EQ(b[36], 2);
	CHECK_EQ(b[37], 1);
	CHECK_EQ(get_be24(b + 5), 33);
	ls.transit = false; /* NSG is reserved without T */
	pdu_encode_login_rsp(b, &ls);
	CHECK_EQ(b[1], 0x04);
}

/* The accessors for fields read before a full decode (command ordering, held commands) and the
 * TSIH patched into an encoded Login Response. */
static void test_bhs_accessors(void)
{
	uint8_t b[BHS_LEN] = {0};

	b[0] = 0x40 | ISCSI_OP_NOP_OUT;
	put_be32(b + 16, 0xdeadbeef);
	put_be32(b + 24, 0x80000001);
	CHECK(pdu_bhs_immediate(b));
	CHECK_EQ(pdu_bhs_itt(b), 0xdeadbeef);
	CHECK_EQ(pdu_req_cmdsn(b), 0x80000001);
	b[0] = ISCSI_OP_SCSI_CMD;
	CHECK(!pdu_bhs_immediate(b));

	struct iscsi_login_rsp lr = {.transit = true, .csg = 1, .nsg = 3, .itt = 7, .tsih = 0};
	pdu_encode_login_rsp(b, &lr);
	pdu_login_rsp_set_tsih(b, 0x1234);
	CHECK_EQ(get_be16(b + 14), 0x1234);
	CHECK_EQ(get_be32(b + 16), 7);
}

int main(void)
{
	test_sna();
	test_scsi_cmd();
	test_login_req();
	test_other_decoders();
	test_encode_data();
	test_encode_control();
	test_bhs_accessors();
	return CHECK_SUMMARY();
}
