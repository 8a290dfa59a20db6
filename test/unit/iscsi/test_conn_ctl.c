/* test_conn_ctl.c: the pipe test's cases for task management, discovery/Text/Logout, protocol
 * errors, digests and commands in flight at a TMF, logout or free (see test_conn.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/wire.h"
#include "target/iscsi/crc32c.h"
#include "test/unit/iscsi/pipe.h"

/* ---- cases: Task Management (RFC 7143 11.5, 11.6) ---- */

void send_tmf(struct pipe *p, uint8_t function, uint32_t ref_itt, uint32_t ref_cmdsn, uint32_t *itt)
{
	struct iscsi_pdu pdu;
	struct ini_tmf t = {.immediate = true,
			    .function = function,
			    .itt = p->itt++,
			    .ref_itt = ref_itt,
			    .cmdsn = p->cmdsn,
			    .exp_statsn = p->exp_statsn,
			    .ref_cmdsn = ref_cmdsn};
	if (function != ISCSI_TMF_ABORT_TASK)
		t.ref_itt = ISCSI_RSVD_TAG;
	ini_build_tmf(&pdu, &t);
	send_pdu(p, &pdu);
	*itt = t.itt;
}

uint8_t expect_tmf_rsp(struct pipe *p, uint32_t itt)
{
	struct rx *r = expect(p, ISCSI_OP_TMF_RSP);
	if (r == &p->none)
		return 0xee;
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	CHECK(r->bhs[1] & INI_F);
	return r->bhs[INI_OFF_RESPONSE];
}

/* A WRITE of 4 blocks at LBA lba that waits for its R2T to be answered (iPXE session). */
uint32_t write_waiting(struct pipe *p, uint32_t lba, uint32_t *cmdsn)
{
	uint8_t cdb[16];
	ini_cdb_rw10(cdb, OP_WRITE10, lba, 4);
	*cmdsn = p->cmdsn;
	uint32_t itt = send_cmd(p, cdb, false, true, 2048);
	struct rx *r = expect(p, ISCSI_OP_R2T);
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	CHECK_EQ(rx32(r, INI_OFF_RESIDUAL), 2048);
	expect_none(p);
	return itt;
}

