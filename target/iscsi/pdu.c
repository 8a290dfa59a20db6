/* pdu.c: the iSCSI BHS codec (RFC 7143 section 11). Every field goes through the big-endian
 * accessors of common/wire.h; nothing here casts a buffer to a struct. */
#include "target/iscsi/pdu.h"

#include <errno.h>
#include <string.h>

#include "common/buf.h"
#include "common/wire.h"

/* Byte 1 flag bits shared by several PDUs. C is Continue in Text and Login; the same bit is A
 * (Acknowledge) in Data-In and R (read) in SCSI Command. */
#define F_BIT 0x80
#define C_BIT 0x40

int pdu_opcode(const uint8_t bhs[BHS_LEN])
{
	return bhs[0] & 0x3f;
}

uint32_t pdu_bhs_data_len(const uint8_t bhs[BHS_LEN])
{
	return get_be24(bhs + 5);
}

uint32_t pdu_bhs_ahs_len(const uint8_t bhs[BHS_LEN])
{
	return (uint32_t)bhs[4] * 4u;
}

uint32_t pdu_bhs_itt(const uint8_t bhs[BHS_LEN])
{
	return get_be32(bhs + 16);
}

bool pdu_bhs_immediate(const uint8_t bhs[BHS_LEN])
{
	return bhs[0] & 0x40;
}

uint32_t pdu_req_cmdsn(const uint8_t bhs[BHS_LEN])
{
	return get_be32(bhs + 24);
}

/* RFC 7143 11.2.1: the fields every PDU has in the same place. */
int pdu_decode_common(const uint8_t *bhs, struct iscsi_bhs_common *out)
{
	out->opcode = bhs[0] & 0x3f;
	out->immediate = (bhs[0] & 0x40) != 0;
	out->final = (bhs[1] & F_BIT) != 0;
	out->ahs_words = bhs[4];
	out->data_len = get_be24(bhs + 5);
	out->lun = get_be64(bhs + 8);
	out->itt = get_be32(bhs + 16);
	return 0;
}

/* RFC 7143 11.2.2: one AHS is AHSLength(2) AHSType(1) AHS-specific(1) then AHSLength-1 more bytes,
 * padded to 4. Extended CDB (11.2.2.3): the bytes past the reserved one continue the CDB.
 * Bidirectional read length (11.2.2.4): AHSLength 5, a 32-bit length after the reserved byte. */
static int parse_cmd_ahs(const uint8_t *ahs, uint32_t ahs_len, struct iscsi_scsi_cmd *out)
{
	struct rcur c = rcur_make(ahs, ahs_len);
	bool seen_cdb = false;

	while (rcur_left(&c) > 0) {
		uint16_t len = rcur_be16(&c);
		uint8_t type = rcur_u8(&c);
		if (c.err || len == 0)
			return -EBADMSG;
		const uint8_t *body = rcur_take(&c, len); /* AHS-specific byte + the rest */
		rcur_take(&c, iscsi_pad4((uint32_t)len + 3));
		if (c.err)
			return -EBADMSG;
		if (type == ISCSI_AHS_EXTENDED_CDB) {
			uint32_t extra = (uint32_t)len - 1;
			if (seen_cdb || extra == 0 || 16 + extra > ISCSI_MAX_CDB_LEN)
				return -EBADMSG;
			memcpy(out->ext_cdb + 16, body + 1, extra);
			out->cdb_len = (uint16_t)(16 + extra);
			seen_cdb = true;
		} else if (type == ISCSI_AHS_BIDI_READ_LEN) {
			if (len != 5 || out->has_bidi_read_len)
				return -EBADMSG;
			out->exp_bidi_read_len = get_be32(body + 1);
			out->has_bidi_read_len = true;
		} else {
			return -EBADMSG; /* reserved or vendor types we do not understand */
		}
	}
	return 0;
}

