/* test_conn.c: the whole target stack byte for byte, without sockets: initiator PDUs (written by
 * initiator.c, RFC 7143 section 11) are serialized, cut into bytes and framed by the framer, fed
 * to conn_recv; the connection engine and session (conn.c, conn_cmd.c) drive the SCSI layer over an
 * in-memory disk (blk_mem); every PDU the target queues is flattened as the daemon would send it
 * and decoded back. Invariants checked on every target PDU: StatSN sequence, ExpCmdSN/MaxCmdSN
 * never going back, data segments within the initiator's MaxRecvDataSegmentLength, digests.
 *
 * Cases marked BUG show a behaviour of the target that the RFC forbids; their assertions stay
 * until the code is fixed.
 *
 * `unit_iscsi_conn --write-corpus DIR` also writes the fuzz seeds of test/fuzz/iscsi/fuzz_conn.c
 * (a mode byte, then the initiator's bytes after the scripted login). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/wire.h"
#include "target/iscsi/chap.h"
#include "target/iscsi/crc32c.h"
#include "test/unit/iscsi/pipe.h"

/* ---- cases: login ---- */

static void test_login_ipxe(void)
{
	struct pipe p;
	struct text_in text;
	struct rx *r;

	pipe_init(&p, NULL);
	if (text_in_init(&text, 65536) != 0)
		abort();
	const struct login_step sec = {true, 0, 1, ini_keys_ipxe_security};
	CHECK_EQ(login_pdu(&p, &sec, &text, &r), 0);
	CHECK(r->bhs[1] & INI_T);
	CHECK_EQ((r->bhs[1] >> 2) & 3, ISCSI_STAGE_SECURITY);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_OPERATIONAL);
	CHECK_EQ(rx32(r, INI_OFF_STATSN), 1);
	CHECK_EQ(rx32(r, INI_OFF_MAXCMDSN), p.cmdsn + 16 - 1);
	CHECK_STR(text_in_get(&text, "AuthMethod"), "None");
	CHECK_STR(text_in_get(&text, "TargetPortalGroupTag"), "1");
	CHECK_EQ(conn_phase(p.c), CONN_LOGIN);
	const struct login_step op = {true, 1, 3, ini_keys_ipxe_operational};
	CHECK_EQ(login_pdu(&p, &op, &text, &r), 0);
	CHECK(r->bhs[1] & INI_T);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_FULL_FEATURE);
	CHECK_EQ(get_be16(r->bhs + INI_OFF_TSIH), 0x0042);
	CHECK_EQ(rx32(r, INI_OFF_STATSN), 2);
	CHECK_STR(text_in_get(&text, "InitialR2T"), "Yes");
	CHECK_STR(text_in_get(&text, "ImmediateData"), "No");
	CHECK_STR(text_in_get(&text, "MaxRecvDataSegmentLength"), "8192");
	CHECK_STR(text_in_get(&text, "FirstBurstLength"), "Irrelevant");
	text_in_fini(&text);
	enter_ffp(&p);
	CHECK_STR(conn_initiator_name(p.c), INI_NAME_IPXE);
	CHECK_STR(conn_target_name(p.c), INI_TARGET);
	CHECK_MEM(conn_isid(p.c), test_isid, 6);
	CHECK_EQ(conn_tsih(p.c), 0x0042);
	CHECK_EQ(p.gets, 1);
	CHECK_EQ(p.adds, 1);
	CHECK(p.initial_r2t && !p.immediate_data);
	CHECK_EQ(p.mbl, 262144);
	CHECK_EQ(p.max_r2t, 1);
	clear_ua(&p);
	CHECK(conn_idle(p.c));
	pipe_fini(&p);
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.removes, 1);
}

static void test_login_linux(void)
{
	struct pipe p;
	struct text_in text;
	struct rx *r;

	pipe_init(&p, NULL);
	if (text_in_init(&text, 65536) != 0)
		abort();
	const struct login_step s = {true, 1, 3, ini_keys_linux};
	CHECK_EQ(login_pdu(&p, &s, &text, &r), 0);
	CHECK(r->bhs[1] & INI_T);
	CHECK_EQ((r->bhs[1] >> 2) & 3, ISCSI_STAGE_OPERATIONAL);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_FULL_FEATURE);
	CHECK_EQ(get_be16(r->bhs + INI_OFF_TSIH), 0x0042);
	CHECK_STR(text_in_get(&text, "InitialR2T"), "No");
	CHECK_STR(text_in_get(&text, "ImmediateData"), "Yes");
	CHECK_STR(text_in_get(&text, "MaxRecvDataSegmentLength"), "8192");
	CHECK_STR(text_in_get(&text, "MaxBurstLength"), "1048576");
	CHECK_STR(text_in_get(&text, "FirstBurstLength"), "65536");
	CHECK_STR(text_in_get(&text, "IFMarker"), "No");
	CHECK_STR(text_in_get(&text, "OFMarker"), "No");
	text_in_fini(&text);
	enter_ffp(&p);
	CHECK_EQ(p.ini_mrdsl, 262144);
	clear_ua(&p);
	/* INQUIRY, REPORT LUNS and REQUEST SENSE do not consume a unit attention; see residuals. */
	pipe_fini(&p);
}

