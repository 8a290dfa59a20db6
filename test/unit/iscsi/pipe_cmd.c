/* pipe_cmd.c: the pipe test's command helpers (see pipe.h): SCSI commands, Data-Out served for
 * R2Ts, reads checked as they come back, NOP pings. */
#define PIPE_HELPERS_IMPL
#include "test/unit/iscsi/pipe.h"

#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

/* ---- commands ---- */

struct sense sense_of(const uint8_t *seg, uint32_t len)
{
	struct sense s = {0};
	if (len < 2)
		return s;
	uint32_t slen = get_be16(seg);
	const uint8_t *d = seg + 2;
	CHECK(slen + 2 <= len);
	if (slen >= 14 && (d[0] & 0x7f) == 0x70)
		s = (struct sense){d[2] & 0x0f, d[12], d[13]};
	else if (slen >= 4 && (d[0] & 0x7f) == 0x72)
		s = (struct sense){d[1] & 0x0f, d[2], d[3]};
	return s;
}

uint32_t send_cmd_sn(struct pipe *p, const uint8_t cdb[16], bool rd, bool wr, uint32_t edtl,
		     uint32_t cmdsn, bool immediate, uint8_t *imm, uint32_t imm_len, bool final)
{
	struct iscsi_pdu pdu;
	struct ini_cmd c = {.immediate = immediate,
			    .final = final,
			    .read = rd,
			    .write = wr,
			    .attr = ISCSI_ATTR_SIMPLE,
			    .itt = p->itt++,
			    .edtl = edtl,
			    .cmdsn = cmdsn,
			    .exp_statsn = p->exp_statsn};
	memcpy(c.cdb, cdb, 16);
	ini_build_scsi_cmd(&pdu, &c, imm, imm_len);
	send_pdu(p, &pdu);
	return c.itt;
}

/* The next command in CmdSN order, without data. */
uint32_t send_cmd(struct pipe *p, const uint8_t cdb[16], bool rd, bool wr, uint32_t edtl)
{
	return send_cmd_sn(p, cdb, rd, wr, edtl, p->cmdsn++, false, NULL, 0, true);
}

void send_data_out(struct pipe *p, uint32_t itt, uint32_t ttt, uint32_t datasn, uint32_t off,
		   const uint8_t *data, uint32_t len, bool final)
{
	struct iscsi_pdu pdu;
	struct ini_data_out d = {.final = final,
				 .itt = itt,
				 .ttt = ttt,
				 .exp_statsn = p->exp_statsn,
				 .datasn = datasn,
				 .offset = off};
	ini_build_data_out(&pdu, &d, (uint8_t *)data, len);
	send_pdu(p, &pdu);
}

/* A SCSI Response for itt: checks it, returns its status (0xff if missing). */
uint8_t expect_rsp(struct pipe *p, uint32_t itt, struct sense *s)
{
	struct rx *r = expect(p, ISCSI_OP_SCSI_RSP);
	if (r == &p->none)
		return 0xff;
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	CHECK(r->bhs[1] & INI_F);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_SCSI_RSP_COMPLETED);
	if (s)
		*s = sense_of(r->data, r->len);
	return r->bhs[INI_OFF_STATUS];
}

void tur_expect(struct pipe *p, uint8_t status, uint8_t key, uint8_t asc, uint8_t ascq)
{
	uint8_t cdb[16] = {OP_TUR};
	struct sense s;
	uint32_t itt = send_cmd(p, cdb, false, false, 0);
	CHECK_EQ(expect_rsp(p, itt, &s), status);
	CHECK_EQ(s.key, key);
	CHECK_EQ(s.asc, asc);
	CHECK_EQ(s.ascq, ascq);
	expect_none(p);
}

/* The first command of a session gets POWER ON OCCURRED (29/00), the next one GOOD. */
void clear_ua(struct pipe *p)
{
	tur_expect(p, SCSI_CHECK_CONDITION, 0x6, 0x29, 0x00);
	tur_expect(p, SCSI_GOOD, 0, 0, 0);
}

/* WRITE as an initiator does it: immediate data, unsolicited Data-Out up to FirstBurstLength,
 * then every R2T answered in order. Records what the target asked for. */

void write_data(struct pipe *p, uint32_t itt, uint32_t ttt, uint32_t off, uint32_t len,
		const uint8_t *buf, struct write_trace *t)
{
	uint32_t sn = 0;
	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < p->tgt_mrdsl ? len - done : p->tgt_mrdsl;
		send_data_out(p, itt, ttt, sn++, off + done, buf + off + done, n, done + n == len);
		t->data_outs++;
		done += n;
	}
}