void test_tmf(void)
{
	struct pipe p;
	uint32_t tmf_itt, cmdsn;
	static uint8_t blk[2048];

	pipe_init(&p, NULL);
	if (!login_ipxe(&p)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	nop_ping(&p, true, NULL);
	uint32_t max_before = p.seen_max_cmdsn;
	/* ABORT TASK of a WRITE waiting for Data-Out: FUNCTION COMPLETE, no SCSI Response */
	uint32_t itt = write_waiting(&p, 10, &cmdsn);
	send_tmf(&p, ISCSI_TMF_ABORT_TASK, itt, cmdsn, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	/* its Data-Out arriving late is absorbed; nothing reaches the disk */
	fill_pattern(blk, sizeof(blk), 9);
	send_data_out(&p, itt, 1, 0, 0, blk, 2048, true);
	expect_none(&p);
	CHECK_EQ(((uint8_t *)p.dev.mem)[10 * BLOCK_SIZE], 0);
	nop_ping(&p, true, NULL);
	CHECK_EQ(p.seen_max_cmdsn, max_before + 1); /* the aborted task freed its slot */
	CHECK(conn_idle(p.c));

	/* ABORT TASK of a task that never existed, RefCmdSN of a finished command (outside the
	 * window): TASK DOES NOT EXIST */
	send_tmf(&p, ISCSI_TMF_ABORT_TASK, 0x7777, cmdsn, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_NO_TASK);
	expect_none(&p);

	/* the ITT of the aborted task can be used again */
	p.itt = itt;
	struct write_trace w;
	do_write(&p, 10, blk, 2048, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)p.dev.mem + 10 * BLOCK_SIZE, blk, 2048);

	/* LUN RESET with a WRITE waiting: FUNCTION COMPLETE, the WRITE ends without a response */
	itt = write_waiting(&p, 20, &cmdsn);
	send_tmf(&p, ISCSI_TMF_LOGICAL_UNIT_RESET, 0, 0, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	send_data_out(&p, itt, 2, 0, 0, blk, 2048, true);
	expect_none(&p);
	CHECK(conn_idle(p.c));
	/* the session that reset the LU may or may not see 29/03; either way it is served */
	uint8_t tur[16] = {OP_TUR};
	struct sense s;
	uint32_t t = send_cmd(&p, tur, false, false, 0);
	uint8_t st = expect_rsp(&p, t, &s);
	CHECK(st == SCSI_GOOD || (st == SCSI_CHECK_CONDITION && s.key == 6 && s.asc == 0x29));
	if (st != SCSI_GOOD)
		tur_expect(&p, SCSI_GOOD, 0, 0, 0);

	/* LUN RESET of a LUN that does not exist */
	struct iscsi_pdu pdu;
	struct ini_tmf bad = {.immediate = true,
			      .function = ISCSI_TMF_LOGICAL_UNIT_RESET,
			      .lun = 0x0001000000000000ull,
			      .itt = p.itt++,
			      .ref_itt = ISCSI_RSVD_TAG,
			      .cmdsn = p.cmdsn,
			      .exp_statsn = p.exp_statsn};
	ini_build_tmf(&pdu, &bad);
	send_pdu(&p, &pdu);
	CHECK_EQ(expect_tmf_rsp(&p, bad.itt), ISCSI_TMF_RSP_NO_LUN);
	expect_none(&p);
	pipe_fini(&p);
}

/* BUG: RFC 7143 11.5.1 ABORT TASK, case b: "If the Referenced Task Tag does not identify an
 * existing task but the CmdSN indicated by the RefCmdSN field ... is within the valid CmdSN
 * window and less than the CmdSN of the Task Management Function Request itself, then targets
 * must consider the CmdSN as received and return the Function complete response." The target
 * answers FUNCTION COMPLETE but does not consider the CmdSN received: the command behind the gap
 * waits forever. */
void test_tmf_abort_lost_command(void)
{
	struct pipe p;
	uint8_t tur[16] = {OP_TUR};
	uint32_t tmf_itt;

	pipe_init(&p, NULL);
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	uint32_t lost = p.cmdsn; /* never arrives */
	uint32_t held = send_cmd_sn(&p, tur, false, false, 0, lost + 1, false, NULL, 0, true);
	expect_none(&p);
	p.cmdsn = lost + 2;
	send_tmf(&p, ISCSI_TMF_ABORT_TASK, 0x5555, lost, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	/* the gap is filled: the held command runs */
	struct rx *r = p.rx_next < p.nrx ? &p.rx[p.rx_next] : NULL;
	if (!r || pdu_opcode(r->bhs) != ISCSI_OP_SCSI_RSP || rx32(r, INI_OFF_ITT) != held)
		FAIL("BUG 11.5.1b: ABORT TASK for the lost CmdSN %u did not release CmdSN %u "
		     "(ExpCmdSN stays %u)",
		     lost, lost + 1, p.seen_exp_cmdsn);
	else
		check_passed++;
	p.rx_next = p.nrx;
	pipe_fini(&p);
}

/* BUG: ABORT TASK of a command that is held for a CmdSN gap (the target has it, it has not run):
 * conn_cmd_find_task() does not look at the held commands, the answer is FUNCTION COMPLETE (the
 * RefCmdSN is in the window), but the command is not aborted: once the gap fills it runs and
 * answers. RFC 7143 11.5.1 / SAM-5: after FUNCTION COMPLETE the task must not complete. */
void test_tmf_abort_held_command(void)
{
	struct pipe p;
	uint8_t tur[16] = {OP_TUR};
	uint32_t tmf_itt;
	struct sense s;

	pipe_init(&p, NULL);
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	uint32_t first = p.cmdsn;
	uint32_t held = send_cmd_sn(&p, tur, false, false, 0, first + 1, false, NULL, 0, true);
	expect_none(&p);
	send_tmf(&p, ISCSI_TMF_ABORT_TASK, held, first + 1, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	uint32_t itt = send_cmd_sn(&p, tur, false, false, 0, first, false, NULL, 0, true);
	CHECK_EQ(expect_rsp(&p, itt, &s), SCSI_GOOD);
	if (p.rx_next < p.nrx && rx32(&p.rx[p.rx_next], INI_OFF_ITT) == held)
		FAIL("BUG 11.5.1: the aborted command (ITT 0x%x) ran and answered after FUNCTION "
		     "COMPLETE",
		     held);
	else
		check_passed++;
	p.rx_next = p.nrx;
	pipe_fini(&p);
}

/* ---- cases: discovery, Text, Logout ---- */

void send_text(struct pipe *p, const char *keys, uint32_t ttt, uint32_t *itt)
{
	static uint8_t buf[4096];
	struct iscsi_pdu pdu;
	uint32_t len = keys ? ini_text_keys(keys, buf, sizeof(buf)) : 0;
	struct ini_text t = {.immediate = true,
			     .final = true,
			     .itt = *itt ? *itt : p->itt++,
			     .ttt = ttt,
			     .cmdsn = p->cmdsn,
			     .exp_statsn = p->exp_statsn};
	*itt = t.itt;
	ini_build_text(&pdu, &t, buf, len);
	send_pdu(p, &pdu);
}

void logout(struct pipe *p)
{
	struct iscsi_pdu pdu;
	struct ini_logout l = {.immediate = true,
			       .reason = ISCSI_LOGOUT_CLOSE_SESSION,
			       .itt = p->itt++,
			       .cmdsn = p->cmdsn,
			       .exp_statsn = p->exp_statsn};
	ini_build_logout(&pdu, &l);
	send_pdu(p, &pdu);
	struct rx *r = expect(p, ISCSI_OP_LOGOUT_RSP);
	CHECK_EQ(rx32(r, INI_OFF_ITT), l.itt);
	CHECK(r->bhs[1] & INI_F);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_LOGOUT_RSP_CLOSED);
	CHECK_EQ(conn_phase(p->c), CONN_LOGGED_OUT);
	expect_none(p);
}

void test_discovery(void)
{
	struct pipe p;
	uint32_t itt = 0;
	static const char want[] = "TargetName=" INI_TARGET "\0TargetAddress=127.0.0.1:3260,1";

	pipe_init(&p, NULL);
	const struct login_step s[] = {{true, 1, 3, ini_keys_discovery}};
	if (!login_steps(&p, s, 1)) {
		pipe_fini(&p);
		return;
	}
	CHECK_EQ(p.gets, 0);
	send_text(&p, "SendTargets=All", ISCSI_RSVD_TAG, &itt);
	struct rx *r = expect(&p, ISCSI_OP_TEXT_RSP);
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	CHECK(r->bhs[1] & INI_F);
	CHECK(!(r->bhs[1] & INI_C));
	CHECK_EQ(rx32(r, INI_OFF_TTT), ISCSI_RSVD_TAG);
	CHECK_EQ(r->len, sizeof(want));
	if (r->len == sizeof(want))
		CHECK_MEM(r->data, want, sizeof(want));
	expect_none(&p);
	/* an unknown key */
	itt = 0;
	send_text(&p, "X-org.example.Foo=1", ISCSI_RSVD_TAG, &itt);
	r = expect(&p, ISCSI_OP_TEXT_RSP);
	CHECK(r->len == sizeof("X-org.example.Foo=NotUnderstood") &&
	      memcmp(r->data, "X-org.example.Foo=NotUnderstood", r->len) == 0);
	/* SCSI commands have no place in a discovery session */
	uint8_t tur[16] = {OP_TUR};
	send_cmd(&p, tur, false, false, 0);
	r = expect(&p, ISCSI_OP_REJECT);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_REJECT_PROTOCOL_ERROR);
	expect_none(&p);
	logout(&p);
	pipe_fini(&p);
	CHECK_EQ(p.puts, 0);
}

/* In a normal session SendTargets=All is refused (RFC 7143 appendix C: "All" is for discovery
 * sessions) and an empty value names the session's own target. */
void test_sendtargets_normal_session(void)
{
	struct pipe p;
	uint32_t itt = 0;
	static const char own[] = "TargetName=" INI_TARGET "\0TargetAddress=127.0.0.1:3260,1";

	pipe_init(&p, &(struct pipe_opts){.st_targets = 3});
	if (!login_ipxe(&p)) {
		pipe_fini(&p);
		return;
	}
	send_text(&p, "SendTargets=All", ISCSI_RSVD_TAG, &itt);
	struct rx *r = expect(&p, ISCSI_OP_TEXT_RSP);
	CHECK(r->len == sizeof("SendTargets=Reject") &&
	      memcmp(r->data, "SendTargets=Reject", r->len) == 0);
	itt = 0;
	send_text(&p, "SendTargets=", ISCSI_RSVD_TAG, &itt);
	r = expect(&p, ISCSI_OP_TEXT_RSP);
	CHECK_EQ(r->len, sizeof(own));
	if (r->len == sizeof(own))
		CHECK_MEM(r->data, own, sizeof(own));
	expect_none(&p);
	logout(&p);
	pipe_fini(&p);
}

/* A SendTargets answer longer than the initiator's MaxRecvDataSegmentLength: pieces with C and a
 * TTT, each asked for with an empty Text Request echoing the TTT (RFC 7143 11.10.2). */
void test_discovery_long_answer(void)
{
	struct pipe p;
	uint32_t itt = 0;
	static uint8_t all[65536];
	uint32_t len = 0;

	pipe_init(&p, &(struct pipe_opts){.st_targets = 40});
	const struct login_step s[] = {
	    {true, 1, 3, keys_with(ini_keys_discovery, "MaxRecvDataSegmentLength=512")}};
	if (!login_steps(&p, s, 1)) {
		pipe_fini(&p);
		return;
	}
	send_text(&p, "SendTargets=All", ISCSI_RSVD_TAG, &itt);
	unsigned pieces = 0;
	for (;;) {
		struct rx *r = expect(&p, ISCSI_OP_TEXT_RSP);
		if (r == &p.none)
			break;
		CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
		CHECK(r->len <= 512);
		if (len + r->len <= sizeof(all) && r->len)
			memcpy(all + len, r->data, r->len);
		len += r->len;
		pieces++;
		if (!(r->bhs[1] & INI_C)) {
			CHECK(r->bhs[1] & INI_F);
			CHECK_EQ(rx32(r, INI_OFF_TTT), ISCSI_RSVD_TAG);
			break;
		}
		CHECK(!(r->bhs[1] & INI_F)); /* 11.11.1: C and F are not both set */
		uint32_t ttt = rx32(r, INI_OFF_TTT);
		CHECK(ttt != ISCSI_RSVD_TAG);
		send_text(&p, NULL, ttt, &itt);
		if (pieces > 100)
			break;
	}
	expect_none(&p);
	CHECK(pieces > 1);
	unsigned names = 0, addrs = 0;
	for (uint32_t i = 0; i < len; i += (uint32_t)strnlen((char *)all + i, len - i) + 1) {
		names += strncmp((char *)all + i, "TargetName=" INI_TARGET, 39) == 0;
		addrs += strcmp((char *)all + i, "TargetAddress=127.0.0.1:3260,1") == 0;
	}
	CHECK_EQ(len > 0 ? all[len - 1] : 1, 0);
	CHECK_EQ(names, 40);
	CHECK_EQ(addrs, 40);
	logout(&p);
	pipe_fini(&p);
}

void test_logout_normal(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!login_ipxe(&p)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	unsigned flushes = p.mq.flushes;
	logout(&p);
	/* the LUN was flushed on the queue before it went back, and before the response */
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.flushes_at_put, flushes + 1);
	/* after the logout response nothing more is answered */
	uint8_t tur[16] = {OP_TUR};
	send_cmd(&p, tur, false, false, 0);
	expect_none(&p);
	pipe_fini(&p);
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.removes, 1);
}