/* iPXE with CHAP: T=1 on every security PDU; a wrong response fails 02/01 and closes. */
static void chap_login(bool right)
{
	struct pipe_opts o = {.chap = true};
	struct pipe p;
	struct text_in text;
	struct rx *r;
	char keys[512], hex[2 * CHAP_MAX_DIGEST + 3];
	uint8_t chal[CHAP_MAX_BINARY], digest[CHAP_MAX_DIGEST];

	pipe_init(&p, &o);
	if (text_in_init(&text, 65536) != 0)
		abort();
	snprintf(keys, sizeof(keys),
		 "InitiatorName=%s\nTargetName=%s\nSessionType=Normal\n"
		 "AuthMethod=CHAP,None",
		 INI_NAME_IPXE, INI_TARGET);
	const struct login_step s1 = {true, 0, 1, keys};
	CHECK_EQ(login_pdu(&p, &s1, &text, &r), 0);
	CHECK_STR(text_in_get(&text, "AuthMethod"), "CHAP");
	CHECK(!(r->bhs[1] & INI_T));
	const struct login_step s2 = {true, 0, 1, "CHAP_A=5"};
	CHECK_EQ(login_pdu(&p, &s2, &text, &r), 0);
	CHECK_STR(text_in_get(&text, "CHAP_A"), "5");
	const char *id = text_in_get(&text, "CHAP_I"), *c = text_in_get(&text, "CHAP_C");
	CHECK(id && c);
	int n = c ? chap_decode_binary(c, chal, sizeof(chal)) : -1;
	CHECK(n >= 16);
	const char *secret = right ? "alicesecret1" : "wrongsecret1";
	chap_response(CHAP_ALG_MD5, (uint8_t)(id ? atoi(id) : 0), (const uint8_t *)secret,
		      strlen(secret), chal, n > 0 ? (size_t)n : 0, digest);
	chap_encode_hex(digest, 16, hex, sizeof(hex));
	snprintf(keys, sizeof(keys), "CHAP_N=alice\nCHAP_R=%s", hex);
	const struct login_step s3 = {true, 0, 1, keys};
	uint16_t st = login_pdu(&p, &s3, &text, &r);
	if (!right) {
		CHECK_EQ(st, ISCSI_LOGIN_STATUS_AUTH_FAILED);
		CHECK(conn_phase(p.c) == CONN_LOGGED_OUT || conn_phase(p.c) >= CONN_CLOSING);
		CHECK_EQ(p.gets, 0);
		text_in_fini(&text);
		pipe_fini(&p);
		return;
	}
	CHECK_EQ(st, 0);
	CHECK(r->bhs[1] & INI_T);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_OPERATIONAL);
	const struct login_step s4 = {true, 1, 3, ini_keys_ipxe_operational};
	CHECK_EQ(login_pdu(&p, &s4, &text, &r), 0);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_FULL_FEATURE);
	text_in_fini(&text);
	enter_ffp(&p);
	clear_ua(&p);
	pipe_fini(&p);
}

static void test_login_chap(void)
{
	chap_login(true);
	chap_login(false);
}

/* ---- cases: WRITE then READ of the same range ---- */

struct rw_case {
	const char *name;
	bool ipxe;	       /* iPXE's two-PDU login, else Linux's with overrides */
	const char *overrides; /* Linux key overrides */
	uint32_t tgt_mrdsl, fbl, mbl, max_r2t, read_chunk;
	uint32_t len;
	/* expectations */
	unsigned r2ts, max_outstanding, data_outs, data_ins, seqs;
};