/* Answers the R2Ts of WRITE itt (data from offset `from` on is solicited) until its SCSI
 * Response. */
void write_serve(struct pipe *p, uint32_t itt, const uint8_t *buf, uint32_t edtl, uint32_t from,
		 struct write_trace *t)
{
	uint32_t queue_off[64], queue_len[64], queue_ttt[64];
	unsigned qh = 0, qt = 0;

	uint32_t next_off = from, r2tsn = 0;
	for (int guard = 0; guard < 1000; guard++) {
		struct rx *r;
		bool done = false;
		while (p->rx_next < p->nrx && !done) {
			r = &p->rx[p->rx_next++];
			int op = pdu_opcode(r->bhs);
			CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
			if (op == ISCSI_OP_SCSI_RSP) {
				t->rsp = r;
				t->status = r->bhs[INI_OFF_STATUS];
				t->sense = sense_of(r->data, r->len);
				done = true;
			} else if (op == ISCSI_OP_R2T && qt < 64 && t->r2ts < 64) {
				uint32_t off = rx32(r, INI_OFF_BUFOFF),
					 dl = rx32(r, INI_OFF_RESIDUAL);
				CHECK_EQ(rx32(r, INI_OFF_DATASN), r2tsn++); /* R2TSN */
				CHECK_EQ(off, next_off);
				CHECK(dl > 0 && dl <= p->mbl);
				CHECK(off + dl <= edtl);
				CHECK(rx32(r, INI_OFF_TTT) != ISCSI_RSVD_TAG);
				CHECK(r->bhs[1] & INI_F);
				next_off = off + dl;
				t->r2t_off[t->r2ts] = off;
				t->r2t_len[t->r2ts++] = dl;
				queue_off[qt % 64] = off;
				queue_len[qt % 64] = dl;
				queue_ttt[qt++ % 64] = rx32(r, INI_OFF_TTT);
			} else {
				FAIL("WRITE: unexpected %s", pdu_op_name(op));
			}
		}
		if (qt - qh > t->max_outstanding)
			t->max_outstanding = qt - qh;
		if (done || qh == qt)
			break;
		/* RFC 7143 13.17: at most MaxOutstandingR2T unanswered R2Ts per task. */
		CHECK(qt - qh <= p->max_r2t);
		write_data(p, itt, queue_ttt[qh % 64], queue_off[qh % 64], queue_len[qh % 64], buf,
			   t);
		qh++;
	}
	if (t->status == 0xff)
		FAIL("WRITE itt 0x%x: no SCSI Response (the target is waiting for something)", itt);
}

uint32_t do_write_edtl(struct pipe *p, uint32_t lba, const uint8_t *buf, uint32_t len,
		       uint32_t edtl, struct write_trace *t)
{
	uint8_t cdb[16];
	uint32_t unsol = 0, imm = 0;

	memset(t, 0, sizeof(*t));
	t->status = 0xff;
	ini_cdb_rw10(cdb, OP_WRITE10, lba, (uint16_t)(len / BLOCK_SIZE));
	if (!p->initial_r2t)
		unsol = edtl < p->fbl ? edtl : p->fbl;
	if (p->immediate_data) {
		imm = edtl < p->tgt_mrdsl ? edtl : p->tgt_mrdsl;
		if (!p->initial_r2t && imm > unsol)
			imm = unsol;
		if (p->initial_r2t && imm > p->fbl)
			imm = p->fbl;
		if (unsol < imm)
			unsol = imm;
	}
	uint32_t itt = send_cmd_sn(p, cdb, false, true, edtl, p->cmdsn++, false, (uint8_t *)buf,
				   imm, unsol == imm);
	if (unsol > imm) {
		uint32_t sn = 0;
		for (uint32_t off = imm; off < unsol;) {
			uint32_t n = unsol - off < p->tgt_mrdsl ? unsol - off : p->tgt_mrdsl;
			send_data_out(p, itt, ISCSI_RSVD_TAG, sn++, off, buf + off, n,
				      off + n == unsol);
			t->data_outs++;
			off += n;
		}
	}
	write_serve(p, itt, buf, edtl, unsol, t);
	return itt;
}