/* A connection that ends without a logout flushes the LUN on the queue before giving it back,
 * and is freed only once that flush is done. */
void test_close_flushes(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!login_ipxe(&p)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	unsigned flushes = p.mq.flushes;
	CHECK(conn_idle(p.c));
	conn_shutdown(p.c, "the initiator went");
	CHECK_EQ(conn_phase(p.c), CONN_FLUSHING); /* idle: the flush starts at once */
	CHECK(!conn_idle(p.c));
	CHECK_EQ(p.puts, 0);
	unsigned kicks = p.kicks;
	pump(&p);
	CHECK(p.kicks > kicks); /* the daemon hears it is done */
	CHECK_EQ(conn_phase(p.c), CONN_CLOSED);
	CHECK(conn_idle(p.c));
	CHECK_EQ(p.mq.flushes, flushes + 1);
	pipe_fini(&p);
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.flushes_at_put, flushes + 1);
}

/* ---- cases: errors ---- */

void test_errors(void)
{
	struct pipe p;
	struct iscsi_pdu pdu;

	pipe_init(&p, NULL);
	if (!login_ipxe(&p)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	/* an opcode the RFC does not define: Reject, the header as data (RFC 7143 11.17) */
	memset(&pdu, 0, sizeof(pdu));
	pdu.bhs[0] = 0x40 | 0x1c;
	pdu.bhs[1] = 0x80;
	put_be32(pdu.bhs + 16, 0x4242);
	put_be32(pdu.bhs + 24, p.cmdsn);
	send_pdu(&p, &pdu);
	struct rx *r = expect(&p, ISCSI_OP_REJECT);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_REJECT_CMD_NOT_SUPPORTED);
	CHECK_EQ(rx32(r, INI_OFF_ITT), ISCSI_RSVD_TAG);
	CHECK(r->len == BHS_LEN && memcmp(r->data, pdu.bhs, BHS_LEN) == 0);
	expect_none(&p);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);

	/* Data-Out with the wrong DataSN: Reject, then the right one is accepted */
	static uint8_t buf[4096];
	uint8_t cdb[16];
	fill_pattern(buf, sizeof(buf), 3);
	ini_cdb_rw10(cdb, OP_WRITE10, 100, 8);
	uint32_t itt = send_cmd(&p, cdb, false, true, 4096);
	r = expect(&p, ISCSI_OP_R2T);
	uint32_t ttt = rx32(r, INI_OFF_TTT);
	send_data_out(&p, itt, ttt, 1, 0, buf, 2048, false);
	r = expect(&p, ISCSI_OP_REJECT);
	CHECK(r->bhs[INI_OFF_RESPONSE] == ISCSI_REJECT_PROTOCOL_ERROR ||
	      r->bhs[INI_OFF_RESPONSE] == ISCSI_REJECT_INVALID_PDU_FIELD);
	CHECK_EQ(r->len, BHS_LEN);
	expect_none(&p);
	send_data_out(&p, itt, ttt, 0, 0, buf, 2048, false);
	send_data_out(&p, itt, ttt, 1, 2048, buf + 2048, 2048, true);
	struct sense s;
	CHECK_EQ(expect_rsp(&p, itt, &s), SCSI_GOOD);
	CHECK_MEM((uint8_t *)p.dev.mem + 100 * BLOCK_SIZE, buf, 4096);
	expect_none(&p);

	/* Data-Out with a TTT nobody gave: Reject */
	itt = send_cmd(&p, cdb, false, true, 4096);
	r = expect(&p, ISCSI_OP_R2T);
	ttt = rx32(r, INI_OFF_TTT);
	send_data_out(&p, itt, ttt + 1000, 0, 0, buf, 4096, true);
	r = expect(&p, ISCSI_OP_REJECT);
	expect_none(&p);
	write_data(&p, itt, ttt, 0, 4096, buf, &(struct write_trace){0});
	CHECK_EQ(expect_rsp(&p, itt, &s), SCSI_GOOD);

	/* READ past the end: CHECK CONDITION, ILLEGAL REQUEST, LBA OUT OF RANGE, sense in the
	 * SCSI Response, no Data-In */
	static struct read_result rr;
	do_read(&p, DISK_SIZE / BLOCK_SIZE - 1, 2 * BLOCK_SIZE, &rr);
	CHECK_EQ(rr.status, SCSI_CHECK_CONDITION);
	CHECK(!rr.status_in_data);
	CHECK_EQ(rr.pdus, 0);
	CHECK_EQ(rr.sense.key, 0x5);
	CHECK_EQ(rr.sense.asc, 0x21);

	/* a disk error during a READ: MEDIUM ERROR */
	blk_mem_fail_next(&p.mq, -EIO, 1);
	do_read(&p, 0, 4096, &rr);
	CHECK_EQ(rr.status, SCSI_CHECK_CONDITION);
	CHECK_EQ(rr.sense.key, 0x3);

	/* SNACK at ErrorRecoveryLevel 0: Reject */
	memset(&pdu, 0, sizeof(pdu));
	pdu.bhs[0] = ISCSI_OP_SNACK;
	pdu.bhs[1] = 0x80;
	put_be32(pdu.bhs + 16, 0x1234);
	send_pdu(&p, &pdu);
	r = expect(&p, ISCSI_OP_REJECT);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_REJECT_SNACK);
	expect_none(&p);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	tur_expect(&p, SCSI_GOOD, 0, 0, 0);
	pipe_fini(&p);

	/* a SCSI command before login: the connection closes */
	pipe_init(&p, NULL);
	uint8_t tur[16] = {OP_TUR};
	send_cmd(&p, tur, false, false, 0);
	CHECK_EQ(p.last_ret, -EPROTO);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	expect_none(&p);
	pipe_fini(&p);
	CHECK_EQ(p.gets, 0);
	CHECK_EQ(p.removes, 0);
}

