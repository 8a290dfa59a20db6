/* test_conn_life.c: the connection's phases (conn.h, enum conn_phase) along every way a
 * connection ends: logout (idle and with I/O in flight), the peer gone, a TMF with I/O in flight,
 * a kill (another session replaced this one), the target stopping with a write in flight, a
 * refused login, a login that timed out, and the daemon letting go while I/O is in flight; and
 * a login parked while its LUN's storage connects (env.get_target CONN_TARGET_PENDING). Each
 * case ends as the daemon ends a connection (target/daemon/netconn.c): conn_shutdown once the
 * last response is sent or the socket is gone, wait for CONN_CLOSED, conn_free. The sequence is
 * read from env.phase_changed, so a phase skipped, added or reordered fails here. */
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "test/unit/iscsi/pipe.h"

/* As netconn_poke: shut down, let the I/O come back, free once closed. */
static void daemon_ends(struct pipe *p)
{
	conn_shutdown(p->c, "closing");
	pump(p);
	CHECK_EQ(conn_phase(p->c), CONN_CLOSED);
	CHECK(conn_idle(p->c));
	pipe_fini(p);
}

static bool logged_in(struct pipe *p)
{
	if (!login_linux(p, NULL)) {
		pipe_fini(p);
		return false;
	}
	clear_ua(p);
	return true;
}

/* A READ of 8 blocks whose I/O is queued but not run (p->hold). */
static uint32_t read_in_flight(struct pipe *p)
{
	uint8_t cdb[16];
	ini_cdb_rw10(cdb, OP_READ10, 0, 8);
	p->hold = true;
	uint32_t itt = send_cmd(p, cdb, true, false, 4096);
	CHECK(!conn_idle(p->c));
	return itt;
}

/* A WRITE of one block with all its data immediate, on its way to the disk (p->hold). */
static void write_in_flight(struct pipe *p, uint32_t lba, uint8_t *blk)
{
	uint8_t cdb[16];
	ini_cdb_rw10(cdb, OP_WRITE10, lba, 1);
	fill_pattern(blk, BLOCK_SIZE, lba);
	p->hold = true;
	send_cmd_sn(p, cdb, false, true, BLOCK_SIZE, p->cmdsn++, false, blk, BLOCK_SIZE, true);
	CHECK(!conn_idle(p->c));
}

static void send_logout(struct pipe *p, uint32_t *itt)
{
	struct iscsi_pdu pdu;
	struct ini_logout l = {.immediate = true,
			       .reason = ISCSI_LOGOUT_CLOSE_SESSION,
			       .itt = p->itt++,
			       .cmdsn = p->cmdsn,
			       .exp_statsn = p->exp_statsn};
	*itt = l.itt;
	ini_build_logout(&pdu, &l);
	send_pdu(p, &pdu);
}

static void test_phases_logout(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	logout(&p); /* the LUN is flushed and given back before the response */
	CHECK_EQ(p.puts, 1);
	daemon_ends(&p);
	CHECK_STR(
	    phases_str(&p),
	    "login -> full feature -> logout wait -> logged out -> closing -> closed -> freed");
}

/* The logout waits for the READ, then for the LUN's flush; the response comes last. */
static void test_phases_logout_io_in_flight(void)
{
	struct pipe p;
	uint32_t litt;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	uint32_t itt = read_in_flight(&p);
	send_logout(&p, &litt);
	CHECK_EQ(conn_phase(p.c), CONN_LOGOUT_WAIT);
	CHECK(conn_tx_head(p.c) == NULL); /* nothing before the READ's data is back */
	p.hold = false;
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_DATA_IN);
	CHECK_EQ(rx32(r, INI_OFF_ITT), itt);
	r = expect(&p, ISCSI_OP_LOGOUT_RSP);
	CHECK_EQ(rx32(r, INI_OFF_ITT), litt);
	expect_none(&p);
	CHECK_EQ(conn_phase(p.c), CONN_LOGGED_OUT);
	daemon_ends(&p);
	CHECK_STR(
	    phases_str(&p),
	    "login -> full feature -> logout wait -> logged out -> closing -> closed -> freed");
}

/* The peer resets the connection: the LUN's file is flushed before the LUN goes back. */
static void test_phases_peer_reset(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	unsigned flushes = p.mq.flushes;
	conn_shutdown(p.c, "connection closed by the initiator");
	CHECK_EQ(conn_phase(p.c), CONN_FLUSHING);
	daemon_ends(&p);
	CHECK_EQ(p.flushes_at_put, flushes + 1);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
}

/* The peer resets while a WRITE is on its way to the file: the connection stays CLOSING until
 * the write is back, the write reaches the disk, then the flush. */
