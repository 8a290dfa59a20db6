/* test_scsi_sanitize.c: SANITIZE (sanitize.c) as the LU's background job, through the test
 * transport and the memory backend: parameter checks, the patterns, what other commands see
 * while it runs, IMMED, an aborted command whose job goes on, failure mode, the saved state and
 * its restore after a restart, and zero passes that leave holes alone. */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

#define BS     512u
#define BLOCKS 4096u

static struct drv d;
static struct drv_result r;
static uint8_t saved[8192];
static size_t saved_len;
static unsigned saves;

static void cmd(const uint8_t *cdb, size_t len, const void *dout, size_t dlen)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, dout, dlen, &r);
}

#define expect_sense(key, asc, ascq) drv_expect_sense(&r, (key), (asc), (ascq))

static int save_bg(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	CHECK(len <= sizeof(saved));
	memcpy(saved, buf, len);
	saved_len = len;
	saves++;
	return 0;
}

static void sanitize(uint8_t b1, const uint8_t *list, uint16_t len)
{
	uint8_t c[10] = {0x48, b1};
	put_be16(c + 7, len);
	cmd(c, 10, list, len);
}

static void tur(void)
{
	uint8_t c[6] = {0};
	cmd(c, 6, NULL, 0);
}

static const uint8_t *mem(void)
{
	return d.dev.mem;
}

static void test_params(void)
{
	uint8_t p[4 + BS];
	static const struct {
		uint8_t sa;
		uint8_t b0;
		uint16_t plen;
		uint16_t len;
		uint8_t asc;
	} bad[] = {
	    {0x01, 0x01, BS, 4, 0x24},
	    {0x01, 0x01, BS, BS + 5, 0x24}, /* list length */
	    {0x01, 0x00, BS, BS + 4, 0x26}, /* OVERWRITE COUNT 0 */
	    {0x01, 0x01, 0, BS + 4, 0x26},  /* pattern length 0 */
	    {0x01, 0x01, BS + 1, BS + 4, 0x26},
	    {0x01, 0x21, 4, 8, 0x26}, /* TEST */
	    {0x02, 0, 0, 8, 0x24},
	    {0x1f, 0, 0, 8, 0x24}, /* no list allowed */
	    {0x03, 0, 0, 0, 0x24},
	    {0x00, 0, 0, 0, 0x24}, /* crypto, reserved */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(p, 0x55, sizeof(p));
		p[0] = bad[i].b0;
		p[1] = 0;
		put_be16(p + 2, bad[i].plen);
		sanitize(bad[i].sa, p, bad[i].len);
		expect_sense(0x5, bad[i].asc, 0x00);
	}
	CHECK_EQ(d.bg_starts, 0);
	CHECK_EQ(saves, 0);
}