/* Header and data digests on: every PDU both ways carries CRC32C (RFC 7143 13.1). */
void test_digests(void)
{
	struct pipe p;
	struct write_trace w;
	static struct read_result rr;
	static uint8_t buf[32768];

	pipe_init(&p, NULL);
	if (!login_linux(&p, keys_with(ini_keys_linux, "HeaderDigest=CRC32C\nDataDigest=CRC32C\n"
						       "MaxRecvDataSegmentLength=8192"))) {
		pipe_fini(&p);
		return;
	}
	CHECK(p.hd && p.dd);
	clear_ua(&p);
	fill_pattern(buf, sizeof(buf), 11);
	do_write(&p, 2000, buf, sizeof(buf), &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	do_read(&p, 2000, sizeof(buf), &rr);
	CHECK_EQ(rr.status, SCSI_GOOD);
	CHECK(rr.len == sizeof(buf) && memcmp(rr.data, buf, sizeof(buf)) == 0);
	/* a data digest error: Reject 0x02, the stream goes on */
	uint8_t hdr[BHS_LEN];
	struct iscsi_pdu pdu;
	struct ini_nop_out n = {.immediate = true,
				.itt = p.itt++,
				.ttt = ISCSI_RSVD_TAG,
				.cmdsn = p.cmdsn,
				.exp_statsn = p.exp_statsn};
	static uint8_t wire[256];
	ini_build_nop_out(&pdu, &n, (uint8_t *)"abcd", 4);
	memcpy(hdr, pdu.bhs, BHS_LEN);
	size_t len = framer_serialize(&pdu, true, true, wire, sizeof(wire));
	wire[len - 1] ^= 1;
	framer_push(&p.fr, wire, len, on_frame, &p);
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_REJECT);
	CHECK_EQ(r->bhs[INI_OFF_RESPONSE], ISCSI_REJECT_DATA_DIGEST);
	CHECK(r->len == BHS_LEN && memcmp(r->data, hdr, BHS_LEN) == 0);
	nop_ping(&p, true, "still alive");
	pipe_fini(&p);
}