static void test_phases_peer_reset_write_in_flight(void)
{
	struct pipe p;
	uint8_t blk[BLOCK_SIZE];

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	write_in_flight(&p, 300, blk);
	conn_shutdown(p.c, "connection closed by the initiator");
	CHECK_EQ(conn_phase(p.c), CONN_CLOSING);
	CHECK_EQ(p.puts, 0);
	p.hold = false;
	unsigned flushes = p.mq.flushes;
	pump(&p);
	CHECK_MEM((uint8_t *)p.dev.mem + 300 * BLOCK_SIZE, blk, BLOCK_SIZE);
	daemon_ends(&p);
	CHECK_EQ(p.flushes_at_put, flushes + 1);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
}

/* A TMF with I/O in flight is not a phase: the connection stays in full feature while the
 * response waits. A target cold reset answers once the I/O is back, then ends the session. */
static void test_phases_tmf_io_in_flight(void)
{
	struct pipe p;
	uint32_t tmf_itt;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	read_in_flight(&p);
	send_tmf(&p, ISCSI_TMF_ABORT_TASK_SET, 0, 0, &tmf_itt);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	p.hold = false;
	pump(&p);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	CHECK_STR(phases_str(&p), "login -> full feature");

	read_in_flight(&p);
	send_tmf(&p, ISCSI_TMF_TARGET_COLD_RESET, 0, 0, &tmf_itt);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	CHECK(conn_tx_head(p.c) == NULL);
	p.hold = false;
	pump(&p);
	CHECK_EQ(expect_tmf_rsp(&p, tmf_itt), ISCSI_TMF_RSP_COMPLETE);
	expect_none(&p);
	CHECK_EQ(conn_phase(p.c), CONN_LOGGED_OUT);
	daemon_ends(&p);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> logged out -> closing -> flushing -> closed -> freed");
}

/* A kill (a newer session with the same ISID, a PREEMPT from the CLI's side) while a READ is in
 * flight: its Data-In is never sent, the connection closes once the READ is back. */
static void test_phases_kill(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	read_in_flight(&p);
	conn_shutdown(p.c, "replaced by a new session of the same initiator and ISID");
	CHECK_EQ(conn_phase(p.c), CONN_CLOSING);
	p.hold = false;
	pump(&p);
	expect_none(&p);
	daemon_ends(&p);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
}

/* SIGTERM: every connection is shut down; a write in flight still reaches the file, and the
 * file is flushed before the LUN goes back. */
static void test_phases_sigterm_drain(void)
{
	struct pipe p;
	uint8_t blk[BLOCK_SIZE];

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	write_in_flight(&p, 40, blk);
	unsigned flushes = p.mq.flushes;
	conn_shutdown(p.c, "the target is stopping");
	p.hold = false;
	pump(&p);
	CHECK_MEM((uint8_t *)p.dev.mem + 40 * BLOCK_SIZE, blk, BLOCK_SIZE);
	daemon_ends(&p);
	CHECK_EQ(p.flushes_at_put, flushes + 1);
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.removes, 1);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
}

/* The daemon lets go with a READ in flight: the connection lives on, holding the LUN, until the
 * READ is back and the file flushed; the last completion frees it. */
static void test_phases_free_io_in_flight(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	if (!logged_in(&p))
		return;
	read_in_flight(&p);
	conn_free(p.c);
	CHECK_STR(phases_str(&p), "login -> full feature -> closing");
	CHECK_EQ(p.puts, 0);
	unsigned kicks = p.kicks;
	blk_mem_run(&p.mq);
	CHECK_EQ(p.kicks, kicks); /* nobody is told: the daemon has gone */
	CHECK_EQ(p.puts, 1);
	CHECK_EQ(p.removes, 1);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
	p.c = NULL;
	scsi_lu_free(p.lu);
	blk_mem_dev_fini(&p.dev);
	framer_fini(&p.fr);
	for (unsigned i = 0; i < p.nrx; i++)
		free(p.rx[i].data);
	free(p.rx);
}

/* A refused login: its response goes, then the connection closes; no LUN was taken. */
static void test_phases_login_refused(void)
{
	struct pipe p;
	struct text_in text;
	struct rx *r;

	pipe_init(&p, NULL);
	if (text_in_init(&text, 65536) != 0)
		abort();
	static const char keys[] = "InitiatorName=iqn.2004-10.com.debian:01:abcdef\n"
				   "TargetName=iqn.2026-11.org.ringsan:nosuchdisk\n";
	const struct login_step s = {true, 1, 3, keys};
	CHECK(login_pdu(&p, &s, &text, &r) != 0);
	text_in_fini(&text);
	CHECK_EQ(conn_phase(p.c), CONN_LOGGED_OUT);
	daemon_ends(&p);
	CHECK_EQ(p.gets, 0);
	CHECK_STR(phases_str(&p), "login -> logged out -> closing -> closed -> freed");
}