uint32_t do_write(struct pipe *p, uint32_t lba, const uint8_t *buf, uint32_t len,
		  struct write_trace *t)
{
	return do_write_edtl(p, lba, buf, len, len, t);
}

/* READ-type command: collects Data-In, checks the Data-In rules, returns the outcome. */

void do_read_cmd(struct pipe *p, const uint8_t cdb[16], uint32_t edtl, struct read_result *res)
{
	uint32_t seq = 0;
	memset(res, 0, sizeof(*res));
	res->status = 0xff;
	uint32_t itt = send_cmd(p, cdb, true, false, edtl);
	while (p->rx_next < p->nrx && res->status == 0xff) {
		struct rx *r = &p->rx[p->rx_next++];
		int op = pdu_opcode(r->bhs);
		CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
		if (op == ISCSI_OP_DATA_IN) {
			uint8_t f = r->bhs[1];
			CHECK_EQ(rx32(r, INI_OFF_DATASN), res->pdus);
			CHECK_EQ(rx32(r, INI_OFF_BUFOFF), res->len);
			CHECK_EQ(rx32(r, INI_OFF_TTT), ISCSI_RSVD_TAG);
			CHECK(!(f & INI_DI_A));
			if (res->len + r->len <= RX_DATA_MAX && r->len)
				memcpy(res->data + res->len, r->data, r->len);
			res->len += r->len;
			res->pdus++;
			seq += r->len;
			/* RFC 7143 13.13: a Data-In sequence carries at most MaxBurstLength. */
			if (seq > p->mbl)
				FAIL("READ: Data-In sequence %u reaches %u bytes > MaxBurstLength "
				     "%u "
				     "(DataSN %u, offset %u, F=%d)",
				     res->seqs, seq, p->mbl, res->pdus - 1, rx32(r, INI_OFF_BUFOFF),
				     !!(f & INI_F));
			if (f & INI_F) {
				res->seqs++;
				seq = 0;
			}
			if (f & INI_DI_S) {
				CHECK(f & INI_F); /* 11.7.1: S only with F */
				res->status_in_data = true;
				res->status = r->bhs[INI_OFF_STATUS];
				res->flags = f;
				res->residual = rx32(r, INI_OFF_RESIDUAL);
				res->statsn = rx32(r, INI_OFF_STATSN);
			}
		} else if (op == ISCSI_OP_SCSI_RSP) {
			CHECK_EQ(rx32(r, INI_OFF_DATASN), res->pdus); /* ExpDataSN */
			res->status = r->bhs[INI_OFF_STATUS];
			res->flags = r->bhs[1];
			res->residual = rx32(r, INI_OFF_RESIDUAL);
			res->sense = sense_of(r->data, r->len);
			res->statsn = rx32(r, INI_OFF_STATSN);
		} else {
			FAIL("READ: unexpected %s", pdu_op_name(op));
		}
	}
	CHECK_EQ(seq, 0); /* the last Data-In ended its sequence (F) */
	if (res->status == 0xff)
		FAIL("READ itt 0x%x: no status", itt);
	expect_none(p);
}

void do_read(struct pipe *p, uint32_t lba, uint32_t len, struct read_result *res)
{
	uint8_t cdb[16];
	ini_cdb_rw10(cdb, OP_READ10, lba, (uint16_t)(len / BLOCK_SIZE));
	do_read_cmd(p, cdb, len, res);
}

void fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (uint32_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}

void nop_ping(struct pipe *p, bool immediate, const char *payload)
{
	struct iscsi_pdu pdu;
	uint32_t len = payload ? (uint32_t)strlen(payload) : 0;
	struct ini_nop_out n = {.immediate = immediate,
				.itt = p->itt++,
				.ttt = ISCSI_RSVD_TAG,
				.cmdsn = immediate ? p->cmdsn : p->cmdsn++,
				.exp_statsn = p->exp_statsn};
	ini_build_nop_out(&pdu, &n, (uint8_t *)payload, len);
	send_pdu(p, &pdu);
	struct rx *r = expect(p, ISCSI_OP_NOP_IN);
	CHECK_EQ(rx32(r, INI_OFF_ITT), n.itt);
	CHECK_EQ(rx32(r, INI_OFF_TTT), ISCSI_RSVD_TAG);
	CHECK(r->bhs[1] & INI_F);
	CHECK_EQ(r->len, len);
	if (len && r->len == len)
		CHECK_MEM(r->data, payload, len);
	expect_none(p);
}