static const struct rw_case rw_cases[] = {
    /* immediate 8K + unsolicited 8K (FirstBurstLength 16K), then R2Ts of 16K, two at a
     * time; read back in 8K Data-In, F every 16K */
    {"linux immediate+unsolicited+R2T", false,
     "MaxRecvDataSegmentLength=8192\nMaxBurstLength=16384\nMaxOutstandingR2T=2", 8192, 16384,
     262144, 4, 65536, 65536, 3, 2, 7, 8, 4},
    /* iPXE: InitialR2T=Yes, ImmediateData=No: one R2T of the whole 64K */
    {"ipxe R2T only", true, NULL, 8192, 65536, 1048576, 1, 65536, 65536, 1, 1, 8, 8, 1},
    /* Linux as it comes: 64K immediate in one PDU, nothing else */
    {"linux defaults", false, NULL, 262144, 65536, 1048576, 1, 262144, 65536, 0, 0, 0, 1, 1},
    /* MaxOutstandingR2T=1 with several bursts: one R2T at a time */
    {"one R2T at a time", false,
     "InitialR2T=Yes\nImmediateData=No\nMaxRecvDataSegmentLength=8192\nMaxBurstLength=16384", 8192,
     16384, 262144, 1, 65536, 65536, 4, 1, 8, 8, 4},
    /* BUG (same as the next case): read chunks (cfg.read_chunk) that do not line up with
     * MaxBurstLength: F is only set when a PDU happens to end on a multiple of
     * MaxBurstLength, so after the first chunk the Data-In sequence runs 48K long. */
    {"read chunk 20000", false, "MaxRecvDataSegmentLength=8192\nMaxBurstLength=16384", 8192, 16384,
     262144, 1, 20000, 65536, 3, 1, 7, 0, 4},
    /* a 1 MiB transfer: streamed in read_chunk pieces, Data-In of up to 64K each */
    {"linux 1 MiB", false, NULL, 262144, 65536, 1048576, 1, 65536, 1048576, 1, 1, 4, 16, 1},
    /* BUG: MaxBurstLength not a multiple of the initiator's MaxRecvDataSegmentLength: a Data-In
     * PDU straddles the burst boundary, so the sequence grows past MaxBurstLength and F is
     * never set at the boundary (RFC 7143 13.13: MaxBurstLength is the most SCSI data in one
     * Data-In sequence). send_data_in() must cut PDUs at burst boundaries. */
    {"burst 12288 with 8K segments", false, "MaxRecvDataSegmentLength=8192\nMaxBurstLength=12288",
     8192, 12288, 262144, 1, 65536, 65536, 0, 1, 0, 0, 6},
};