/* BUG: the F bit of a SCSI Command is ignored. RFC 7143 11.3.1 / 13.10: with InitialR2T=No the
 * initiator MAY send unsolicited data, and F=1 on the command says none follows; the target must
 * then solicit [immediate length, EDTL) with R2Ts. start_data_out() always expects
 * min(EDTL, FirstBurstLength) unsolicited bytes, so such a WRITE waits forever. */
void test_write_final_bit(void)
{
	struct pipe p;
	struct write_trace w;
	static uint8_t buf[32768];
	uint8_t cdb[16];

	pipe_init(&p, NULL);
	if (!login_linux(&p, keys_with(ini_keys_linux, "MaxRecvDataSegmentLength=8192"))) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	fill_pattern(buf, sizeof(buf), 21);
	/* (a) no immediate data, F=1 */
	memset(&w, 0, sizeof(w));
	w.status = 0xff;
	ini_cdb_rw10(cdb, OP_WRITE10, 300, 32);
	uint32_t itt = send_cmd_sn(&p, cdb, false, true, 16384, p.cmdsn++, false, NULL, 0, true);
	if (p.rx_next == p.nrx)
		FAIL("BUG 11.3.1: WRITE with F=1 and no data (InitialR2T=No): no R2T, the command "
		     "waits for unsolicited data the initiator said it would not send");
	write_serve(&p, itt, buf, 16384, 0, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)p.dev.mem + 300 * BLOCK_SIZE, buf, 16384);
	/* (b) 8K of immediate data, F=1: the other 24K by R2T */
	memset(&w, 0, sizeof(w));
	w.status = 0xff;
	ini_cdb_rw10(cdb, OP_WRITE10, 400, 64);
	itt = send_cmd_sn(&p, cdb, false, true, 32768, p.cmdsn++, false, buf, 8192, true);
	if (p.rx_next == p.nrx)
		FAIL("BUG 11.3.1: WRITE with F=1 and 8K immediate data of 32K: no R2T");
	write_serve(&p, itt, buf, 32768, 8192, &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)p.dev.mem + 400 * BLOCK_SIZE, buf, 32768);
	p.rx_next = p.nrx;
	pipe_fini(&p);
}