static void test_patterns(void)
{
	uint8_t p[8];
	/* OVERWRITE with a 3-byte pattern, two passes, INVERT: the last pass is inverted */
	p[0] = 0x80 | 2;
	p[1] = 0;
	put_be16(p + 2, 3);
	p[4] = 0x01, p[5] = 0x02, p[6] = 0x03;
	unsigned starts = d.bg_starts;
	sanitize(0x01, p, 7);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(d.bg_starts, starts + 1);
	const uint8_t *m = mem();
	CHECK(m[0] == 0xfe && m[1] == 0xfd && m[2] == 0xfc && m[3] == 0xfe);
	uint8_t last = (uint8_t)(0xff ^ p[4 + (BS - 1) % 3]);
	CHECK(m[BS] == 0xfe && m[BS - 1] == last);
	CHECK_EQ(m[(uint64_t)BLOCKS * BS - BS], 0xfe);
	CHECK_EQ(saved_len, 0); /* the saved state is gone once it is done */
	/* BLOCK ERASE: zeroes everywhere */
	sanitize(0x02, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(m[0] == 0 && m[(uint64_t)BLOCKS * BS - 1] == 0);
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
}

/* A zero pattern on a thin LU overwrites the data extents in place, leaves holes alone and
 * punches the LU at the end. */
static void test_zero_pass(void)
{
	uint8_t w[10] = {0x2a, 0, 0, 0, 0, 64, 0, 0, 8, 0}, data[8 * BS], p[8] = {0x01, 0, 0, 4};
	memset(data, 0x5a, sizeof(data));
	cmd(w, 10, data, sizeof(data)); /* blocks 64..71 */
	CHECK_EQ(r.status, SCSI_GOOD);
	unsigned before = d.bg_requests;
	sanitize(0x01, p, 8);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* seek data, seek hole, one write, seek data (none left), flush, punch, flush */
	CHECK(d.bg_requests - before <= 8);
	for (uint64_t i = 0; i < (uint64_t)BLOCKS * BS; i++)
		if (mem()[i]) {
			CHECK(!"a byte survived the zero overwrite");
			break;
		}
}

/* IMMED: GOOD at once; while the job runs every command but INQUIRY, REPORT LUNS and REQUEST
 * SENSE ends with SANITIZE IN PROGRESS, with a progress indication that grows. */
static void test_immed_in_progress(void)
{
	uint8_t p[4 + BS];
	p[0] = 0x01;
	p[1] = 0;
	put_be16(p + 2, BS);
	memset(p + 4, 0x77, BS);
	d.bg_manual = true;
	sanitize(0x80 | 0x01, p, 4 + BS);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(d.bg_pending);
	tur();
	expect_sense(0x2, 0x04, 0x1b);
	uint8_t rd[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	cmd(rd, 10, NULL, 0);
	expect_sense(0x2, 0x04, 0x1b);
	sanitize(0x80 | 0x02, NULL, 0); /* a second one */
	expect_sense(0x2, 0x04, 0x1b);
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	cmd(inq, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* the job in steps: a 2 MiB LU is one chunk, so one write, then the flush */
	d.bg_stop_after = 1;
	CHECK_EQ(drv_run_bg(&d), 1);
	uint8_t rs[6] = {0x03, 0, 0, 0, 252, 0};
	cmd(rs, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(r.data_len >= 18 && (r.data[2] & 0x0f) == 0x2 && r.data[12] == 0x04 &&
	      r.data[13] == 0x1b);
	CHECK(r.data_len >= 18 && (r.data[15] & 0x80) && get_be16(r.data + 16) > 0);
	CHECK_EQ(mem()[0], 0x77);
	d.bg_stop_after = 0;
	drv_run_bg(&d);
	d.bg_manual = false;
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
}

static void no_wake(struct scsi_task *t)
{
	(void)t;
	CHECK(!"an aborted SANITIZE was woken");
}

/* A SANITIZE without IMMED that is aborted while it waits: the job goes on to its end. */
static void test_abort_keeps_job(void)
{
	uint8_t c[16] = {0x48, 0x02}; /* BLOCK ERASE, no IMMED */
	struct scsi_task t;
	uint8_t wr[10] = {0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0}, blk[BS];
	memset(blk, 0x11, sizeof(blk));
	cmd(wr, 10, blk, BS);
	d.bg_manual = true;
	memset(&t, 0, sizeof(t));
	t.cdb = c;
	t.cdb_len = 16;
	t.nexus = &d.nx;
	t.wake = no_wake;
	CHECK_EQ(scsi_task_start(d.lu, &t), SCSI_NEXT_WAIT);
	CHECK(scsi_task_cancel_wait(d.lu, &t));
	scsi_task_fini(&t);
	tur();
	expect_sense(0x2, 0x04, 0x1b);
	CHECK(saved_len > 0);
	drv_run_bg(&d);
	d.bg_manual = false;
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(mem()[0], 0);
	CHECK_EQ(saved_len, 0);
}

static unsigned woken;

static void count_wake(struct scsi_task *t)
{
	(void)t;
	woken++;
}

static void task_init(struct scsi_task *t, uint8_t *cdb, bool rd, bool wr, uint32_t len)
{
	memset(t, 0, sizeof(*t));
	t->cdb = cdb;
	t->cdb_len = 16;
	t->nexus = &d.nx;
	t->wake = count_wake;
	t->dir_read = rd;
	t->dir_write = wr;
	t->exp_xfer_len = len;
}

/* A WRITE that passed its checks and waits for a range while a SANITIZE takes the LU: when the
 * sanitize lets it go, the WRITE ends with SANITIZE IN PROGRESS instead of writing behind it. */
static void test_waiting_write_refused(void)
{
	uint8_t rd[16] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1}, wr[16] = {0x2a, 0, 0, 0, 0, 8, 0, 0, 1};
	uint8_t er[16] = {0x48, 0x82}; /* IMMED, BLOCK ERASE */
	struct scsi_task h, san, w;
	d.bg_manual = true;
	woken = 0;
	task_init(&h, rd, true, false, BS);
	CHECK_EQ(scsi_task_start(d.lu, &h), SCSI_NEXT_READ); /* holds a shared range */
	task_init(&san, er, false, false, 0);
	CHECK_EQ(scsi_task_start(d.lu, &san), SCSI_NEXT_WAIT);
	task_init(&w, wr, false, true, BS);
	CHECK_EQ(scsi_task_start(d.lu, &w), SCSI_NEXT_WAIT); /* behind the waiting sanitize */
	CHECK_EQ(scsi_task_stream_done(d.lu, &h, BS), SCSI_NEXT_DONE);
	CHECK_EQ(woken, 1);
	CHECK_EQ(scsi_task_resume(d.lu, &san), SCSI_NEXT_DONE);
	CHECK_EQ(san.status, SCSI_GOOD);
	CHECK_EQ(woken, 2);
	CHECK_EQ(scsi_task_resume(d.lu, &w), SCSI_NEXT_DONE);
	CHECK_EQ(w.status, SCSI_CHECK_CONDITION);
	CHECK(w.sense_len >= 14 && (w.sense[2] & 0x0f) == 0x2 && w.sense[12] == 0x04 &&
	      w.sense[13] == 0x1b);
	scsi_task_fini(&h);
	scsi_task_fini(&san);
	scsi_task_fini(&w);
	drv_run_bg(&d);
	d.bg_manual = false;
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
}

/* A failed job: failure mode (saved) until EXIT FAILURE MODE, which AUSE allows. */
static void test_failure_mode(void)
{
	d.bg_fail_at = d.bg_requests + 1;
	d.bg_fail_res = -EIO;
	sanitize(0x22, NULL, 0); /* AUSE, BLOCK ERASE */
	expect_sense(0x3, 0x31, 0x03);
	CHECK(saved_len > 4 && saved[4] == 2);
	uint8_t rd[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	cmd(rd, 10, NULL, 0);
	expect_sense(0x3, 0x31, 0x03);
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	cmd(inq, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* a restart keeps failure mode */
	uint8_t keep[64];
	size_t keep_len = saved_len;
	memcpy(keep, saved, keep_len);
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	CHECK_EQ(sanitize_restore(d.lu, keep, keep_len), 0);
	cmd(rd, 10, NULL, 0);
	expect_sense(0x3, 0x31, 0x03);
	sanitize(0x1f, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(saved_len, 0);
	cmd(rd, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* without AUSE, EXIT FAILURE MODE is refused */
	d.bg_fail_at = d.bg_requests + 1;
	sanitize(0x02, NULL, 0);
	expect_sense(0x3, 0x31, 0x03);
	sanitize(0x1f, NULL, 0);
	expect_sense(0x3, 0x31, 0x03);
	sanitize(0x02, NULL, 0); /* a sanitize that succeeds ends it */
	CHECK_EQ(r.status, SCSI_GOOD);
	cmd(rd, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
}

/* The target stops in the middle of a job; the LU made again resumes it from the saved state. */
static void test_restore(void)
{
	uint8_t p[8] = {0x01, 0, 0, 4, 0xc3, 0xc3, 0xc3, 0xc3};
	d.bg_manual = true;
	sanitize(0x80 | 0x01, p, 8);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(saved_len == 14 && saved[4] == 1 && saved[5] == 1 && saved[7] == 1);
	uint8_t keep[64];
	size_t keep_len = saved_len;
	memcpy(keep, saved, keep_len);
	d.bg_pending = false; /* the daemon stopped before running it */
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(sanitize_restore(d.lu, keep, keep_len), 1);
	tur();
	expect_sense(0x2, 0x04, 0x1b);
	drv_run_bg(&d);
	d.bg_manual = false;
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(mem()[0] == 0xc3 && mem()[(uint64_t)BLOCKS * BS - 1] == 0xc3);
	CHECK_EQ(saved_len, 0);
	/* states that do not parse change nothing */
	static const uint8_t bad[][14] = {
	    {'R', 'S', 'Z', '2', 1, 1, 0, 1, 0, 4, 1, 2, 3, 4},
	    {'R', 'S', 'Z', '1', 3, 1, 0, 1, 0, 4, 1, 2, 3, 4}, /* state */
	    {'R', 'S', 'Z', '1', 1, 7, 0, 1, 0, 4, 1, 2, 3, 4}, /* service action */
	    {'R', 'S', 'Z', '1', 1, 1, 4, 1, 0, 4, 1, 2, 3, 4}, /* flags */
	    {'R', 'S', 'Z', '1', 1, 1, 0, 0, 0, 4, 1, 2, 3, 4}, /* no passes */
	    {'R', 'S', 'Z', '1', 1, 1, 0, 1, 0, 5, 1, 2, 3, 4}, /* length */
	    {'R', 'S', 'Z', '1', 1, 2, 0, 1, 0, 4, 1, 2, 3, 4}, /* erase with a pattern */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(sanitize_restore(d.lu, bad[i], sizeof(bad[i])), -EINVAL);
	CHECK_EQ(sanitize_restore(d.lu, bad[0], 3), -EINVAL);
	CHECK_EQ(sanitize_restore(d.lu, NULL, 0), 0);
	tur();
	CHECK_EQ(r.status, SCSI_GOOD);
}

int main(void)
{
	if (drv_init(&d, (uint64_t)BLOCKS * BS, BS) != 0)
		return 1;
	d.cfg.save_bg = save_bg;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	test_params();
	test_patterns();
	test_zero_pass();
	test_immed_in_progress();
	test_abort_keeps_job();
	test_waiting_write_refused();
	test_failure_mode();
	test_restore();
	drv_result_free(&r);
	drv_fini(&d);
	return CHECK_SUMMARY();
}
