/* fuzz_framer.c: arbitrary bytes through the framer, in chunks whose sizes come from the input,
 * with digests on or off; every whole PDU goes through the decoder for its opcode.
 * Input: byte 0 = flags (bit 0 header digest, bit 1 data digest, bits 2-7 chunk size seed). */
#include <stddef.h>
#include <stdint.h>

#include "target/iscsi/framer.h"
#include "target/iscsi/pdu.h"

static void decode_any(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	union {
		struct iscsi_scsi_cmd cmd;
		struct iscsi_data_out dout;
		struct iscsi_nop_out nop;
		struct iscsi_tmf_req tmf;
		struct iscsi_text_req text;
		struct iscsi_logout_req logout;
		struct iscsi_snack snack;
		struct iscsi_login_req login;
	} u;
	unsigned *count = ctx;

	(*count)++;
	if (res != FRAMER_PDU)
		return;
	switch (pdu_opcode(pdu->bhs)) {
	case ISCSI_OP_SCSI_CMD:
		pdu_decode_scsi_cmd(pdu, &u.cmd);
		break;
	case ISCSI_OP_DATA_OUT:
		pdu_decode_data_out(pdu, &u.dout);
		break;
	case ISCSI_OP_NOP_OUT:
		pdu_decode_nop_out(pdu, &u.nop);
		break;
	case ISCSI_OP_TMF_REQ:
		pdu_decode_tmf_req(pdu, &u.tmf);
		break;
	case ISCSI_OP_TEXT_REQ:
		pdu_decode_text_req(pdu, &u.text);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		pdu_decode_logout_req(pdu, &u.logout);
		break;
	case ISCSI_OP_SNACK:
		pdu_decode_snack(pdu, &u.snack);
		break;
	case ISCSI_OP_LOGIN_REQ:
		pdu_decode_login_req(pdu, &u.login);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framer f;
	struct framer_limits lim = {.max_ahs_len = 64, .max_data_len = 16384};
	unsigned count = 0;

	if (size < 1 || framer_init(&f, &lim) != 0)
		return 0;
	framer_set_digests(&f, data[0] & 1, data[0] & 2);
	framer_set_max_data_len(&f, 16384);
	size_t chunk = (size_t)(data[0] >> 2) + 1, off = 1;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t took = framer_push(&f, data + off, n, decode_any, &count);
		if (took < n)
			break; /* fatal error: the connection would be dropped */
		off += n;
	}
	framer_fini(&f);
	return 0;
}