/* Linux's first WRITE of a session meets the POWER ON unit attention: CHECK CONDITION at once,
 * and the unsolicited Data-Out that follows is absorbed without a Reject. */
void test_write_meets_unit_attention(void)
{
	struct pipe p;
	struct write_trace w;
	static uint8_t buf[65536];

	pipe_init(&p, NULL);
	if (!login_linux(&p, keys_with(ini_keys_linux, "MaxRecvDataSegmentLength=8192"))) {
		pipe_fini(&p);
		return;
	}
	fill_pattern(buf, sizeof(buf), 4);
	do_write(&p, 500, buf, sizeof(buf), &w);
	CHECK_EQ(w.status, SCSI_CHECK_CONDITION);
	CHECK_EQ(w.sense.key, 0x6);
	CHECK_EQ(w.sense.asc, 0x29);
	CHECK_EQ(w.r2ts, 0);
	expect_none(&p);
	CHECK_EQ(((uint8_t *)p.dev.mem)[500 * BLOCK_SIZE], 0);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	do_write(&p, 500, buf, sizeof(buf), &w);
	CHECK_EQ(w.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)p.dev.mem + 500 * BLOCK_SIZE, buf, sizeof(buf));
	pipe_fini(&p);
}

/* TMF while block I/O is in flight: the response waits until the I/O is back (RFC 7143 4.2.3.3),
 * and the aborted READ sends nothing. */
