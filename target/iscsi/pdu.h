/* pdu.h: the iSCSI Basic Header Segment codec (RFC 7143 section 11).
 *
 * Decoders read initiator->target PDUs into plain structs; encoders write target->initiator BHSs.
 * No I/O, no allocation: a struct iscsi_pdu points at buffers its owner (the framer or the
 * session's send queue) keeps alive. All multi-byte fields are big-endian on the wire and host
 * order in the structs. Lengths are in bytes unless a name says words. */
#ifndef RINGSAN_ISCSI_PDU_H
#define RINGSAN_ISCSI_PDU_H

#include <stdbool.h>
#include <stdint.h>

#define BHS_LEN		  48
#define ISCSI_RSVD_TAG	  0xffffffffu /* RFC 7143 11.2.1.8: the reserved task tag */
#define ISCSI_MAX_CDB_LEN 260	      /* SPC: longest variable-length CDB */
#define ISCSI_DSL_MAX	  0xffffffu   /* DataSegmentLength is 24 bits */
#define ISCSI_AHS_MAX_LEN (255u * 4u) /* TotalAHSLength is 8 bits, in 4-byte words */
#define ISCSI_VERSION	  0x00	      /* RFC 7143 11.12.4: the only draft/version number */

enum iscsi_op {
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK = 0x10,
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

/* RFC 7143 11.5.1: Task Management function codes. */
enum iscsi_tmf_func {
	ISCSI_TMF_ABORT_TASK = 1,
	ISCSI_TMF_ABORT_TASK_SET = 2,
	ISCSI_TMF_CLEAR_ACA = 3,
	ISCSI_TMF_CLEAR_TASK_SET = 4,
	ISCSI_TMF_LOGICAL_UNIT_RESET = 5,
	ISCSI_TMF_TARGET_WARM_RESET = 6,
	ISCSI_TMF_TARGET_COLD_RESET = 7,
	ISCSI_TMF_TASK_REASSIGN = 8,
};

/* RFC 7143 11.6.1: Task Management response codes. */
enum iscsi_tmf_response {
	ISCSI_TMF_RSP_COMPLETE = 0,
	ISCSI_TMF_RSP_NO_TASK = 1,
	ISCSI_TMF_RSP_NO_LUN = 2,
	ISCSI_TMF_RSP_TASK_ALLEGIANT = 3,
	ISCSI_TMF_RSP_NO_REASSIGN = 4,
	ISCSI_TMF_RSP_NOT_SUPPORTED = 5,
	ISCSI_TMF_RSP_AUTH_FAILED = 6,
	ISCSI_TMF_RSP_REJECTED = 255,
};

/* RFC 7143 11.17.1: Reject reasons. */
enum iscsi_reject_reason {
	ISCSI_REJECT_DATA_DIGEST = 0x02,
	ISCSI_REJECT_SNACK = 0x03,
	ISCSI_REJECT_PROTOCOL_ERROR = 0x04,
	ISCSI_REJECT_CMD_NOT_SUPPORTED = 0x05,
	ISCSI_REJECT_IMMEDIATE_CMD = 0x06,
	ISCSI_REJECT_TASK_IN_PROGRESS = 0x07,
	ISCSI_REJECT_INVALID_DATA_ACK = 0x08,
	ISCSI_REJECT_INVALID_PDU_FIELD = 0x09,
	ISCSI_REJECT_OUT_OF_RESOURCES = 0x0a,
	ISCSI_REJECT_NEGOTIATION_RESET = 0x0b,
	ISCSI_REJECT_WAITING_FOR_LOGOUT = 0x0c,
};

/* RFC 7143 11.14.1 / 11.15.1: Logout reasons and responses. */
enum iscsi_logout_reason {
	ISCSI_LOGOUT_CLOSE_SESSION = 0,
	ISCSI_LOGOUT_CLOSE_CONNECTION = 1,
	ISCSI_LOGOUT_REMOVE_FOR_RECOVERY = 2,
};
enum iscsi_logout_response {
	ISCSI_LOGOUT_RSP_CLOSED = 0,
	ISCSI_LOGOUT_RSP_CID_NOT_FOUND = 1,
	ISCSI_LOGOUT_RSP_RECOVERY_UNSUPPORTED = 2,
	ISCSI_LOGOUT_RSP_CLEANUP_FAILED = 3,
};

/* RFC 7143 11.13.5: Login status class (high byte) and detail (low byte), as one 16-bit value. */
enum iscsi_login_status {
	ISCSI_LOGIN_STATUS_SUCCESS = 0x0000,
	ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP = 0x0101,
	ISCSI_LOGIN_STATUS_TARGET_MOVED_PERM = 0x0102,
	ISCSI_LOGIN_STATUS_INITIATOR_ERROR = 0x0200,
	ISCSI_LOGIN_STATUS_AUTH_FAILED = 0x0201,
	ISCSI_LOGIN_STATUS_NOT_AUTHORIZED = 0x0202,
	ISCSI_LOGIN_STATUS_NOT_FOUND = 0x0203,
	ISCSI_LOGIN_STATUS_TARGET_REMOVED = 0x0204,
	ISCSI_LOGIN_STATUS_UNSUPPORTED_VERSION = 0x0205,
	ISCSI_LOGIN_STATUS_TOO_MANY_CONNECTIONS = 0x0206,
	ISCSI_LOGIN_STATUS_MISSING_PARAMETER = 0x0207,
	ISCSI_LOGIN_STATUS_CANT_INCLUDE = 0x0208,
	ISCSI_LOGIN_STATUS_SESSION_TYPE_UNSUPPORTED = 0x0209,
	ISCSI_LOGIN_STATUS_NO_SESSION = 0x020a,
	ISCSI_LOGIN_STATUS_INVALID_DURING_LOGIN = 0x020b,
	ISCSI_LOGIN_STATUS_TARGET_ERROR = 0x0300,
	ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE = 0x0301,
	ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES = 0x0302,
};
#define ISCSI_LOGIN_STATUS_CLASS(s)  ((uint8_t)((s) >> 8))
#define ISCSI_LOGIN_STATUS_DETAIL(s) ((uint8_t)((s)&0xff))

/* RFC 7143 11.12.3: login stages (CSG/NSG). 2 is reserved. */
enum iscsi_login_stage {
	ISCSI_STAGE_SECURITY = 0,
	ISCSI_STAGE_OPERATIONAL = 1,
	ISCSI_STAGE_FULL_FEATURE = 3,
};

/* RFC 7143 11.4.2: SCSI Response "Response" field. */
enum iscsi_scsi_response {
	ISCSI_SCSI_RSP_COMPLETED = 0x00,
	ISCSI_SCSI_RSP_TARGET_FAILURE = 0x01,
};

/* RFC 7143 11.9.1: AsyncEvent codes. */
enum iscsi_async_event {
	ISCSI_ASYNC_SCSI_EVENT = 0,
	ISCSI_ASYNC_LOGOUT_REQUEST = 1,
	ISCSI_ASYNC_DROP_CONNECTION = 2,
	ISCSI_ASYNC_DROP_ALL_CONNECTIONS = 3,
	ISCSI_ASYNC_NEGOTIATION_REQUEST = 4,
	ISCSI_ASYNC_TASK_TERMINATION = 5,
	ISCSI_ASYNC_VENDOR = 255,
};

/* RFC 7143 11.3.1.3: task attributes (ATTR field of SCSI Command). */
enum iscsi_task_attr {
	ISCSI_ATTR_UNTAGGED = 0,
	ISCSI_ATTR_SIMPLE = 1,
	ISCSI_ATTR_ORDERED = 2,
	ISCSI_ATTR_HEAD_OF_QUEUE = 3,
	ISCSI_ATTR_ACA = 4,
};

/* RFC 7143 11.16.1: SNACK types. */
enum iscsi_snack_type {
	ISCSI_SNACK_DATA_R2T = 0,
	ISCSI_SNACK_STATUS = 1,
	ISCSI_SNACK_DATA_ACK = 2,
	ISCSI_SNACK_RDATA = 3,
};

/* RFC 7143 11.2.1.2: AHS types. */
enum iscsi_ahs_type {
	ISCSI_AHS_EXTENDED_CDB = 1,
	ISCSI_AHS_BIDI_READ_LEN = 2,
};

/* One whole PDU as received or to send. The buffers belong to whoever built the struct. */
struct iscsi_pdu {
	uint8_t bhs[BHS_LEN];
	uint8_t *ahs;
	uint32_t ahs_len; /* bytes, multiple of 4 */
	uint8_t *data;
	uint32_t data_len; /* DataSegmentLength, without padding */
};

/* Bytes of padding after a segment of n bytes (RFC 7143 10.1: segments end on 4-byte boundaries).
 */
static inline uint32_t iscsi_pad4(uint32_t n)
{
	return (4u - (n & 3u)) & 3u;
}

/* RFC 1982 serial number arithmetic on 32-bit sequence numbers (RFC 7143 4.2.2.1). Pairs exactly
 * 2^31 apart are neither less nor greater. */
static inline bool sna_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}
static inline bool sna_gt(uint32_t a, uint32_t b)
{
	return sna_lt(b, a);
}
static inline bool sna_le(uint32_t a, uint32_t b)
{
	return a == b || sna_lt(a, b);
}
static inline bool sna_ge(uint32_t a, uint32_t b)
{
	return a == b || sna_gt(a, b);
}