static void rw_case_run(const struct rw_case *k)
{
	struct pipe_opts o = {.read_chunk = k->read_chunk, .custom_limits = true};
	struct pipe p;
	struct write_trace w;
	static struct read_result rr;
	static uint8_t buf[1 << 20];
	const uint32_t lba = 1000;

	iscsi_target_limits_default(&o.limits);
	o.limits.max_recv_data_segment_length = k->tgt_mrdsl;
	o.limits.first_burst_length = k->fbl;
	o.limits.max_burst_length = k->mbl;
	o.limits.max_outstanding_r2t = k->max_r2t;
	pipe_init(&p, &o);
	bool ok = k->ipxe ? login_ipxe(&p)
			  : login_linux(&p, k->overrides ? keys_with(ini_keys_linux, k->overrides)
							 : NULL);
	if (!ok) {
		FAIL("%s: login failed", k->name);
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	fill_pattern(buf, k->len, k->len + lba);
	uint32_t statsn = p.exp_statsn;
	do_write(&p, lba, buf, k->len, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	if (w.rsp) {
		CHECK_EQ(rx32(w.rsp, INI_OFF_STATSN), statsn);
		CHECK(!(w.rsp->bhs[1] & (INI_RSP_O | INI_RSP_U)));
		CHECK_EQ(rx32(w.rsp, INI_OFF_RESIDUAL), 0);
		CHECK_EQ(w.rsp->len, 0);
	}
	if (k->r2ts)
		CHECK_EQ(w.r2ts, k->r2ts);
	if (k->data_outs)
		CHECK_EQ(w.data_outs, k->data_outs);
	if (k->r2ts)
		CHECK_EQ(w.max_outstanding, k->max_outstanding);
	expect_none(&p);
	CHECK_MEM((uint8_t *)p.dev.mem + (uint64_t)lba * BLOCK_SIZE, buf, k->len);
	/* the neighbours are untouched */
	CHECK_EQ(((uint8_t *)p.dev.mem)[(uint64_t)lba * BLOCK_SIZE - 1], 0);
	CHECK_EQ(((uint8_t *)p.dev.mem)[(uint64_t)lba * BLOCK_SIZE + k->len], 0);

	statsn = p.exp_statsn;
	do_read(&p, lba, k->len, &rr);
	CHECK_EQ(rr.status, SCSI_GOOD);
	CHECK(rr.status_in_data); /* GOOD collapses into the last Data-In */
	CHECK_EQ(rr.statsn, statsn);
	CHECK(!(rr.flags & (INI_DI_O | INI_DI_U)));
	CHECK_EQ(rr.len, k->len);
	CHECK(rr.len == k->len && memcmp(rr.data, buf, k->len) == 0);
	if (k->data_ins)
		CHECK_EQ(rr.pdus, k->data_ins);
	if (k->seqs)
		CHECK_EQ(rr.seqs, k->seqs);
	CHECK(conn_idle(p.c));
	pipe_fini(&p);
}

static void test_write_read(void)
{
	for (size_t i = 0; i < sizeof(rw_cases) / sizeof(rw_cases[0]); i++) {
		unsigned before = check_failed;
		rw_case_run(&rw_cases[i]);
		if (check_failed != before)
			fprintf(stderr, "rw case \"%s\": %u failures\n", rw_cases[i].name,
				check_failed - before);
	}
}

/* ---- cases: residuals (RFC 7143 11.4.5) ---- */

struct resid_case {
	const char *name;
	uint8_t cdb[16];
	uint32_t edtl;
	uint32_t data;	   /* Data-In bytes expected; UINT32_MAX: whatever INQUIRY returns */
	uint8_t flag;	   /* INI_DI_O, INI_DI_U or 0 */
	uint32_t residual; /* UINT32_MAX: edtl - data */
};

static const struct resid_case resid_cases[] = {
    {"READ 8K, EDTL 4K (overflow)",
     {OP_READ10, 0, 0, 0, 0, 8, 0, 0, 16},
     4096,
     4096,
     INI_DI_O,
     4096},
    {"READ 8K, EDTL 16K (underflow)",
     {OP_READ10, 0, 0, 0, 0, 8, 0, 0, 16},
     16384,
     8192,
     INI_DI_U,
     8192},
    {"READ 8K, EDTL 8K", {OP_READ10, 0, 0, 0, 0, 8, 0, 0, 16}, 8192, 8192, 0, 0},
    {"READ 8K, EDTL 1000 (overflow, odd)",
     {OP_READ10, 0, 0, 0, 0, 8, 0, 0, 16},
     1000,
     1000,
     INI_DI_O,
     8192 - 1000},
    {"INQUIRY 255", {OP_INQUIRY, 0, 0, 0, 255, 0}, 255, UINT32_MAX, INI_DI_U, UINT32_MAX},
    {"INQUIRY 255, EDTL 36 (overflow)",
     {OP_INQUIRY, 0, 0, 0, 255, 0},
     36,
     36,
     INI_DI_O,
     UINT32_MAX},
};

static void test_residuals(void)
{
	struct pipe p;
	static struct read_result rr;
	static struct read_result inq;

	pipe_init(&p, NULL);
	if (!login_linux(&p, keys_with(ini_keys_linux, "MaxRecvDataSegmentLength=8192"))) {
		pipe_fini(&p);
		return;
	}
	/* INQUIRY does not consume the POWER ON unit attention (SPC-5 5.14) */
	uint8_t cdb[16];
	ini_cdb_inquiry(cdb, false, 0, 255);
	do_read_cmd(&p, cdb, 255, &inq);
	CHECK_EQ(inq.status, SCSI_GOOD);
	CHECK(inq.len >= 36 && inq.len < 255);
	clear_ua(&p);
	fill_pattern((uint8_t *)p.dev.mem + 8 * BLOCK_SIZE, 8192, 77);
	for (size_t i = 0; i < sizeof(resid_cases) / sizeof(resid_cases[0]); i++) {
		const struct resid_case *k = &resid_cases[i];
		unsigned before = check_failed;
		do_read_cmd(&p, k->cdb, k->edtl, &rr);
		uint32_t data = k->data == UINT32_MAX ? inq.len : k->data;
		uint32_t full = k->cdb[0] == OP_INQUIRY ? inq.len : 8192;
		uint32_t residual = k->residual != UINT32_MAX ? k->residual
				    : k->edtl > full	      ? k->edtl - full
							      : full - k->edtl;
		CHECK_EQ(rr.status, SCSI_GOOD);
		CHECK_EQ(rr.len, data);
		CHECK_EQ(rr.flags & (INI_DI_O | INI_DI_U), k->flag);
		CHECK_EQ(rr.residual, residual);
		if (k->cdb[0] == OP_READ10 && rr.len == data)
			CHECK_MEM(rr.data, (uint8_t *)p.dev.mem + 8 * BLOCK_SIZE, data);
		if (check_failed != before)
			fprintf(stderr, "residual case \"%s\": %u failures\n", k->name,
				check_failed - before);
	}
	/* WRITE 4K with EDTL 8K: the target asks only for what the command moves, then reports
	 * the underflow (RFC 7143 11.4.5.1) */
	struct write_trace w;
	static uint8_t buf[8192];
	fill_pattern(buf, sizeof(buf), 5);
	do_write_edtl(&p, 64, buf, 4096, 8192, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	if (w.rsp) {
		CHECK(w.rsp->bhs[1] & INI_RSP_U);
		CHECK_EQ(rx32(w.rsp, INI_OFF_RESIDUAL), 4096);
	}
	CHECK_MEM((uint8_t *)p.dev.mem + 64 * BLOCK_SIZE, buf, 4096);
	expect_none(&p);
	pipe_fini(&p);
}

/* ---- the daemon's counters: every command told once, with its kind and disk bytes ---- */

static void test_cmd_counts(void)
{
	struct pipe p;
	static struct read_result rr;
	static uint8_t buf[8192];
	struct write_trace w;
	uint8_t cdb[16];

	pipe_init(&p, NULL);
	if (!login_linux(&p, keys_with(ini_keys_linux, "MaxRecvDataSegmentLength=8192"))) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p); /* a UNIT ATTENTION, then GOOD: two "other" commands, neither an error */
	fill_pattern(buf, sizeof(buf), 9);
	do_write(&p, 0, buf, 8192, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	do_read(&p, 0, 8192, &rr);
	CHECK_EQ(rr.status, SCSI_GOOD);
	ini_cdb_rw10(cdb, OP_READ10, 0, 8);
	do_read_cmd(&p, cdb, 1000, &rr); /* EDTL 1000: 1000 bytes leave the disk */
	ini_cdb_inquiry(cdb, false, 0, 255);
	do_read_cmd(&p, cdb, 255, &rr);
	ini_cdb_rw10(cdb, OP_READ10, DISK_SIZE / BLOCK_SIZE, 1); /* beyond the end: an error */
	do_read_cmd(&p, cdb, 512, &rr);
	CHECK_EQ(rr.status, SCSI_CHECK_CONDITION);
	CHECK_EQ(p.cmd_starts, 7);
	CHECK_EQ(p.cmd_dones, 7);
	CHECK_EQ(p.cmd_kind[CONN_CMD_READ], 2);
	CHECK_EQ(p.cmd_bytes[CONN_CMD_READ], 8192 + 1000);
	CHECK_EQ(p.cmd_kind[CONN_CMD_WRITE], 1);
	CHECK_EQ(p.cmd_bytes[CONN_CMD_WRITE], 8192);
	CHECK_EQ(p.cmd_kind[CONN_CMD_OTHER], 4);
	CHECK_EQ(p.cmd_kind[CONN_CMD_ABORTED], 0);
	CHECK_EQ(p.cmd_bad, 1);
	CHECK_EQ(p.cmd_twice, 0);
	pipe_fini(&p);
}

/* ---- cases: CmdSN (RFC 7143 4.2.2.1) ---- */

static void test_cmdsn(void)
{
	struct pipe p;
	uint8_t tur[16] = {OP_TUR};
	struct sense s;

	pipe_init(&p, &(struct pipe_opts){.queue_depth = 4});
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	uint32_t sn = p.cmdsn;
	/* a gap: sn+1 waits until sn arrives, then both run in order */
	uint32_t itt_b = send_cmd_sn(&p, tur, false, false, 0, sn + 1, false, NULL, 0, true);
	expect_none(&p);
	uint32_t itt_a = send_cmd_sn(&p, tur, false, false, 0, sn, false, NULL, 0, true);
	CHECK_EQ(expect_rsp(&p, itt_a, &s), SCSI_GOOD);
	CHECK_EQ(expect_rsp(&p, itt_b, &s), SCSI_GOOD);
	CHECK_EQ(p.seen_exp_cmdsn, sn + 2);
	expect_none(&p);
	p.cmdsn = sn + 2;

	/* outside [ExpCmdSN, MaxCmdSN]: dropped without an answer (a NOP first: the window the
	 * last response showed lags, see test_cmdsn_window_in_response) */
	nop_ping(&p, true, NULL);
	uint32_t max = p.seen_max_cmdsn;
	send_cmd_sn(&p, tur, false, false, 0, max + 1, false, NULL, 0, true);
	expect_none(&p);
	send_cmd_sn(&p, tur, false, false, 0, p.cmdsn - 1, false, NULL, 0, true); /* old */
	expect_none(&p);
	send_cmd_sn(&p, tur, false, false, 0, p.cmdsn + 100000, false, NULL, 0, true);
	expect_none(&p);
	tur_expect(&p, SCSI_GOOD, 0, 0, 0);
	CHECK_EQ(p.seen_exp_cmdsn, p.cmdsn);

	/* an immediate command does not take a CmdSN */
	uint32_t itt = send_cmd_sn(&p, tur, false, false, 0, p.cmdsn, true, NULL, 0, true);
	CHECK_EQ(expect_rsp(&p, itt, &s), SCSI_GOOD);
	CHECK_EQ(p.seen_exp_cmdsn, p.cmdsn);
	tur_expect(&p, SCSI_GOOD, 0, 0, 0);

	/* the window: with a depth of 4, three WRITEs waiting for their unsolicited Data-Out (F
	 * clear: it follows) hold three slots. MaxCmdSN stays put while they run and grows as each
	 * one finishes. */
	uint8_t cdb[16];
	uint32_t witt[3];
	nop_ping(&p, true, NULL);
	CHECK_EQ(p.seen_max_cmdsn, p.cmdsn + 4 - 1);
	for (int i = 0; i < 3; i++) {
		ini_cdb_rw10(cdb, OP_WRITE10, (uint32_t)i, 1);
		witt[i] = send_cmd_sn(&p, cdb, false, true, 512, p.cmdsn++, false, NULL, 0, false);
	}
	expect_none(&p);
	nop_ping(&p, true, NULL);
	uint32_t max0 = p.seen_max_cmdsn;
	CHECK_EQ(max0, p.cmdsn); /* ExpCmdSN + 1 free slot - 1 */
	static uint8_t blk[512];
	for (int i = 0; i < 3; i++) {
		send_data_out(&p, witt[i], ISCSI_RSVD_TAG, 0, 0, blk, 512, true);
		CHECK_EQ(expect_rsp(&p, witt[i], &s), SCSI_GOOD);
		/* the slot is free once the response is out: the next PDU (here a NOP-In) says so
		 */
		nop_ping(&p, true, NULL);
		CHECK_EQ(p.seen_max_cmdsn, max0 + 1 + (uint32_t)i);
	}
	pipe_fini(&p);
}

/* BUG: the SCSI Response (or Data-In with status) of a finished command carries the MaxCmdSN of
 * before the command freed its slot: with queue_depth 1 the response closes the window
 * (MaxCmdSN = ExpCmdSN - 1) and nothing reopens it, so an initiator that waits for the window
 * (RFC 7143 4.2.2.1: it may not send a non-immediate command beyond MaxCmdSN) stalls until it
 * pings. conn_window_update() runs in task_free(), after send_scsi_rsp() stamped the PDU. */
static void test_cmdsn_window_in_response(void)
{
	struct pipe p;
	uint8_t tur[16] = {OP_TUR};

	pipe_init(&p, &(struct pipe_opts){.queue_depth = 1});
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	for (int i = 0; i < 3; i++) {
		uint32_t itt = send_cmd(&p, tur, false, false, 0);
		struct rx *r = expect(&p, ISCSI_OP_SCSI_RSP);
		CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
		uint32_t exp = rx32(r, INI_OFF_EXPCMDSN), max = rx32(r, INI_OFF_MAXCMDSN);
		CHECK_EQ(exp, p.cmdsn);
		if (!sna_ge(max, exp))
			FAIL("BUG 4.2.2.1: response to CmdSN %u has ExpCmdSN %u, MaxCmdSN %u: "
			     "window closed although no command is running",
			     p.cmdsn - 1, exp, max);
		else
			check_passed++;
		expect_none(&p);
	}
	pipe_fini(&p);
}

/* ---- cases: NOP ---- */

static void test_nop(void)
{
	struct pipe p;
	struct iscsi_pdu pdu;

	pipe_init(&p, &(struct pipe_opts){.nop_interval_ms = 5000, .nop_timeout_ms = 2000});
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	/* ping with data: echoed (RFC 7143 11.18.5), StatSN advances */
	uint32_t statsn = p.exp_statsn;
	nop_ping(&p, true, "ping data, 27 bytes of it..");
	CHECK_EQ(p.exp_statsn, statsn + 1);
	/* a non-immediate NOP-Out takes a CmdSN */
	uint32_t sn = p.cmdsn;
	nop_ping(&p, false, NULL);
	CHECK_EQ(p.seen_exp_cmdsn, sn + 1);
	/* a bare NOP-Out (ITT reserved, I set) gets no answer */
	struct ini_nop_out bare = {.immediate = true,
				   .itt = ISCSI_RSVD_TAG,
				   .ttt = ISCSI_RSVD_TAG,
				   .cmdsn = p.cmdsn,
				   .exp_statsn = p.exp_statsn};
	ini_build_nop_out(&pdu, &bare, NULL, 0);
	send_pdu(&p, &pdu);
	expect_none(&p);

	/* idle: the target pings after the interval, not before */
	uint32_t due = conn_tick(p.c, p.now);
	CHECK(due > 0 && due <= 5000);
	p.now += 4999;
	conn_tick(p.c, p.now);
	pump(&p);
	expect_none(&p);
	p.now += 1;
	conn_tick(p.c, p.now);
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_NOP_IN);
	CHECK_EQ(rx32(r, INI_OFF_ITT), ISCSI_RSVD_TAG);
	uint32_t ttt = rx32(r, INI_OFF_TTT);
	CHECK(ttt != ISCSI_RSVD_TAG);
	CHECK_EQ(r->len, 0);
	CHECK(p.kicks > 0);
	/* answered: the connection lives on */
	struct ini_nop_out ans = {.immediate = true,
				  .itt = ISCSI_RSVD_TAG,
				  .ttt = ttt,
				  .cmdsn = p.cmdsn,
				  .exp_statsn = p.exp_statsn};
	ini_build_nop_out(&pdu, &ans, NULL, 0);
	p.now += 1000;
	send_pdu(&p, &pdu);
	expect_none(&p);
	p.now += 2500;
	conn_tick(p.c, p.now);
	pump(&p);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	expect_none(&p);
	/* the next ping is not answered: closed after the timeout */
	p.now += 2500;
	conn_tick(p.c, p.now);
	pump(&p);
	r = expect(&p, ISCSI_OP_NOP_IN);
	CHECK(rx32(r, INI_OFF_TTT) != ttt);
	p.now += 1999;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	p.now += 1;
	conn_tick(p.c, p.now);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	pump(&p);
	expect_none(&p);
	pipe_fini(&p);
}

/* conn_ping: a ping now whatever the idle time, with its own deadline, also with pings off. */
static void test_ping_now(void)
{
	struct pipe p;
	struct iscsi_pdu pdu;

	pipe_init(&p, &(struct pipe_opts){.nop_interval_ms = 0, .nop_timeout_ms = 30000});
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	/* answered in time: the deadline goes with the ping */
	conn_ping(p.c, p.now, 3000);
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_NOP_IN);
	uint32_t ttt = rx32(r, INI_OFF_TTT);
	CHECK(ttt != ISCSI_RSVD_TAG);
	struct ini_nop_out ans = {.immediate = true,
				  .itt = ISCSI_RSVD_TAG,
				  .ttt = ttt,
				  .cmdsn = p.cmdsn,
				  .exp_statsn = p.exp_statsn};
	ini_build_nop_out(&pdu, &ans, NULL, 0);
	p.now += 500;
	send_pdu(&p, &pdu);
	p.now += 10000;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	/* a second ask while one is outstanding sends no second ping; unanswered: closed at the
	 * earlier deadline, long before nop_timeout */
	conn_ping(p.c, p.now, 3000);
	pump(&p);
	expect(&p, ISCSI_OP_NOP_IN);
	conn_ping(p.c, p.now + 1000, 5000);
	pump(&p);
	expect_none(&p);
	p.now += 2999;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	p.now += 1;
	conn_tick(p.c, p.now);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	pipe_fini(&p);
}

/* ---- fuzz seeds: a mode byte, then the initiator's bytes after the scripted login ---- */

static int write_seed(const char *dir, const char *name, uint8_t mode, const struct pipe *p)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fputc(mode, f);
	fwrite(p->rec, 1, p->rec_len, f);
	fclose(f);
	return 0;
}