void test_tmf_inflight(void)
{
	struct pipe p;
	uint32_t tmf_itt;
	uint8_t cdb[16];

	pipe_init(&p, NULL);
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	/* ABORT TASK of a READ whose first chunk is being read */
	ini_cdb_rw10(cdb, OP_READ10, 0, 64);
	p.hold = true;
	uint32_t itt = send_cmd(&p, cdb, true, false, 32768);
	CHECK(!conn_idle(p.c));
	send_tmf(&p, ISCSI_TMF_ABORT_TASK, itt, p.cmdsn - 1, &tmf_itt);
	p.hold = false;
	CHECK(conn_tx_head(p.c) == NULL); /* nothing before the I/O is back */
	pump(&p);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	CHECK(conn_idle(p.c));
	/* ABORT TASK SET with a READ in flight and a WRITE waiting for Data-Out */
	p.hold = true;
	itt = send_cmd(&p, cdb, true, false, 32768);
	ini_cdb_rw10(cdb, OP_WRITE10, 0, 1);
	uint32_t witt = send_cmd_sn(&p, cdb, false, true, 512, p.cmdsn++, false, NULL, 0, false);
	send_tmf(&p, ISCSI_TMF_ABORT_TASK_SET, 0, 0, &tmf_itt);
	p.hold = false;
	pump(&p);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	(void)witt;
	tur_expect(&p, SCSI_GOOD, 0, 0, 0);
	/* TARGET WARM RESET, nothing running */
	send_tmf(&p, ISCSI_TMF_TARGET_WARM_RESET, 0, 0, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	/* a function we do not do */
	send_tmf(&p, ISCSI_TMF_TASK_REASSIGN, 0, 0, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_NO_REASSIGN);
	send_tmf(&p, 20, 0, 0, &tmf_itt);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_REJECTED);
	expect_none(&p);
	pipe_fini(&p);
}

