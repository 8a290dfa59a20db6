/* cdb.c: the CDB table (SPC-5 and SBC-4 command formats) and the checks made from it.
 * Usage maps list, per CDB byte, the bits a command accepts; everything else is reserved for us
 * (reserved, obsolete, or an optional feature we do not implement such as protection
 * information, rebuild assist or duration limits: the handlers refuse RDPROTECT != 0 and the
 * like themselves, pointing at the field). */
#include "target/scsi/cdb.h"

#include "target/scsi/scsi_int.h"

#define T_IO   30u /* recommended timeouts, seconds */
#define T_LONG 120u

/* Byte 1 of READ(10/12/16): RDPROTECT 7..5, DPO 4, FUA 3, RARC 2 (refused by the handler: no
 * rebuild assist), FUA_NV 1 (obsolete in SBC-4, accepted) */
#define RD1 0xfe
/* Byte 1 of WRITE(10/12/16): WRPROTECT 7..5, DPO 4, FUA 3, FUA_NV 1 */
#define WR1 0xfa
/* Byte 1 of WRITE AND VERIFY(10/12/16): WRPROTECT 7..5, DPO 4, BYTCHK 2..1 */
#define WV1 0xf6
/* Byte 1 of VERIFY(10/12/16): VRPROTECT 7..5, DPO 4, BYTCHK 2..1 */
#define VF1 0xf6

static const struct scsi_cmd service_action_in16[] = {
    {.name = "READ CAPACITY(16)",
     .opcode = 0x9e,
     .sa = 0x10,
     .cdb_len = 16,
     .usage = {0x9e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	       0x01, 0x00},
     .dir = CDB_DIR_IN,
     .flags = CDB_F_SA | CDB_F_MEDIUM | CDB_F_PR_WE | CDB_F_PR_EA,
     .start = sbc_read_capacity16,
     .timeout_s = T_IO},
    {.name = "GET LBA STATUS",
     .opcode = 0x9e,
     .sa = 0x12,
     .cdb_len = 16,
     .usage = {0x9e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	       0x00, 0x00},
     .dir = CDB_DIR_IN,
     .flags = CDB_F_SA | CDB_F_MEDIUM | CDB_F_THIN | CDB_F_PR_WE,
     .start = sbc_get_lba_status,
     .resume = sbc_get_lba_status_resume,
     .timeout_s = T_IO},
    {.name = NULL},
};

static const struct scsi_cmd maintenance_in[] = {
    {.name = "REPORT SUPPORTED OPERATION CODES",
     .opcode = 0xa3,
     .sa = 0x0c,
     .cdb_len = 12,
     .usage = {0xa3, 0x00, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00},
     .dir = CDB_DIR_IN,
     .flags = CDB_F_SA | CDB_F_PR_WE | CDB_F_PR_EA,
     .start = spc_report_supported_opcodes,
     .timeout_s = T_IO},
    {.name = NULL},
};

static const struct scsi_cmd extended_copy[] = {
    {.name = "EXTENDED COPY(LID1)",
     .opcode = 0x83,
     .sa = 0x00,
     .cdb_len = 16,
     .usage = {0x83, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	       0x00, 0x00},
     .dir = CDB_DIR_OUT,
     .flags = CDB_F_SA | CDB_F_MEDIUM,
     .start = xcopy_extended_copy,
     .resume = xcopy_extended_copy_resume,
     .timeout_s = T_LONG},
    {.name = NULL},
};

static const struct scsi_cmd receive_copy_results[] = {
    {.name = "RECEIVE COPY RESULTS(COPY STATUS)",
     .opcode = 0x84,
     .sa = 0x00,
     .cdb_len = 16,
     .usage = {0x84, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	       0x00, 0x00},
     .dir = CDB_DIR_IN,
     .flags = CDB_F_SA,
     .start = xcopy_receive_copy_results,
     .timeout_s = T_IO},
    {.name = "RECEIVE COPY RESULTS(OPERATING PARAMETERS)",
     .opcode = 0x84,
     .sa = 0x03,
     .cdb_len = 16,
     .usage = {0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	       0x00, 0x00},
     .dir = CDB_DIR_IN,
     .flags = CDB_F_SA,
     .start = xcopy_receive_copy_results,
     .timeout_s = T_IO},
    {.name = NULL},
};