/* ---- initiator -> target ---- Each decoder returns 0 or -EBADMSG (a field value the RFC says is
 * invalid, or an AHS that does not parse). Decoders never look at pdu->data. */

struct iscsi_bhs_common {
	uint8_t opcode;	   /* 6 bits */
	bool immediate;	   /* I bit */
	bool final;	   /* F bit (T bit for login) */
	uint8_t ahs_words; /* TotalAHSLength, in 4-byte words */
	uint32_t data_len; /* DataSegmentLength, bytes, without padding */
	uint64_t lun;	   /* bytes 8..15 raw (opcode-specific for some PDUs) */
	uint32_t itt;
};

int pdu_opcode(const uint8_t bhs[BHS_LEN]); /* 6-bit opcode */
uint32_t pdu_bhs_data_len(const uint8_t bhs[BHS_LEN]);
uint32_t pdu_bhs_ahs_len(const uint8_t bhs[BHS_LEN]); /* bytes */
uint32_t pdu_bhs_itt(const uint8_t bhs[BHS_LEN]);
bool pdu_bhs_immediate(const uint8_t bhs[BHS_LEN]); /* I bit */
/* CmdSN of an initiator request that carries one (SCSI Command, NOP-Out, TMF, Text, Logout). */
uint32_t pdu_req_cmdsn(const uint8_t bhs[BHS_LEN]);
int pdu_decode_common(const uint8_t *bhs, struct iscsi_bhs_common *out);