/* The fuzz target's login script and target settings (fuzz_conn.c) for mode m. */
static bool seed_session(struct pipe *p, uint8_t mode)
{
	struct pipe_opts o = {.queue_depth = INI_FUZZ_QUEUE_DEPTH,
			      .read_chunk = INI_FUZZ_READ_CHUNK,
			      .custom_limits = true};
	iscsi_target_limits_default(&o.limits);
	o.limits.max_recv_data_segment_length = INI_FUZZ_MRDSL;
	o.limits.max_burst_length = INI_FUZZ_MBL;
	o.limits.first_burst_length = INI_FUZZ_FBL;
	o.limits.max_outstanding_r2t = INI_FUZZ_R2T;
	pipe_init(p, &o);
	p->cmdsn = INI_FUZZ_CMDSN;
	p->itt = INI_FUZZ_ITT;
	bool ok;
	switch (mode % INI_FUZZ_MODES) {
	case INI_FUZZ_MODE_IPXE:
		ok = login_ipxe(p);
		break;
	case INI_FUZZ_MODE_DISCOVERY: {
		const struct login_step s[] = {{true, 1, 3, ini_keys_discovery}};
		ok = login_steps(p, s, 1);
		break;
	}
	default:
		ok = login_linux(p, ini_keys_linux_fuzz);
		break;
	}
	p->recording = true;
	return ok;
}

