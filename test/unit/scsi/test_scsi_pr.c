/* test_scsi_pr.c: reservations with two initiators (two I_T nexuses on one LU): the SPC-4
 * conflict table for every type, PERSISTENT RESERVE IN / OUT service actions and the unit
 * attentions they owe, SPC-2 RESERVE / RELEASE, APTPL save and restore (pr_serialize /
 * pr_parse), and the thin-provisioning soft threshold. */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "test/unit/check.h"
#include "target/scsi/pr.h"
#include "scsi_driver.h"

static struct drv d;
static struct drv_result r;
static struct scsi_nexus nx2;

static void run(struct scsi_nexus *nx, const uint8_t *cdb, size_t len, const void *dout,
		size_t dlen)
{
	drv_result_free(&r);
	drv_run(&d, d.lu, nx, cdb, len, dout, dlen, &r);
}

static void clear_ua(struct scsi_nexus *nx)
{
	static const uint8_t tur[6] = {0};
	for (int i = 0; i < 16; i++) {
		run(nx, tur, 6, NULL, 0);
		if (r.status == SCSI_GOOD)
			return;
	}
}

static uint8_t prout(struct scsi_nexus *nx, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey,
		     uint8_t flags)
{
	uint8_t cdb[10] = {0x5f, sa, type}, list[24] = {0};
	put_be32(cdb + 5, 24);
	put_be64(list, key);
	put_be64(list + 8, sakey);
	list[20] = flags;
	run(nx, cdb, 10, list, 24);
	return r.status;
}

static void prin(struct scsi_nexus *nx, uint8_t sa)
{
	uint8_t cdb[10] = {0x5e, sa};
	put_be16(cdb + 7, 4096);
	run(nx, cdb, 10, NULL, 0);
}

static uint8_t rw(struct scsi_nexus *nx, bool write)
{
	static uint8_t blk[512];
	uint8_t cdb[10] = {write ? 0x2a : 0x28};
	put_be32(cdb + 2, 10);
	put_be16(cdb + 7, 1);
	run(nx, cdb, 10, blk, write ? 512 : 0);
	return r.status;
}