struct iscsi_scsi_cmd {
	struct iscsi_bhs_common h;
	bool read, write;
	uint8_t attr; /* enum iscsi_task_attr */
	uint32_t exp_xfer_len;
	uint32_t cmdsn, exp_statsn;
	uint8_t cdb[16]; /* the BHS CDB field */
	/* The whole CDB, cdb_len bytes: cdb[] followed by the Extended CDB AHS (type 1) if present.
	 */
	uint8_t ext_cdb[ISCSI_MAX_CDB_LEN];
	uint16_t cdb_len;
	uint32_t exp_bidi_read_len; /* from AHS type 2, else 0 */
	bool has_bidi_read_len;
};
/* Also parses the AHS (pdu->ahs, pdu->ahs_len): extended CDB and bidirectional read length. */
int pdu_decode_scsi_cmd(const struct iscsi_pdu *pdu, struct iscsi_scsi_cmd *out);

struct iscsi_data_out {
	struct iscsi_bhs_common h;
	uint32_t ttt, exp_statsn, datasn, buffer_offset;
};
int pdu_decode_data_out(const struct iscsi_pdu *pdu, struct iscsi_data_out *out);

struct iscsi_nop_out {
	struct iscsi_bhs_common h;
	uint32_t ttt, cmdsn, exp_statsn;
};
int pdu_decode_nop_out(const struct iscsi_pdu *pdu, struct iscsi_nop_out *out);

struct iscsi_tmf_req {
	struct iscsi_bhs_common h;
	uint8_t function; /* enum iscsi_tmf_func */
	uint32_t ref_itt, cmdsn, exp_statsn, ref_cmdsn, exp_datasn;
};
int pdu_decode_tmf_req(const struct iscsi_pdu *pdu, struct iscsi_tmf_req *out);

struct iscsi_text_req {
	struct iscsi_bhs_common h;
	bool cont;
	uint32_t ttt, cmdsn, exp_statsn;
};
int pdu_decode_text_req(const struct iscsi_pdu *pdu, struct iscsi_text_req *out);

struct iscsi_logout_req {
	struct iscsi_bhs_common h;
	uint8_t reason; /* enum iscsi_logout_reason */
	uint16_t cid;
	uint32_t cmdsn, exp_statsn;
};
int pdu_decode_logout_req(const struct iscsi_pdu *pdu, struct iscsi_logout_req *out);

struct iscsi_snack {
	struct iscsi_bhs_common h;
	uint8_t type; /* enum iscsi_snack_type */
	uint32_t ttt, exp_statsn, begrun, runlength;
};
int pdu_decode_snack(const struct iscsi_pdu *pdu, struct iscsi_snack *out);