static int write_corpus(const char *dir)
{
	struct pipe p;
	struct write_trace w;
	static struct read_result rr;
	static uint8_t buf[65536];
	int err = 0;

	fill_pattern(buf, sizeof(buf), 1);
	/* Linux: TUR x2, WRITE 64K (immediate + unsolicited + R2T), READ, INQUIRY, NOP, Logout */
	if (seed_session(&p, INI_FUZZ_MODE_LINUX)) {
		clear_ua(&p);
		do_write(&p, 8, buf, sizeof(buf), &w);
		do_read(&p, 8, sizeof(buf), &rr);
		uint8_t cdb[16];
		ini_cdb_inquiry(cdb, false, 0, 255);
		do_read_cmd(&p, cdb, 255, &rr);
		nop_ping(&p, true, "ping");
		logout(&p);
		err |= write_seed(dir, "linux-write-read", INI_FUZZ_MODE_LINUX, &p);
	}
	pipe_fini(&p);
	/* iPXE: WRITE by R2T, READ, a TMF abort of a waiting WRITE, Logout */
	if (seed_session(&p, INI_FUZZ_MODE_IPXE)) {
		clear_ua(&p);
		do_write(&p, 16, buf, 16384, &w);
		do_read(&p, 16, 16384, &rr);
		uint32_t cmdsn, tmf;
		uint32_t itt = write_waiting(&p, 40, &cmdsn);
		send_tmf(&p, ISCSI_TMF_ABORT_TASK, itt, cmdsn, &tmf);
		expect_tmf_rsp(&p, tmf);
		logout(&p);
		err |= write_seed(dir, "ipxe-write-read-abort", INI_FUZZ_MODE_IPXE, &p);
	}
	pipe_fini(&p);
	/* Linux: CmdSN gap, out-of-window command, residuals */
	if (seed_session(&p, INI_FUZZ_MODE_LINUX)) {
		uint8_t tur[16] = {OP_TUR};
		uint32_t sn = p.cmdsn;
		send_cmd_sn(&p, tur, false, false, 0, sn + 1, false, NULL, 0, true);
		send_cmd_sn(&p, tur, false, false, 0, sn, false, NULL, 0, true);
		p.cmdsn = sn + 2;
		send_cmd_sn(&p, tur, false, false, 0, sn + 1000, false, NULL, 0, true);
		p.rx_next = p.nrx;
		uint8_t cdb[16];
		ini_cdb_rw10(cdb, OP_READ10, 0, 16);
		do_read_cmd(&p, cdb, 4096, &rr);
		do_read_cmd(&p, cdb, 16384, &rr);
		logout(&p);
		err |= write_seed(dir, "linux-cmdsn-residuals", INI_FUZZ_MODE_LINUX, &p);
	}
	pipe_fini(&p);
	/* discovery: SendTargets, Logout */
	if (seed_session(&p, INI_FUZZ_MODE_DISCOVERY)) {
		uint32_t itt = 0;
		send_text(&p, "SendTargets=All", ISCSI_RSVD_TAG, &itt);
		p.rx_next = p.nrx;
		logout(&p);
		err |= write_seed(dir, "discovery", INI_FUZZ_MODE_DISCOVERY, &p);
	}
	pipe_fini(&p);
	printf("corpus written to %s\n", dir);
	return err ? 1 : CHECK_SUMMARY();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	test_login_ipxe();
	test_login_linux();
	test_login_chap();
	test_write_read();
	test_residuals();
	test_cmd_counts();
	test_cmdsn();
	test_cmdsn_window_in_response();
	test_nop();
	test_ping_now();
	test_tmf();
	test_tmf_abort_lost_command();
	test_tmf_abort_held_command();
	test_discovery();
	test_discovery_long_answer();
	test_sendtargets_normal_session();
	test_logout_normal();
	test_close_flushes();
	test_errors();
	test_digests();
	test_write_final_bit();
	test_write_meets_unit_attention();
	test_tmf_inflight();
	test_logout_inflight();
	test_free_with_io_in_flight();
	test_login_timeout();
	test_conn_life();
	return CHECK_SUMMARY();
}