/* SANITIZE (SBC-4 5.30): byte 1 IMMED (7), AUSE (5); PARAMETER LIST LENGTH in bytes 7-8. */
#define SANITIZE_CMD(nm, code, more)                                                               \
	{                                                                                          \
		.name = nm, .opcode = SCSI_OP_SANITIZE, .sa = code, .cdb_len = 10,                 \
		.usage = {SCSI_OP_SANITIZE, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00}, \
		.dir = CDB_DIR_OUT, .flags = CDB_F_SA | CDB_F_MEDIUM | CDB_F_WRITES | (more),      \
		.start = sanitize_start, .resume = sanitize_resume, .timeout_s = 3600              \
	}

static const struct scsi_cmd sanitize[] = {
    SANITIZE_CMD("SANITIZE(OVERWRITE)", 0x01, 0),
    SANITIZE_CMD("SANITIZE(BLOCK ERASE)", 0x02, CDB_F_THIN),
    SANITIZE_CMD("SANITIZE(EXIT FAILURE MODE)", 0x1f, 0),
    {.name = NULL},
};

/* Indexed by opcode. An entry with .sa_list set has service actions. */
static const struct {
	const struct scsi_cmd *cmd;
	const struct scsi_cmd *sa_list;
} table[256] = {
    [0x00] = {&(const struct scsi_cmd){.name = "TEST UNIT READY",
				       .opcode = 0x00,
				       .cdb_len = 6,
				       .usage = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE | CDB_F_PR_EA,
				       .start = spc_test_unit_ready,
				       .timeout_s = T_IO}},
    [0x03] = {&(const struct scsi_cmd){.name = "REQUEST SENSE",
				       .opcode = 0x03,
				       .cdb_len = 6,
				       .usage = {0x03, 0x01, 0x00, 0x00, 0xff, 0x00},
				       .dir = CDB_DIR_IN,
				       .flags = CDB_F_UA_EXEMPT | CDB_F_ANY_LUN | CDB_F_PR_WE |
						CDB_F_PR_EA | CDB_F_SPC2_OK,
				       .start = spc_request_sense,
				       .timeout_s = T_IO}},
    [0x08] = {&(const struct scsi_cmd){.name = "READ(6)",
				       .opcode = 0x08,
				       .cdb_len = 6,
				       .usage = {0x08, 0x1f, 0xff, 0xff, 0xff, 0x00},
				       .dir = CDB_DIR_IN,
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE,
				       .start = sbc_read,
				       .timeout_s = T_IO}},
    [0x0a] = {&(const struct scsi_cmd){.name = "WRITE(6)",
				       .opcode = 0x0a,
				       .cdb_len = 6,
				       .usage = {0x0a, 0x1f, 0xff, 0xff, 0xff, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_write,
				       .timeout_s = T_IO}},
    [0x12] = {&(const struct scsi_cmd){.name = "INQUIRY",
				       .opcode = 0x12,
				       .cdb_len = 6,
				       .usage = {0x12, 0x01, 0xff, 0xff, 0xff, 0x00},
				       .dir = CDB_DIR_IN,
				       .flags = CDB_F_UA_EXEMPT | CDB_F_ANY_LUN | CDB_F_PR_WE |
						CDB_F_PR_EA | CDB_F_SPC2_OK,
				       .start = spc_inquiry,
				       .timeout_s = T_IO}},
    [0x15] = {&(const struct scsi_cmd){.name = "MODE SELECT(6)",
				       .opcode = 0x15,
				       .cdb_len = 6,
				       .usage = {0x15, 0x11, 0x00, 0x00, 0xff, 0x00},
				       .dir = CDB_DIR_OUT,
				       .start = mode_select,
				       .resume = mode_select_resume,
				       .timeout_s = T_IO}},
    [0x16] = {&(const struct scsi_cmd){.name = "RESERVE(6)",
				       .opcode = 0x16,
				       .cdb_len = 6,
				       .usage = {0x16, 0x00, 0x00, 0x00, 0x00, 0x00},
				       .start = pr_spc2_reserve,
				       .timeout_s = T_IO}},
    [0x17] = {&(const struct scsi_cmd){.name = "RELEASE(6)",
				       .opcode = 0x17,
				       .cdb_len = 6,
				       .usage = {0x17, 0x00, 0x00, 0x00, 0x00, 0x00},
				       .flags = CDB_F_SPC2_OK,
				       .start = pr_spc2_release,
				       .timeout_s = T_IO}},
    [0x1a] = {&(const struct scsi_cmd){.name = "MODE SENSE(6)",
				       .opcode = 0x1a,
				       .cdb_len = 6,
				       .usage = {0x1a, 0x08, 0xff, 0xff, 0xff, 0x00},
				       .dir = CDB_DIR_IN,
				       .flags = CDB_F_PR_WE,
				       .start = mode_sense,
				       .timeout_s = T_IO}},
    [0x1b] = {&(const struct scsi_cmd){.name = "START STOP UNIT",
				       .opcode = 0x1b,
				       .cdb_len = 6,
				       .usage = {0x1b, 0x01, 0x00, 0x0f, 0xf7, 0x00},
				       .flags = CDB_F_PR_WE,
				       .start = spc_start_stop_unit,
				       .timeout_s = T_IO}},
    [0x1e] = {&(const struct scsi_cmd){.name = "PREVENT ALLOW MEDIUM REMOVAL",
				       .opcode = 0x1e,
				       .cdb_len = 6,
				       .usage = {0x1e, 0x00, 0x00, 0x00, 0x03, 0x00},
				       .flags = CDB_F_PR_WE,
				       .start = spc_prevent_allow,
				       .timeout_s = T_IO}},
    [0x25] = {&(const struct scsi_cmd){
	.name = "READ CAPACITY(10)",
	.opcode = 0x25,
	.cdb_len = 10,
	.usage = {0x25, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE | CDB_F_PR_EA,
	.start = sbc_read_capacity10,
	.timeout_s = T_IO}},
    [0x28] = {&(const struct scsi_cmd){
	.name = "READ(10)",
	.opcode = 0x28,
	.cdb_len = 10,
	.usage = {0x28, RD1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_read,
	.timeout_s = T_IO}},
    [0x2a] = {&(const struct scsi_cmd){
	.name = "WRITE(10)",
	.opcode = 0x2a,
	.cdb_len = 10,
	.usage = {0x2a, WR1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES,
	.start = sbc_write,
	.timeout_s = T_IO}},
    [0x2e] = {&(const struct scsi_cmd){
	.name = "WRITE AND VERIFY(10)",
	.opcode = 0x2e,
	.cdb_len = 10,
	.usage = {0x2e, WV1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES,
	.start = sbc_write,
	.timeout_s = T_IO}},
    [0x2f] = {&(const struct scsi_cmd){
	.name = "VERIFY(10)",
	.opcode = 0x2f,
	.cdb_len = 10,
	.usage = {0x2f, VF1, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_verify,
	.resume = sbc_verify_resume,
	.timeout_s = T_IO}},
    [0x34] = {&(const struct scsi_cmd){
	.name = "PRE-FETCH(10)",
	.opcode = 0x34,
	.cdb_len = 10,
	.usage = {0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_prefetch,
	.timeout_s = T_IO}},
    [0x35] = {&(const struct scsi_cmd){
	.name = "SYNCHRONIZE CACHE(10)",
	.opcode = 0x35,
	.cdb_len = 10,
	.usage = {0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_sync_cache,
	.resume = sbc_io_resume,
	.timeout_s = T_LONG}},
    [0x37] = {&(const struct scsi_cmd){
	.name = "READ DEFECT DATA(10)",
	.opcode = 0x37,
	.cdb_len = 10,
	.usage = {0x37, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_read_defect_data,
	.timeout_s = T_IO}},
    [0x41] = {&(const struct scsi_cmd){
	.name = "WRITE SAME(10)",
	.opcode = 0x41,
	.cdb_len = 10,
	.usage = {0x41, 0xe8, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES,
	.start = sbc_write_same,
	.resume = sbc_write_same_resume,
	.timeout_s = T_LONG}},
    [0x42] = {&(const struct scsi_cmd){
	.name = "UNMAP",
	.opcode = 0x42,
	.cdb_len = 10,
	.usage = {0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES | CDB_F_THIN,
	.start = sbc_unmap,
	.resume = sbc_unmap_resume,
	.timeout_s = T_LONG}},
    [SCSI_OP_SANITIZE] = {NULL, sanitize},
    [0x55] = {&(const struct scsi_cmd){
	.name = "MODE SELECT(10)",
	.opcode = 0x55,
	.cdb_len = 10,
	.usage = {0x55, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.start = mode_select,
	.resume = mode_select_resume,
	.timeout_s = T_IO}},
    [0x56] = {&(const struct scsi_cmd){
	.name = "RESERVE(10)",
	.opcode = 0x56,
	.cdb_len = 10,
	.usage = {0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	.start = pr_spc2_reserve,
	.timeout_s = T_IO}},
    [0x57] = {&(const struct scsi_cmd){
	.name = "RELEASE(10)",
	.opcode = 0x57,
	.cdb_len = 10,
	.usage = {0x57, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	.flags = CDB_F_SPC2_OK,
	.start = pr_spc2_release,
	.timeout_s = T_IO}},
    [0x5a] = {&(const struct scsi_cmd){
	.name = "MODE SENSE(10)",
	.opcode = 0x5a,
	.cdb_len = 10,
	.usage = {0x5a, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_PR_WE,
	.start = mode_sense,
	.timeout_s = T_IO}},
    [0x5e] = {&(const struct scsi_cmd){
	.name = "PERSISTENT RESERVE IN",
	.opcode = 0x5e,
	.cdb_len = 10,
	.usage = {0x5e, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_PR_WE | CDB_F_PR_EA,
	.start = pr_in,
	.timeout_s = T_IO}},
    [0x5f] = {&(const struct scsi_cmd){
	.name = "PERSISTENT RESERVE OUT",
	.opcode = 0x5f,
	.cdb_len = 10,
	.usage = {0x5f, 0x1f, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_PR_WE | CDB_F_PR_EA, /* pr_out() applies SPC-4 5.9.7 ff. */
	.start = pr_out,
	.resume = pr_out_resume,
	.timeout_s = T_IO}},
    [0x83] = {NULL, extended_copy},
    [0x84] = {NULL, receive_copy_results},
    [0x88] = {&(const struct scsi_cmd){.name = "READ(16)",
				       .opcode = 0x88,
				       .cdb_len = 16,
				       .usage = {0x88, RD1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_IN,
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE,
				       .start = sbc_read,
				       .timeout_s = T_IO}},
    [0x89] = {&(const struct scsi_cmd){.name = "COMPARE AND WRITE",
				       .opcode = 0x89,
				       .cdb_len = 16,
				       .usage = {0x89, WR1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0x1f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_compare_and_write,
				       .resume = sbc_compare_and_write_resume,
				       .timeout_s = T_IO}},
    [0x8a] = {&(const struct scsi_cmd){.name = "WRITE(16)",
				       .opcode = 0x8a,
				       .cdb_len = 16,
				       .usage = {0x8a, WR1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_write,
				       .timeout_s = T_IO}},
    [0x8b] = {&(const struct scsi_cmd){.name = "ORWRITE(16)",
				       .opcode = 0x8b,
				       .cdb_len = 16,
				       .usage = {0x8b, WR1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_orwrite,
				       .resume = sbc_orwrite_resume,
				       .timeout_s = T_IO}},
    [0x8e] = {&(const struct scsi_cmd){.name = "WRITE AND VERIFY(16)",
				       .opcode = 0x8e,
				       .cdb_len = 16,
				       .usage = {0x8e, WV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_write,
				       .timeout_s = T_IO}},
    [0x8f] = {&(const struct scsi_cmd){.name = "VERIFY(16)",
				       .opcode = 0x8f,
				       .cdb_len = 16,
				       .usage = {0x8f, VF1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE,
				       .start = sbc_verify,
				       .resume = sbc_verify_resume,
				       .timeout_s = T_IO}},
    [0x90] = {&(const struct scsi_cmd){.name = "PRE-FETCH(16)",
				       .opcode = 0x90,
				       .cdb_len = 16,
				       .usage = {0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE,
				       .start = sbc_prefetch,
				       .timeout_s = T_IO}},
    [0x91] = {&(const struct scsi_cmd){.name = "SYNCHRONIZE CACHE(16)",
				       .opcode = 0x91,
				       .cdb_len = 16,
				       .usage = {0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .flags = CDB_F_MEDIUM | CDB_F_PR_WE,
				       .start = sbc_sync_cache,
				       .resume = sbc_io_resume,
				       .timeout_s = T_LONG}},
    [0x93] = {&(const struct scsi_cmd){.name = "WRITE SAME(16)",
				       .opcode = 0x93,
				       .cdb_len = 16,
				       .usage = {0x93, 0xe9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_write_same,
				       .resume = sbc_write_same_resume,
				       .timeout_s = T_LONG}},
    [0x9c] = {&(const struct scsi_cmd){.name = "WRITE ATOMIC(16)",
				       .opcode = 0x9c,
				       .cdb_len = 16,
				       .usage = {0x9c, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0x00},
				       .dir = CDB_DIR_OUT,
				       .flags = CDB_F_MEDIUM | CDB_F_WRITES,
				       .start = sbc_write_atomic,
				       .resume = sbc_write_atomic_resume,
				       .timeout_s = T_IO}},
    [0x9e] = {NULL, service_action_in16},
    [0xa0] = {&(const struct scsi_cmd){
	.name = "REPORT LUNS",
	.opcode = 0xa0,
	.cdb_len = 12,
	.usage = {0xa0, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_UA_EXEMPT | CDB_F_ANY_LUN | CDB_F_PR_WE | CDB_F_PR_EA | CDB_F_SPC2_OK,
	.start = spc_report_luns,
	.timeout_s = T_IO}},
    [0xa3] = {NULL, maintenance_in},
    [0xa8] = {&(const struct scsi_cmd){
	.name = "READ(12)",
	.opcode = 0xa8,
	.cdb_len = 12,
	.usage = {0xa8, RD1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_read,
	.timeout_s = T_IO}},
    [0xaa] = {&(const struct scsi_cmd){
	.name = "WRITE(12)",
	.opcode = 0xaa,
	.cdb_len = 12,
	.usage = {0xaa, WR1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES,
	.start = sbc_write,
	.timeout_s = T_IO}},
    [0xae] = {&(const struct scsi_cmd){
	.name = "WRITE AND VERIFY(12)",
	.opcode = 0xae,
	.cdb_len = 12,
	.usage = {0xae, WV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_WRITES,
	.start = sbc_write,
	.timeout_s = T_IO}},
    [0xaf] = {&(const struct scsi_cmd){
	.name = "VERIFY(12)",
	.opcode = 0xaf,
	.cdb_len = 12,
	.usage = {0xaf, VF1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00},
	.dir = CDB_DIR_OUT,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_verify,
	.resume = sbc_verify_resume,
	.timeout_s = T_IO}},
    [0xb7] = {&(const struct scsi_cmd){
	.name = "READ DEFECT DATA(12)",
	.opcode = 0xb7,
	.cdb_len = 12,
	.usage = {0xb7, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00},
	.dir = CDB_DIR_IN,
	.flags = CDB_F_MEDIUM | CDB_F_PR_WE,
	.start = sbc_read_defect_data,
	.timeout_s = T_IO}},
};

const struct scsi_cmd *cdb_find(uint8_t opcode, uint8_t sa)
{
	const struct scsi_cmd *c = table[opcode].sa_list;
	if (!c)
		return table[opcode].cmd;
	for (; c->name; c++)
		if (c->sa == sa)
			return c;
	return NULL;
}

const struct scsi_cmd *cdb_lookup(const uint8_t *cdb, size_t len)
{
	if (len < 2)
		return NULL;
	return cdb_find(cdb[0], cdb[1] & 0x1f);
}

bool cdb_opcode_has_sa(uint8_t opcode)
{
	return table[opcode].sa_list != NULL;
}

size_t cdb_list(const struct scsi_cmd **out, size_t cap)
{
	size_t n = 0;
	for (unsigned op = 0; op < 256; op++) {
		const struct scsi_cmd *c = table[op].sa_list;
		if (!c) {
			if (table[op].cmd && n < cap)
				out[n] = table[op].cmd;
			n += table[op].cmd != NULL;
			continue;
		}
		for (; c->name; c++) {
			if (n < cap)
				out[n] = c;
			n++;
		}
	}
	return n;
}

static int highest_bit(uint8_t v)
{
	int b = 7;
	while (b > 0 && !(v & (1u << b)))
		b--;
	return b;
}

bool cdb_check(const struct scsi_cmd *cmd, const uint8_t *cdb, struct sense *err)
{
	unsigned last = cmd->cdb_len - 1u;
	for (unsigned i = 1; i <= last; i++) {
		uint8_t allowed = cmd->usage[i];
		if (i == 1 && (cmd->flags & CDB_F_SA))
			allowed |= 0x1f;
		if (i == last)
			allowed |= 0xc0; /* SAM-5 5.2: vendor specific bits of the CONTROL byte */
		uint8_t bad = cdb[i] & (uint8_t)~allowed;
		if (bad) {
			*err = sense_invalid_field_in_cdb(i, highest_bit(bad));
			return false;
		}
	}
	return true;
}

void cdb_usage(const struct scsi_cmd *cmd, uint8_t out[CDB_MAX_LEN])
{
	for (unsigned i = 0; i < CDB_MAX_LEN; i++)
		out[i] = i < cmd->cdb_len ? cmd->usage[i] : 0;
	out[0] = cmd->opcode;
	if (cmd->flags & CDB_F_SA)
		out[1] |= cmd->sa;
}