/* A Logout while a READ is running: the READ finishes (Data-In, status), then the Logout
 * Response (RFC 7143 11.14). */
void test_logout_inflight(void)
{
	struct pipe p;
	uint8_t cdb[16];

	pipe_init(&p, NULL);
	if (!login_linux(&p, NULL)) {
		pipe_fini(&p);
		return;
	}
	clear_ua(&p);
	ini_cdb_rw10(cdb, OP_READ10, 0, 8);
	p.hold = true;
	uint32_t itt = send_cmd(&p, cdb, true, false, 4096);
	struct iscsi_pdu pdu;
	struct ini_logout l = {.immediate = true,
			       .reason = ISCSI_LOGOUT_CLOSE_SESSION,
			       .itt = p.itt++,
			       .cmdsn = p.cmdsn,
			       .exp_statsn = p.exp_statsn};
	ini_build_logout(&pdu, &l);
	send_pdu(&p, &pdu);
	p.hold = false;
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_DATA_IN);
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	CHECK(r->bhs[1] & INI_DI_S);
	r = expect(&p, ISCSI_OP_LOGOUT_RSP);
	CHECK_EQ(rx32(r, INI_OFF_ITT), l.itt);
	CHECK_EQ(conn_phase(p.c), CONN_LOGGED_OUT);
	expect_none(&p);
	pipe_fini(&p);
}

/* conn_free() with block I/O in flight frees the connection at the last completion, not at once
 * (a completion walking a freed connection would be a heap use after free in task_free()). Run
 * in a child process so a crash (under ASan) is a failure, not the end of the run. */
void test_free_with_io_in_flight(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct pipe p;
		check_failed = 0;
		uint8_t cdb[16];
		pipe_init(&p, NULL);
		if (!login_linux(&p, NULL))
			_exit(2);
		clear_ua(&p);
		ini_cdb_rw10(cdb, OP_READ10, 0, 8);
		p.hold = true;
		send_cmd(&p, cdb, true, false, 4096);
		CHECK(!conn_idle(p.c));
		conn_free(p.c);
		blk_mem_run(&p.mq); /* the READ completes after the connection is gone */
		scsi_lu_free(p.lu);
		blk_mem_dev_fini(&p.dev);
		framer_fini(&p.fr);
		_exit(check_failed ? 1 : 0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		FAIL("conn_free() with a READ in flight, then its completion: child %s "
		     "%d",
		     WIFSIGNALED(st) ? "killed by signal" : "exited with",
		     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	else
		check_passed++;
}

/* A login that stalls is dropped after 30 s. */
void test_login_timeout(void)
{
	struct pipe p;
	struct text_in text;
	struct rx *r;

	pipe_init(&p, NULL);
	if (text_in_init(&text, 65536) != 0)
		abort();
	const struct login_step sec = {true, 0, 1, ini_keys_ipxe_security};
	CHECK_EQ(login_pdu(&p, &sec, &text, &r), 0);
	text_in_fini(&text);
	p.now += 29000;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_LOGIN);
	p.now += 1001;
	conn_tick(p.c, p.now);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	pipe_fini(&p);
	CHECK_EQ(p.gets, 0);

	/* login_timeout counts from the connection's start, not from the last PDU: a login whose
	 * requests keep coming, slowly, still ends at the deadline */
	struct pipe_opts o = {.login_timeout_ms = 15000};
	pipe_init(&p, &o);
	if (text_in_init(&text, 65536) != 0)
		abort();
	uint64_t start = p.now;
	p.now += 14000;
	CHECK_EQ(login_pdu(&p, &sec, &text, &r), 0);
	text_in_fini(&text);
	p.now = start + 14999;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_LOGIN);
	p.now = start + 15000;
	conn_tick(p.c, p.now);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	pipe_fini(&p);
}