/* RFC 7143 11.3 SCSI Command. */
int pdu_decode_scsi_cmd(const struct iscsi_pdu *pdu, struct iscsi_scsi_cmd *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->read = (b[1] & 0x40) != 0;
	out->write = (b[1] & 0x20) != 0;
	out->attr = b[1] & 0x07;
	out->exp_xfer_len = get_be32(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	memcpy(out->cdb, b + 32, 16);
	memcpy(out->ext_cdb, b + 32, 16);
	out->cdb_len = 16;
	if (pdu->ahs_len != pdu_bhs_ahs_len(b) || (pdu->ahs_len && !pdu->ahs))
		return -EBADMSG;
	if (pdu->ahs_len && parse_cmd_ahs(pdu->ahs, pdu->ahs_len, out) != 0)
		return -EBADMSG;
	/* 11.3.1.2: immediate or unsolicited data only comes with a write (W bit). */
	if (!out->write && (out->h.data_len > 0 || !out->h.final))
		return -EBADMSG;
	return 0;
}

/* RFC 7143 11.7 SCSI Data-Out. */
int pdu_decode_data_out(const struct iscsi_pdu *pdu, struct iscsi_data_out *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->ttt = get_be32(b + 20);
	out->exp_statsn = get_be32(b + 28);
	out->datasn = get_be32(b + 36);
	out->buffer_offset = get_be32(b + 40);
	return 0;
}

/* RFC 7143 11.18 NOP-Out. */
int pdu_decode_nop_out(const struct iscsi_pdu *pdu, struct iscsi_nop_out *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->ttt = get_be32(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	/* 11.18.1.1: with the reserved ITT (no answer wanted) the I bit must be set. */
	if (out->h.itt == ISCSI_RSVD_TAG && !out->h.immediate)
		return -EBADMSG;
	return 0;
}

/* RFC 7143 11.5 Task Management Function Request. Unknown functions are not a decode error: the
 * answer is "Task management function not supported" (11.6.1). */
int pdu_decode_tmf_req(const struct iscsi_pdu *pdu, struct iscsi_tmf_req *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->function = b[1] & 0x7f;
	out->ref_itt = get_be32(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	out->ref_cmdsn = get_be32(b + 32);
	out->exp_datasn = get_be32(b + 36);
	return 0;
}

/* RFC 7143 11.10 Text Request. */
int pdu_decode_text_req(const struct iscsi_pdu *pdu, struct iscsi_text_req *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->cont = (b[1] & C_BIT) != 0;
	out->ttt = get_be32(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	/* 11.10.2: a Text Request with C set must have F clear. */
	if (out->cont && out->h.final)
		return -EBADMSG;
	return 0;
}

/* RFC 7143 11.14 Logout Request. */
int pdu_decode_logout_req(const struct iscsi_pdu *pdu, struct iscsi_logout_req *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->reason = b[1] & 0x7f;
	out->cid = get_be16(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	if (out->reason > ISCSI_LOGOUT_REMOVE_FOR_RECOVERY)
		return -EBADMSG;
	return 0;
}

/* RFC 7143 11.16 SNACK Request. */
int pdu_decode_snack(const struct iscsi_pdu *pdu, struct iscsi_snack *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->type = b[1] & 0x0f;
	out->ttt = get_be32(b + 20);
	out->exp_statsn = get_be32(b + 28);
	out->begrun = get_be32(b + 40);
	out->runlength = get_be32(b + 44);
	if (out->type > ISCSI_SNACK_RDATA)
		return -EBADMSG;
	return 0;
}

/* RFC 7143 11.12 Login Request. */
int pdu_decode_login_req(const struct iscsi_pdu *pdu, struct iscsi_login_req *out)
{
	const uint8_t *b = pdu->bhs;

	memset(out, 0, sizeof(*out));
	pdu_decode_common(b, &out->h);
	out->transit = (b[1] & F_BIT) != 0;
	out->cont = (b[1] & C_BIT) != 0;
	out->csg = (b[1] >> 2) & 3;
	out->nsg = b[1] & 3;
	out->version_max = b[2];
	out->version_min = b[3];
	memcpy(out->isid, b + 8, 6);
	out->tsih = get_be16(b + 14);
	out->cid = get_be16(b + 20);
	out->cmdsn = get_be32(b + 24);
	out->exp_statsn = get_be32(b + 28);
	/* 11.12.2: C and T are exclusive; 11.12.3: stage 2 is reserved. */
	if (out->transit && out->cont)
		return -EBADMSG;
	if (out->csg == 2 || (out->transit && out->nsg == 2))
		return -EBADMSG;
	return 0;
}

/* Bytes 0..7 of every target PDU: opcode, flags, TotalAHSLength 0, DataSegmentLength. */
static void put_head(uint8_t *b, uint8_t opcode, uint8_t flags, uint32_t data_len)
{
	memset(b, 0, BHS_LEN);
	b[0] = opcode;
	b[1] = flags;
	put_be24(b + 5, data_len);
}

/* StatSN, ExpCmdSN, MaxCmdSN sit at 24, 28, 32 in every target PDU that has them. */
static void put_sns(uint8_t *b, uint32_t statsn, uint32_t exp_cmdsn, uint32_t max_cmdsn)
{
	put_be32(b + 24, statsn);
	put_be32(b + 28, exp_cmdsn);
	put_be32(b + 32, max_cmdsn);
}

/* RFC 7143 11.4 SCSI Response. */
void pdu_encode_scsi_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_scsi_rsp *r)
{
	uint8_t flags = F_BIT;

	flags |= r->bidi_overflow ? 0x10 : 0;
	flags |= r->bidi_underflow ? 0x08 : 0;
	flags |= r->overflow ? 0x04 : 0;
	flags |= r->underflow ? 0x02 : 0;
	put_head(bhs, ISCSI_OP_SCSI_RSP, flags, r->data_len);
	bhs[2] = r->response;
	bhs[3] = r->status;
	put_be32(bhs + 16, r->itt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	put_be32(bhs + 36, r->exp_datasn);
	put_be32(bhs + 40, r->bidi_residual);
	put_be32(bhs + 44, r->residual);
}

/* RFC 7143 11.7 SCSI Data-In. StatSN and Status are meaningful only with S (status_present). */
void pdu_encode_data_in(uint8_t bhs[BHS_LEN], const struct iscsi_data_in *r)
{
	uint8_t flags = 0;

	flags |= r->final ? F_BIT : 0;
	flags |= r->ack ? 0x40 : 0;
	flags |= r->status_present ? 0x01 : 0;
	if (r->status_present) {
		flags |= r->overflow ? 0x04 : 0;
		flags |= r->underflow ? 0x02 : 0;
	}
	put_head(bhs, ISCSI_OP_DATA_IN, flags, r->data_len);
	bhs[3] = r->status_present ? r->status : 0;
	put_be64(bhs + 8, r->lun);
	put_be32(bhs + 16, r->itt);
	put_be32(bhs + 20, r->ttt);
	put_sns(bhs, r->status_present ? r->statsn : 0, r->exp_cmdsn, r->max_cmdsn);
	put_be32(bhs + 36, r->datasn);
	put_be32(bhs + 40, r->buffer_offset);
	put_be32(bhs + 44, r->status_present ? r->residual : 0);
}

/* RFC 7143 11.8 Ready To Transfer. */
void pdu_encode_r2t(uint8_t bhs[BHS_LEN], const struct iscsi_r2t *r)
{
	put_head(bhs, ISCSI_OP_R2T, F_BIT, 0);
	put_be64(bhs + 8, r->lun);
	put_be32(bhs + 16, r->itt);
	put_be32(bhs + 20, r->ttt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	put_be32(bhs + 36, r->r2tsn);
	put_be32(bhs + 40, r->buffer_offset);
	put_be32(bhs + 44, r->desired_len);
}

/* RFC 7143 11.19 NOP-In. */
void pdu_encode_nop_in(uint8_t bhs[BHS_LEN], const struct iscsi_nop_in *r)
{
	put_head(bhs, ISCSI_OP_NOP_IN, F_BIT, r->data_len);
	put_be64(bhs + 8, r->lun);
	put_be32(bhs + 16, r->itt);
	put_be32(bhs + 20, r->ttt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
}

/* RFC 7143 11.6 Task Management Function Response. */
void pdu_encode_tmf_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_tmf_rsp *r)
{
	put_head(bhs, ISCSI_OP_TMF_RSP, F_BIT, 0);
	bhs[2] = r->response;
	put_be32(bhs + 16, r->itt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
}

/* RFC 7143 11.11 Text Response. */
void pdu_encode_text_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_text_rsp *r)
{
	uint8_t flags = (r->final ? F_BIT : 0) | (r->cont ? C_BIT : 0);

	put_head(bhs, ISCSI_OP_TEXT_RSP, flags, r->data_len);
	put_be64(bhs + 8, r->lun);
	put_be32(bhs + 16, r->itt);
	put_be32(bhs + 20, r->ttt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
}

/* RFC 7143 11.15 Logout Response. */
void pdu_encode_logout_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_logout_rsp *r)
{
	put_head(bhs, ISCSI_OP_LOGOUT_RSP, F_BIT, 0);
	bhs[2] = r->response;
	put_be32(bhs + 16, r->itt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	put_be16(bhs + 40, r->time2wait);
	put_be16(bhs + 42, r->time2retain);
}

/* RFC 7143 11.17 Reject: the ITT is reserved, the data segment is the rejected BHS. */
void pdu_encode_reject(uint8_t bhs[BHS_LEN], const struct iscsi_reject *r)
{
	put_head(bhs, ISCSI_OP_REJECT, F_BIT, r->data_len);
	bhs[2] = r->reason;
	put_be32(bhs + 16, ISCSI_RSVD_TAG);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	put_be32(bhs + 36, r->datasn_r2tsn);
}

/* RFC 7143 11.9 Asynchronous Message. */
void pdu_encode_async(uint8_t bhs[BHS_LEN], const struct iscsi_async *r)
{
	put_head(bhs, ISCSI_OP_ASYNC, F_BIT, r->data_len);
	put_be64(bhs + 8, r->lun);
	put_be32(bhs + 16, ISCSI_RSVD_TAG);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	bhs[36] = r->event;
	bhs[37] = r->vcode;
	put_be16(bhs + 38, r->param1);
	put_be16(bhs + 40, r->param2);
	put_be16(bhs + 42, r->param3);
}

/* RFC 7143 11.13 Login Response. */
void pdu_encode_login_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_login_rsp *r)
{
	uint8_t flags = (r->transit ? F_BIT : 0) | (r->cont ? C_BIT : 0);

	flags |= (uint8_t)((r->csg & 3) << 2);
	if (r->transit)
		flags |= r->nsg & 3;
	put_head(bhs, ISCSI_OP_LOGIN_RSP, flags, r->data_len);
	bhs[2] = r->version_max;
	bhs[3] = r->version_active;
	memcpy(bhs + 8, r->isid, 6);
	put_be16(bhs + 14, r->tsih);
	put_be32(bhs + 16, r->itt);
	put_sns(bhs, r->statsn, r->exp_cmdsn, r->max_cmdsn);
	bhs[36] = r->status_class;
	bhs[37] = r->status_detail;
}

void pdu_login_rsp_set_tsih(uint8_t bhs[BHS_LEN], uint16_t tsih)
{
	put_be16(bhs + 14, tsih);
}

const char *pdu_op_name(int opcode)
{
	static const char *const names[64] = {
	    [ISCSI_OP_NOP_OUT] = "NOP-Out",
	    [ISCSI_OP_SCSI_CMD] = "SCSI-Command",
	    [ISCSI_OP_TMF_REQ] = "Task-Mgmt-Request",
	    [ISCSI_OP_LOGIN_REQ] = "Login-Request",
	    [ISCSI_OP_TEXT_REQ] = "Text-Request",
	    [ISCSI_OP_DATA_OUT] = "SCSI-Data-Out",
	    [ISCSI_OP_LOGOUT_REQ] = "Logout-Request",
	    [ISCSI_OP_SNACK] = "SNACK",
	    [ISCSI_OP_NOP_IN] = "NOP-In",
	    [ISCSI_OP_SCSI_RSP] = "SCSI-Response",
	    [ISCSI_OP_TMF_RSP] = "Task-Mgmt-Response",
	    [ISCSI_OP_LOGIN_RSP] = "Login-Response",
	    [ISCSI_OP_TEXT_RSP] = "Text-Response",
	    [ISCSI_OP_DATA_IN] = "SCSI-Data-In",
	    [ISCSI_OP_LOGOUT_RSP] = "Logout-Response",
	    [ISCSI_OP_R2T] = "R2T",
	    [ISCSI_OP_ASYNC] = "Async-Message",
	    [ISCSI_OP_REJECT] = "Reject",
	};
	if (opcode < 0 || opcode > 63 || !names[opcode])
		return "unknown";
	return names[opcode];
}
