/* initiator.h: the initiator's half of RFC 7143 section 11 for tests and fuzzing: builders that
 * write the BHS of every initiator -> target PDU byte by byte (common/wire.h accessors, never the
 * target's own encoders, so a shared mistake cannot hide), the text keys real initiators send
 * (iPXE and open-iscsi, as captured from them), and the field offsets of target -> initiator PDUs
 * for decoding them. */
#ifndef RINGSAN_TEST_ISCSI_INITIATOR_H
#define RINGSAN_TEST_ISCSI_INITIATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/iscsi/pdu.h"

#define INI_TARGET    "iqn.2026-11.org.ringsan:disk"
#define INI_NAME_IPXE "iqn.2010-04.org.ipxe:00112233-4455"
#define INI_NAME_LNX  "iqn.2004-10.com.debian:01:abcdef"

/* Login key sets, one pair per line ('\n' becomes NUL on the wire). */
extern const char ini_keys_ipxe_security[];    /* iPXE PDU 1: security stage, AuthMethod=None */
extern const char ini_keys_ipxe_operational[]; /* iPXE PDU 2: the 14 operational keys */
extern const char ini_keys_linux[];	       /* Linux: one operational PDU with 20 keys */
extern const char ini_keys_discovery[];	       /* a discovery session, one PDU */
extern const char ini_keys_linux_fuzz[];       /* Linux's keys with 8 KiB segments, 2 R2Ts */
extern const uint8_t ini_isid[6];

/* The session fuzz_conn.c scripts before the fuzzed bytes, and test_conn.c reproduces when it
 * writes the seeds (a mode byte chooses the login, then the initiator's bytes follow). */
enum ini_fuzz_mode {
	INI_FUZZ_MODE_LINUX,
	INI_FUZZ_MODE_IPXE,
	INI_FUZZ_MODE_DISCOVERY,
	INI_FUZZ_MODES
};
#define INI_FUZZ_QUEUE_DEPTH 8
#define INI_FUZZ_READ_CHUNK  24576
#define INI_FUZZ_MRDSL	     8192
#define INI_FUZZ_MBL	     32768
#define INI_FUZZ_FBL	     16384
#define INI_FUZZ_R2T	     2
#define INI_FUZZ_CMDSN	     7 /* CmdSN of the login and of the first command */
#define INI_FUZZ_ITT	     0x100

/* Field offsets in a target -> initiator BHS (RFC 7143 11.4 - 11.17). */
enum {
	INI_OFF_FLAGS = 1,
	INI_OFF_RESPONSE = 2, /* SCSI Response response, TMF/Logout response, Reject reason */
	INI_OFF_STATUS = 3,   /* SCSI status (SCSI Response, Data-In with S) */
	INI_OFF_DSL = 5,
	INI_OFF_LUN = 8,
	INI_OFF_TSIH = 14,
	INI_OFF_ITT = 16,
	INI_OFF_TTT = 20,
	INI_OFF_STATSN = 24,
	INI_OFF_EXPCMDSN = 28,
	INI_OFF_MAXCMDSN = 32,
	INI_OFF_DATASN = 36,	   /* Data-In DataSN, R2T R2TSN, SCSI Response ExpDataSN */
	INI_OFF_LOGIN_STATUS = 36, /* Login Response status class, then detail */
	INI_OFF_BUFOFF = 40,	   /* Data-In / R2T buffer offset; Logout Time2Wait (16 bits) */
	INI_OFF_RESIDUAL = 44,	   /* Data-In / SCSI Response residual; R2T desired length */
};

/* Flag bits of byte 1 in target PDUs. */
#define INI_F	  0x80
#define INI_C	  0x40 /* Text/Login continue */
#define INI_T	  0x80 /* Login transit */
#define INI_DI_A  0x40
#define INI_DI_O  0x04
#define INI_DI_U  0x02
#define INI_DI_S  0x01
#define INI_RSP_O 0x04
#define INI_RSP_U 0x02

struct ini_login {
	bool transit, cont;
	uint8_t csg, nsg;
	uint8_t isid[6];
	uint16_t tsih, cid;
	uint32_t itt, cmdsn, exp_statsn;
};

struct ini_cmd {
	bool immediate, final, read, write;
	uint8_t attr; /* enum iscsi_task_attr */
	uint64_t lun;
	uint32_t itt, edtl, cmdsn, exp_statsn;
	uint8_t cdb[16];
};

struct ini_data_out {
	bool final;
	uint64_t lun;
	uint32_t itt, ttt, exp_statsn, datasn, offset;
};

struct ini_nop_out {
	bool immediate;
	uint64_t lun;
	uint32_t itt, ttt, cmdsn, exp_statsn;
};

struct ini_tmf {
	bool immediate;
	uint8_t function; /* enum iscsi_tmf_func */
	uint64_t lun;
	uint32_t itt, ref_itt, cmdsn, exp_statsn, ref_cmdsn, exp_datasn;
};

struct ini_text {
	bool immediate, final, cont;
	uint64_t lun;
	uint32_t itt, ttt, cmdsn, exp_statsn;
};

struct ini_logout {
	bool immediate;
	uint8_t reason; /* enum iscsi_logout_reason */
	uint16_t cid;
	uint32_t itt, cmdsn, exp_statsn;
};

/* Each builder zeroes pdu and writes its BHS; data (len bytes, may be NULL when len is 0) is
 * referenced, not copied, and DataSegmentLength is set to len. */
void ini_build_login(struct iscsi_pdu *pdu, const struct ini_login *l, uint8_t *data, uint32_t len);
void ini_build_scsi_cmd(struct iscsi_pdu *pdu, const struct ini_cmd *c, uint8_t *data,
			uint32_t len);
void ini_build_data_out(struct iscsi_pdu *pdu, const struct ini_data_out *d, uint8_t *data,
			uint32_t len);
void ini_build_nop_out(struct iscsi_pdu *pdu, const struct ini_nop_out *n, uint8_t *data,
		       uint32_t len);
void ini_build_tmf(struct iscsi_pdu *pdu, const struct ini_tmf *t);
void ini_build_text(struct iscsi_pdu *pdu, const struct ini_text *t, uint8_t *data, uint32_t len);
void ini_build_logout(struct iscsi_pdu *pdu, const struct ini_logout *l);

/* "Key=Value\nKey=Value" -> "Key=Value\0Key=Value\0" in out. Returns the length, or 0 when it
 * does not fit. */
uint32_t ini_text_keys(const char *lines, uint8_t *out, uint32_t cap);

/* CDB builders (SBC-4 / SPC-5). */
void ini_cdb_rw10(uint8_t cdb[16], uint8_t opcode, uint32_t lba, uint16_t blocks);
void ini_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc_len);

#endif