struct iscsi_login_req {
	struct iscsi_bhs_common h; /* h.final is the T (transit) bit */
	bool transit, cont;
	uint8_t csg, nsg; /* enum iscsi_login_stage; nsg meaningful only with transit */
	uint8_t version_max, version_min;
	uint8_t isid[6];
	uint16_t tsih, cid;
	uint32_t cmdsn, exp_statsn;
};
int pdu_decode_login_req(const struct iscsi_pdu *pdu, struct iscsi_login_req *out);

/* ---- target -> initiator ---- Encoders zero and fill the whole BHS (TotalAHSLength 0,
 * DataSegmentLength from data_len); they never allocate. */

struct iscsi_scsi_rsp {
	uint32_t itt;
	uint8_t response, status;
	bool overflow, underflow, bidi_overflow, bidi_underflow;
	uint32_t statsn, exp_cmdsn, max_cmdsn, exp_datasn, bidi_residual, residual;
	uint32_t data_len; /* sense data segment (2-byte SenseLength + sense), or 0 */
};
void pdu_encode_scsi_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_scsi_rsp *r);

struct iscsi_data_in {
	uint64_t lun;
	uint32_t itt, ttt; /* ttt: ISCSI_RSVD_TAG unless ack */
	bool final, ack, status_present, overflow, underflow;
	uint8_t status;
	uint32_t statsn, exp_cmdsn, max_cmdsn, datasn, buffer_offset, residual;
	uint32_t data_len;
};
void pdu_encode_data_in(uint8_t bhs[BHS_LEN], const struct iscsi_data_in *r);

struct iscsi_r2t {
	uint64_t lun;
	uint32_t itt, ttt, statsn, exp_cmdsn, max_cmdsn, r2tsn, buffer_offset, desired_len;
};
void pdu_encode_r2t(uint8_t bhs[BHS_LEN], const struct iscsi_r2t *r);

struct iscsi_nop_in {
	uint64_t lun;
	uint32_t itt, ttt, statsn, exp_cmdsn, max_cmdsn;
	uint32_t data_len;
};
void pdu_encode_nop_in(uint8_t bhs[BHS_LEN], const struct iscsi_nop_in *r);

struct iscsi_tmf_rsp {
	uint8_t response; /* enum iscsi_tmf_response */
	uint32_t itt, statsn, exp_cmdsn, max_cmdsn;
};
void pdu_encode_tmf_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_tmf_rsp *r);

struct iscsi_text_rsp {
	bool final, cont;
	uint64_t lun;
	uint32_t itt, ttt, statsn, exp_cmdsn, max_cmdsn;
	uint32_t data_len;
};
void pdu_encode_text_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_text_rsp *r);

struct iscsi_logout_rsp {
	uint8_t response; /* enum iscsi_logout_response */
	uint32_t itt, statsn, exp_cmdsn, max_cmdsn;
	uint16_t time2wait, time2retain; /* seconds */
};
void pdu_encode_logout_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_logout_rsp *r);

struct iscsi_reject {
	uint8_t reason; /* enum iscsi_reject_reason */
	uint32_t statsn, exp_cmdsn, max_cmdsn, datasn_r2tsn;
	uint32_t data_len; /* = BHS_LEN: the rejected header is the data */
};
void pdu_encode_reject(uint8_t bhs[BHS_LEN], const struct iscsi_reject *r);

struct iscsi_async {
	uint64_t lun;
	uint8_t event, vcode; /* enum iscsi_async_event */
	uint16_t param1, param2, param3;
	uint32_t statsn, exp_cmdsn, max_cmdsn;
	uint32_t data_len;
};
void pdu_encode_async(uint8_t bhs[BHS_LEN], const struct iscsi_async *r);

struct iscsi_login_rsp {
	bool transit, cont;
	uint8_t csg, nsg;
	uint8_t version_max, version_active;
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t itt, statsn, exp_cmdsn, max_cmdsn;
	uint8_t status_class, status_detail;
	uint32_t data_len;
};
void pdu_encode_login_rsp(uint8_t bhs[BHS_LEN], const struct iscsi_login_rsp *r);
/* The TSIH of an encoded Login Response, known only once the session is registered. */
void pdu_login_rsp_set_tsih(uint8_t bhs[BHS_LEN], uint16_t tsih);

/* A name for an opcode, for logs ("SCSI-Command", "unknown"). */
const char *pdu_op_name(int opcode);

#endif