/* A login that does not finish in time is dropped. */
static void test_phases_login_timeout(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	p.now += 30000;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_CLOSED);
	pipe_fini(&p);
	CHECK_STR(phases_str(&p), "login -> closing -> closed -> freed");
}

/* The last login request of a Linux login, its target's LU not ready (p->park): nothing is
 * answered while it waits. */
static void send_parked_login(struct pipe *p)
{
	static uint8_t buf[8192];
	struct iscsi_pdu pdu;
	uint32_t len = ini_text_keys(ini_keys_linux, buf, sizeof(buf));
	struct ini_login l = {.transit = true, .csg = 1, .nsg = 3, .itt = p->itt++};

	p->park = 1;
	ini_build_login(&pdu, &l, buf, len);
	send_pdu(p, &pdu);
	expect_none(p);
	CHECK(conn_login_parked(p->c));
	CHECK_EQ(conn_phase(p->c), CONN_LOGIN);
	CHECK_EQ(p->gets, 0);
}

/* Parked, then the LU is ready: the login completes on resume. */
static void test_login_parked_then_done(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	send_parked_login(&p);
	CHECK(conn_login_resume(p.c));
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_LOGIN_RSP);
	CHECK_EQ(get_be16(r->bhs + INI_OFF_LOGIN_STATUS), 0);
	CHECK_EQ(conn_phase(p.c), CONN_FULL_FEATURE);
	CHECK(!conn_login_parked(p.c));
	CHECK_EQ(p.gets, 1);
	CHECK(!conn_login_resume(p.c)); /* once only */
	daemon_ends(&p);
	CHECK_EQ(p.puts, 1);
	CHECK_STR(phases_str(&p),
		  "login -> full feature -> closing -> flushing -> closed -> freed");
}

/* Parked, then the storage refused: the login is rejected 03/01 on resume. */
static void test_login_parked_then_refused(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	send_parked_login(&p);
	p.park_status = ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	CHECK(conn_login_resume(p.c));
	pump(&p);
	struct rx *r = expect(&p, ISCSI_OP_LOGIN_RSP);
	CHECK_EQ(get_be16(r->bhs + INI_OFF_LOGIN_STATUS), ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE);
	CHECK_EQ(conn_phase(p.c), CONN_LOGGED_OUT);
	CHECK_EQ(conn_login_status(p.c), ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE);
	daemon_ends(&p);
	CHECK_EQ(p.gets, 0);
	CHECK_STR(phases_str(&p), "login -> logged out -> closing -> closed -> freed");
}

/* Parked past login_timeout: dropped; the answer that comes later is not taken. */
static void test_login_parked_timeout(void)
{
	struct pipe p;

	pipe_init(&p, NULL);
	send_parked_login(&p);
	p.now += 30000;
	conn_tick(p.c, p.now);
	CHECK_EQ(conn_phase(p.c), CONN_CLOSED);
	CHECK(!conn_login_resume(p.c));
	CHECK_EQ(p.gets, 0);
	pipe_fini(&p);
	CHECK_EQ(p.puts, 0);
	CHECK_STR(phases_str(&p), "login -> closing -> closed -> freed");
}

/* Another login request before the parked one was answered: a protocol error. */
static void test_login_parked_then_pdu(void)
{
	struct pipe p;
	static uint8_t buf[8192];
	struct iscsi_pdu pdu;

	pipe_init(&p, NULL);
	send_parked_login(&p);
	uint32_t len = ini_text_keys(ini_keys_linux, buf, sizeof(buf));
	struct ini_login l = {.transit = true, .csg = 1, .nsg = 3, .itt = p.itt++};
	ini_build_login(&pdu, &l, buf, len);
	send_pdu(&p, &pdu);
	CHECK(conn_phase(p.c) >= CONN_CLOSING);
	CHECK(!conn_login_resume(p.c));
	pump(&p);
	pipe_fini(&p);
	CHECK_EQ(p.gets, 0);
}

void test_conn_life(void)
{
	test_login_parked_then_done();
	test_login_parked_then_refused();
	test_login_parked_timeout();
	test_login_parked_then_pdu();
	test_phases_logout();
	test_phases_logout_io_in_flight();
	test_phases_peer_reset();
	test_phases_peer_reset_write_in_flight();
	test_phases_tmf_io_in_flight();
	test_phases_kill();
	test_phases_sigterm_drain();
	test_phases_free_io_in_flight();
	test_phases_login_refused();
	test_phases_login_timeout();
}