/* SPC-4 5.9.1 / SBC-4 4.17: what the second initiator may do, registered or not. */
static void test_conflict_table(void)
{
	static const struct {
		uint8_t type;
		bool reg_read, reg_write, unreg_read, unreg_write;
	} cases[] = {
	    {PR_WE, true, false, true, false},	{PR_EA, false, false, false, false},
	    {PR_WERO, true, true, true, false}, {PR_EARO, true, true, false, false},
	    {PR_WEAR, true, true, true, false}, {PR_EAAR, true, true, false, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(prout(&d.nx, 6, 0, 0, 0x1111, 0), SCSI_GOOD);
		CHECK_EQ(prout(&nx2, 6, 0, 0, 0x2222, 0), SCSI_GOOD);
		CHECK_EQ(prout(&d.nx, 1, cases[i].type, 0x1111, 0, 0), SCSI_GOOD);
		CHECK_EQ(rw(&d.nx, false), SCSI_GOOD);
		CHECK_EQ(rw(&d.nx, true), SCSI_GOOD);
		CHECK_EQ(rw(&nx2, false) == SCSI_GOOD, cases[i].reg_read);
		CHECK_EQ(rw(&nx2, true) == SCSI_GOOD, cases[i].reg_write);
		CHECK_EQ(prout(&nx2, 0, 0, 0x2222, 0, 0), SCSI_GOOD); /* unregister */
		clear_ua(&nx2);
		CHECK_EQ(rw(&nx2, false) == SCSI_GOOD, cases[i].unreg_read);
		CHECK_EQ(rw(&nx2, true) == SCSI_GOOD, cases[i].unreg_write);
		prin(&nx2, 1); /* PR IN is always allowed */
		CHECK_EQ(r.status, SCSI_GOOD);
		CHECK_EQ(r.data[21], cases[i].type);
		CHECK_EQ(get_be64(r.data + 8),
			 (cases[i].type == PR_WEAR || cases[i].type == PR_EAAR) ? 0 : 0x1111);
		CHECK_EQ(prout(&d.nx, 2, cases[i].type, 0x1111, 0, 0), SCSI_GOOD);
		CHECK_EQ(prout(&d.nx, 0, 0, 0x1111, 0, 0), SCSI_GOOD);
		clear_ua(&d.nx), clear_ua(&nx2);
	}
}

static void test_service_actions(void)
{
	/* REGISTER with a wrong key from an unregistered nexus: conflict */
	CHECK_EQ(prout(&d.nx, 0, 0, 5, 0x1111, 0), SCSI_RESERVATION_CONFLICT);
	prin(&d.nx, 0);
	uint32_t gen = get_be32(r.data);
	CHECK_EQ(prout(&d.nx, 0, 0, 0, 0x1111, 0), SCSI_GOOD);
	CHECK_EQ(prout(&nx2, 0, 0, 0, 0x2222, 0), SCSI_GOOD);
	prin(&d.nx, 0);
	CHECK_EQ(get_be32(r.data + 4), 16);
	CHECK_EQ(get_be32(r.data), gen + 2); /* PRGENERATION: one per registration */
	/* RESERVE needs the right key; another holder's RESERVE conflicts */
	CHECK_EQ(prout(&d.nx, 1, PR_WE, 0x9999, 0, 0), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(prout(&d.nx, 1, PR_WE, 0x1111, 0, 0), SCSI_GOOD);
	CHECK_EQ(prout(&nx2, 1, PR_WE, 0x2222, 0, 0), SCSI_RESERVATION_CONFLICT);
	/* RELEASE with another type: INVALID RELEASE OF PERSISTENT RESERVATION */
	CHECK_EQ(prout(&d.nx, 2, PR_EA, 0x1111, 0, 0), SCSI_CHECK_CONDITION);
	CHECK(r.asc == 0x26 && r.ascq == 0x04);
	/* PREEMPT by nx2 of the holder's key: nx1 loses registration and reservation */
	CHECK_EQ(prout(&nx2, 4, PR_EA, 0x2222, 0x1111, 0), SCSI_GOOD);
	run(&d.nx, (const uint8_t[6]){0}, 6, NULL, 0);
	CHECK(r.key == 6 && r.asc == 0x2a && r.ascq == 0x05); /* REGISTRATIONS PREEMPTED */
	prin(&d.nx, 1);
	CHECK_EQ(r.data[21], PR_EA);
	CHECK_EQ(get_be64(r.data + 8), 0x2222);
	CHECK_EQ(rw(&d.nx, false), SCSI_RESERVATION_CONFLICT);
	/* READ FULL STATUS: one registrant, the holder, with its TransportID */
	prin(&nx2, 3);
	CHECK_EQ(r.data[8 + 12], 0x01);
	CHECK_EQ(r.data[8 + 24], 0x45);
	CHECK(strstr((const char *)r.data + 8 + 28, ",i,0x") != NULL);
	/* CLEAR: everything goes; others get RESERVATIONS PREEMPTED */
	CHECK_EQ(prout(&d.nx, 0, 0, 0, 0x1111, 0), SCSI_GOOD);
	CHECK_EQ(prout(&nx2, 3, 0, 0x2222, 0, 0), SCSI_GOOD);
	run(&d.nx, (const uint8_t[6]){0}, 6, NULL, 0);
	CHECK(r.key == 6 && r.asc == 0x2a && r.ascq == 0x03);
	prin(&d.nx, 0);
	CHECK_EQ(get_be32(r.data + 4), 0);
	/* parameter list length, service action, SPEC_I_PT, APTPL without save_pr */
	uint8_t cdb[10] = {0x5f, 0};
	put_be32(cdb + 5, 20);
	run(&d.nx, cdb, 10, NULL, 20);
	CHECK(r.status == SCSI_CHECK_CONDITION && r.asc == 0x1a);
	CHECK_EQ(prout(&d.nx, 9, 0, 0, 1, 0), SCSI_CHECK_CONDITION);
	CHECK_EQ(prout(&d.nx, 0, 0, 0, 1, 0x08), SCSI_CHECK_CONDITION);
	CHECK_EQ(prout(&d.nx, 0, 0, 0, 1, 0x01), SCSI_CHECK_CONDITION);
	prin(&d.nx, 4);
	CHECK(r.status == SCSI_CHECK_CONDITION && r.asc == 0x24);
	prin(&d.nx, 2); /* REPORT CAPABILITIES */
	CHECK_EQ(get_be16(r.data), 8);
	CHECK_EQ(r.data[2] & 0x01, 0); /* PTPL_C: no save_pr here */
}

static void test_spc2(void)
{
	static const uint8_t res6[6] = {0x16}, rel6[6] = {0x17}, ms6[6] = {0x1a, 0, 0x3f, 0, 255};
	run(&d.nx, res6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	run(&nx2, res6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_RESERVATION_CONFLICT);
	run(&nx2, rel6, 6, NULL, 0); /* not the holder: nothing happens */
	CHECK_EQ(r.status, SCSI_GOOD);
	run(&nx2, ms6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_RESERVATION_CONFLICT);
	run(&nx2, (const uint8_t[6]){0x12, 0, 0, 0, 36}, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	scsi_lu_reset(d.lu, &nx2); /* LUN reset releases it */
	clear_ua(&d.nx), clear_ua(&nx2);
	run(&nx2, res6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	scsi_lu_detach(d.lu, &nx2); /* nexus loss releases it */
	scsi_lu_attach(d.lu, &nx2);
	clear_ua(&nx2);
	run(&d.nx, res6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	run(&d.nx, rel6, 6, NULL, 0);
	/* with a persistent registration, RESERVE(6) conflicts */
	CHECK_EQ(prout(&nx2, 0, 0, 0, 0x77, 0), SCSI_GOOD);
	run(&d.nx, res6, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(prout(&nx2, 0, 0, 0x77, 0, 0), SCSI_GOOD);
}

static uint8_t saved[PR_SAVE_MAX];
static size_t saved_len;
static int saves;

static int save_pr(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	memcpy(saved, buf, len);
	saved_len = len;
	saves++;
	return 0;
}

static void test_aptpl(void)
{
	d.cfg.save_pr = save_pr;
	drv_reopen(&d);
	scsi_lu_attach(d.lu, &nx2);
	clear_ua(&d.nx), clear_ua(&nx2);
	CHECK_EQ(prout(&d.nx, 0, 0, 0, 0xabc, 0x01), SCSI_GOOD);
	CHECK_EQ(prout(&nx2, 0, 0, 0, 0xdef, 0x01), SCSI_GOOD);
	CHECK_EQ(prout(&nx2, 1, PR_WERO, 0xdef, 0, 0), SCSI_GOOD);
	CHECK_EQ(saves, 3);
	/* a restart: the state comes back from what was saved */
	scsi_lu_detach(d.lu, &nx2);
	drv_reopen(&d);
	CHECK_EQ(pr_restore(d.lu, saved, saved_len), 0);
	scsi_lu_attach(d.lu, &nx2);
	clear_ua(&d.nx), clear_ua(&nx2);
	prin(&d.nx, 1);
	CHECK_EQ(r.data[21], PR_WERO);
	CHECK_EQ(get_be64(r.data + 8), 0xdef);
	CHECK_EQ(rw(&d.nx, true), SCSI_GOOD); /* registered: may write */
	prin(&d.nx, 2);
	CHECK_EQ(r.data[2] & 0x01, 1); /* PTPL_C */
	CHECK_EQ(r.data[3] & 0x01, 1); /* PTPL_A */
	/* APTPL off again: saved too, so a restart forgets */
	CHECK_EQ(prout(&d.nx, 0, 0, 0xabc, 0, 0), SCSI_GOOD);
	struct pr_state st;
	CHECK_EQ(pr_parse(&st, saved, saved_len), 0);
	CHECK(!st.aptpl && st.nregs == 1);
	d.cfg.save_pr = NULL;
	scsi_lu_detach(d.lu, &nx2);
	drv_reopen(&d);
	scsi_lu_attach(d.lu, &nx2);
}

static void test_codec(void)
{
	struct pr_state st = {.generation = 7, .aptpl = true, .type = PR_EA, .holder = 1}, back;
	uint8_t buf[PR_SAVE_MAX];
	st.nregs = 2;
	st.regs[0].key = 1;
	snprintf(st.regs[0].port, PR_PORT_MAX, "iqn.a,i,0x000000000001");
	st.regs[1].key = 2;
	st.regs[1].all_tg_pt = true;
	snprintf(st.regs[1].port, PR_PORT_MAX, "iqn.b,i,0x000000000002");
	size_t len = pr_serialize(&st, buf);
	CHECK_EQ(pr_parse(&back, buf, len), 0);
	CHECK(back.generation == 7 && back.aptpl && back.type == PR_EA && back.holder == 1);
	CHECK(back.nregs == 2 && back.regs[1].key == 2 && back.regs[1].all_tg_pt);
	CHECK_STR(back.regs[0].port, "iqn.a,i,0x000000000001");
	/* every truncation and a few corruptions are refused */
	for (size_t n = 0; n < len; n++)
		CHECK_EQ(pr_parse(&back, buf, n), -EINVAL);
	static const struct {
		size_t off;
		uint8_t val;
	} bad[] = {{0, 'X'}, {4, 2}, {5, 2}, {6, 5}, {7, 1}, {13, 3}, {22, 2}, {23, 0}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t copy[PR_SAVE_MAX];
		memcpy(copy, buf, len);
		copy[bad[i].off] = bad[i].val;
		CHECK_EQ(pr_parse(&back, copy, len), -EINVAL);
		CHECK_EQ(back.nregs, 0);
	}
}

static void test_space_low(void)
{
	clear_ua(&d.nx);
	CHECK(scsi_lu_space_low(d.lu, true));
	CHECK(!scsi_lu_space_low(d.lu, true)); /* once */
	run(&d.nx, (const uint8_t[6]){0}, 6, NULL, 0);
	CHECK(r.key == 6 && r.asc == 0x38 && r.ascq == 0x07);
	run(&d.nx, (const uint8_t[6]){0}, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(!scsi_lu_space_low(d.lu, false));
	CHECK(scsi_lu_space_low(d.lu, true)); /* re-armed */
	clear_ua(&d.nx), clear_ua(&nx2);
}

int main(void)
{
	if (drv_init(&d, 1u << 20, 512) != 0)
		return 1;
	snprintf(d.nx.initiator_port, sizeof(d.nx.initiator_port),
		 "iqn.1994-05.com.example:a,i,0x000000000001");
	snprintf(nx2.initiator_port, sizeof(nx2.initiator_port),
		 "iqn.1994-05.com.example:b,i,0x000000000002");
	scsi_lu_attach(d.lu, &nx2);
	clear_ua(&d.nx), clear_ua(&nx2);
	test_conflict_table();
	test_service_actions();
	test_spc2();
	test_aptpl();
	test_codec();
	test_space_low();
	scsi_lu_detach(d.lu, &nx2);
	drv_result_free(&r);
	drv_fini(&d);
	return CHECK_SUMMARY();
}
