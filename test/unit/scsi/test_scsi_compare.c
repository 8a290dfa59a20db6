/* test_scsi_compare.c: the range lock (lu_range.c) and the commands built on it (sbc_compare.c):
 * COMPARE AND WRITE, ORWRITE, WRITE ATOMIC(16); also WRITE AND VERIFY, PRE-FETCH and READ DEFECT
 * DATA. Interleavings are driven one disposition at a time by a small stepper; a threaded test
 * has two initiators race COMPARE AND WRITE on one block and checks that never both succeed. */
#include <pthread.h>
#include <stdlib.h>

#include "common/wire.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

#define BS     512u
#define BLOCKS 4096u

static struct drv d;
static struct drv_result r;

static void cmd(const uint8_t *cdb, size_t len, const void *dout, size_t dlen)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, dout, dlen, &r);
}

#define expect_sense(key, asc, ascq) drv_expect_sense(&r, (key), (asc), (ascq))

static void caw_cdb(uint8_t c[16], uint64_t lba, uint8_t n)
{
	memset(c, 0, 16);
	c[0] = 0x89;
	put_be64(c + 2, lba);
	c[13] = n;
}

static void fill(uint64_t lba, uint32_t n, uint8_t v)
{
	memset((uint8_t *)d.dev.mem + lba * BS, v, (size_t)n * BS);
}

/* ---- a stepper: one task advanced one disposition at a time ---- */

struct step {
	struct scsi_task t;
	uint8_t cdb[16];
	uint8_t *dout;
	size_t dout_len;
	enum scsi_next next;
	unsigned wakes;
};

static void step_wake(struct scsi_task *t)
{
	((struct step *)t)->wakes++; /* t is the first member */
}

static void step_start(struct step *s, const uint8_t *cdb, const void *dout, size_t dlen)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->cdb, cdb, 16);
	s->dout = calloc(1, dlen ? dlen : 1);
	if (dlen && dout)
		memcpy(s->dout, dout, dlen);
	s->dout_len = dlen;
	s->t.cdb = s->cdb;
	s->t.cdb_len = 16;
	s->t.nexus = &d.nx;
	s->t.exp_xfer_len = (uint32_t)dlen;
	s->t.wake = step_wake;
	s->next = scsi_task_start(d.lu, &s->t);
}

/* One action; returns false when the task is waiting and not yet woken, or done. */
static bool step_one(struct step *s)
{
	struct blk_io io;
	switch (s->next) {
	case SCSI_NEXT_DATA_OUT:
		memcpy(s->t.data, s->dout,
		       s->t.data_len < s->dout_len ? s->t.data_len : s->dout_len);
		s->next = scsi_task_resume(d.lu, &s->t);
		return true;
	case SCSI_NEXT_IO:
		blk_mem_execute(&s->t.io);
		s->next = scsi_task_resume(d.lu, &s->t);
		return true;
	case SCSI_NEXT_READ:
	case SCSI_NEXT_WRITE:
		memset(&io, 0, sizeof(io));
		io.op = s->next == SCSI_NEXT_READ ? BLK_READ : BLK_WRITE;
		io.dev = &d.dev;
		io.off = s->t.io_off;
		blk_io_set_buf(&io, s->dout, s->t.io_len);
		blk_mem_execute(&io);
		s->next = scsi_task_stream_done(d.lu, &s->t, io.res);
		return true;
	case SCSI_NEXT_WAIT:
		if (!s->wakes)
			return false;
		s->wakes--;
		s->next = scsi_task_resume(d.lu, &s->t);
		return true;
	default:
		return false;
	}
}

static void step_finish(struct step *s)
{
	while (step_one(s))
		;
}

static void step_fini(struct step *s)
{
	scsi_task_fini(&s->t);
	free(s->dout);
}

static uint8_t caw_buf[2 * 8 * BS];

static void caw_data(uint32_t n, uint8_t cmp, uint8_t wr)
{
	memset(caw_buf, cmp, n * BS);
	memset(caw_buf + n * BS, wr, n * BS);
}

/* ---- COMPARE AND WRITE, table-driven ---- */

static void test_caw_cases(void)
{
	static const struct {
		const char *what;
		uint64_t lba;
		uint8_t n, disk, cmp, wr;
		int32_t diff_at; /* byte of the verify data changed, -1 none */
		size_t dlen;	 /* Data-Out length; 0: 2 * n blocks */
		uint8_t status, key, asc;
		int64_t info;
	} cases[] = {
	    {"match, 1 block", 0, 1, 'A', 'A', 'B', -1, 0, SCSI_GOOD, 0, 0, -1},
	    {"match, 8 blocks at the end", BLOCKS - 8, 8, 'A', 'A', 'B', -1, 0, SCSI_GOOD, 0, 0,
	     -1},
	    {"miscompare at byte 0", 5, 1, 'A', 'A', 'B', 0, 0, 2, 0xe, 0x1d, 0},
	    {"miscompare in block 3", 9, 4, 'A', 'A', 'B', 3 * BS + 17, 0, 2, 0xe, 0x1d,
	     3 * BS + 17},
	    {"0 blocks: nothing", 0, 0, 'A', 'A', 'B', -1, 0, SCSI_GOOD, 0, 0, -1},
	    {"past the end", BLOCKS - 1, 2, 'A', 'A', 'B', -1, 0, 2, 5, 0x21, -1},
	    {"255 blocks, the maximum at 512 bytes", 0, 255, 0, 0, 0, -1, 0, SCSI_GOOD, 0, 0, -1},
	    {"Data-Out too short", 0, 1, 'A', 'A', 'B', -1, BS, 2, 5, 0x24, -1},
	    {"Data-Out too long", 0, 1, 'A', 'A', 'B', -1, 4 * BS, 2, 5, 0x24, -1},
	};
	uint8_t c[16];
	static uint8_t big[2 * 255 * BS];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = cases[i].n, used = n > 8 ? 8 : n;
		size_t dlen = cases[i].dlen ? cases[i].dlen : 2u * n * BS;
		if (cases[i].lba + n <= BLOCKS)
			fill(cases[i].lba, n, cases[i].disk);
		caw_data(used, cases[i].cmp, cases[i].wr);
		if (cases[i].diff_at >= 0)
			caw_buf[cases[i].diff_at] ^= 0xff;
		caw_cdb(c, cases[i].lba, cases[i].n);
		cmd(c, 16, n > 8 ? big : caw_buf, dlen);
		CHECK_EQ(r.status, cases[i].status);
		if (r.status != cases[i].status)
			fprintf(stderr, "  case: %s\n", cases[i].what);
		if (cases[i].status == SCSI_GOOD && n) {
			const uint8_t *m = (const uint8_t *)d.dev.mem + cases[i].lba * BS;
			CHECK(m[0] == cases[i].wr && m[n * BS - 1] == cases[i].wr);
		} else if (cases[i].status != SCSI_GOOD) {
			if (r.key != cases[i].key)
				fprintf(stderr, "  case: %s\n", cases[i].what);
			CHECK_EQ(r.key, cases[i].key);
			CHECK_EQ(r.asc, cases[i].asc);
		}
		if (cases[i].key == 0xe) { /* SBC-4 5.2: unchanged, offset in INFORMATION */
			uint64_t info = 0;
			CHECK(drv_information(&r, &info));
			CHECK_EQ(info, cases[i].info);
			CHECK_EQ(((uint8_t *)d.dev.mem)[cases[i].lba * BS], cases[i].disk);
		}
	}
	/* WRPROTECT is refused: no protection information */
	caw_cdb(c, 0, 1);
	c[1] = 0x20;
	cmd(c, 16, caw_buf, 2 * BS);
	expect_sense(5, 0x24, 0);
}

/* ---- the range lock, step by step ---- */

static void test_read_waits_for_caw(void)
{
	struct step a, b, w;
	uint8_t c[16], rd[16] = {0x88}, wr[16] = {0x8a};
	fill(100, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(c, 100, 1);
	step_start(&a, c, caw_buf, 2 * BS);
	CHECK_EQ(a.next, SCSI_NEXT_DATA_OUT);
	CHECK(step_one(&a)); /* Data-Out in: range taken, read submitted */
	CHECK_EQ(a.next, SCSI_NEXT_IO);

	put_be64(rd + 2, 99), put_be32(rd + 10, 2); /* overlaps */
	step_start(&b, rd, NULL, 2 * BS);
	CHECK_EQ(b.next, SCSI_NEXT_WAIT);
	put_be64(wr + 2, 101), put_be32(wr + 10, 1); /* next to it: no conflict */
	step_start(&w, wr, caw_buf, BS);
	CHECK_EQ(w.next, SCSI_NEXT_WRITE);
	step_finish(&w);
	CHECK_EQ(w.t.status, SCSI_GOOD);
	CHECK(!step_one(&b)); /* still waiting */

	step_finish(&a);
	CHECK_EQ(a.t.status, SCSI_GOOD);
	CHECK_EQ(b.wakes, 1u); /* woken once, already holding its range */
	CHECK(step_one(&b));
	CHECK_EQ(b.next, SCSI_NEXT_READ);
	step_finish(&b);
	CHECK_EQ(b.t.status, SCSI_GOOD);
	CHECK_EQ(b.dout[BS], 'B'); /* the READ saw the whole COMPARE AND WRITE */
	step_fini(&a), step_fini(&b), step_fini(&w);
}

static void test_two_caw_one_wins(void)
{
	struct step a, b;
	uint8_t c[16];
	fill(200, 1, 0);
	caw_cdb(c, 200, 1);
	caw_data(1, 0, 1);
	step_start(&a, c, caw_buf, 2 * BS);
	caw_data(1, 0, 2);
	step_start(&b, c, caw_buf, 2 * BS);
	CHECK(step_one(&a) && step_one(&b)); /* both have their Data-Out */
	CHECK_EQ(a.next, SCSI_NEXT_IO);
	CHECK_EQ(b.next, SCSI_NEXT_WAIT);
	step_finish(&a);
	step_finish(&b);
	CHECK_EQ(a.t.status, SCSI_GOOD);
	CHECK_EQ(b.t.status, SCSI_CHECK_CONDITION);
	CHECK_EQ(((uint8_t *)d.dev.mem)[200 * BS], 1);
	step_fini(&a), step_fini(&b);
}

/* Fairness and cleanup: a READ behind a waiting COMPARE AND WRITE waits too; a cancelled
 * waiter is never woken; scsi_task_fini of a holder releases its range. */
static void test_fairness_cancel_fini(void)
{
	struct step r1, caw, r2, r3;
	uint8_t c[16], rd[16] = {0x88};
	put_be64(rd + 2, 300), put_be32(rd + 10, 1);
	step_start(&r1, rd, NULL, BS);
	CHECK_EQ(r1.next, SCSI_NEXT_READ); /* shared: held while streaming */
	fill(300, 1, 'A');
	caw_data(1, 'A', 'C');
	caw_cdb(c, 300, 1);
	step_start(&caw, c, caw_buf, 2 * BS);
	CHECK(step_one(&caw));
	CHECK_EQ(caw.next, SCSI_NEXT_WAIT); /* behind the READ */
	step_start(&r2, rd, NULL, BS);
	CHECK_EQ(r2.next, SCSI_NEXT_WAIT); /* behind the waiting COMPARE AND WRITE */
	step_start(&r3, rd, NULL, BS);
	CHECK_EQ(r3.next, SCSI_NEXT_WAIT);
	CHECK(scsi_task_cancel_wait(d.lu, &r3.t));
	CHECK(!scsi_task_cancel_wait(d.lu, &r3.t));

	scsi_task_fini(&r1.t); /* aborted mid-stream: the range goes with it */
	CHECK_EQ(caw.wakes, 1u);
	CHECK_EQ(r2.wakes, 0u);
	step_finish(&caw);
	CHECK_EQ(caw.t.status, SCSI_GOOD);
	CHECK_EQ(r2.wakes, 1u);
	CHECK_EQ(r3.wakes, 0u);
	step_finish(&r2);
	CHECK_EQ(r2.t.status, SCSI_GOOD);
	CHECK_EQ(r2.dout[0], 'C');
	free(r1.dout);
	step_fini(&caw), step_fini(&r2), step_fini(&r3);
}

/* A task aborted while waiting, then finalized: nothing dangles on the waiter list. */
static void test_fini_while_waiting(void)
{
	struct step a, b;
	uint8_t c[16];
	fill(400, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(c, 400, 1);
	step_start(&a, c, caw_buf, 2 * BS);
	step_one(&a);
	step_start(&b, c, caw_buf, 2 * BS);
	step_one(&b);
	CHECK_EQ(b.next, SCSI_NEXT_WAIT);
	step_fini(&b);
	step_finish(&a);
	CHECK_EQ(a.t.status, SCSI_GOOD);
	CHECK_EQ(b.wakes, 0u);
	step_fini(&a);
}

/* ---- two initiators on two threads race COMPARE AND WRITE on one block ---- */

#define RACE_ROUNDS 2000

struct racer {
	pthread_t th;
	struct scsi_nexus nx;
	uint8_t id;
	unsigned wins;
	pthread_mutex_t m;
	pthread_cond_t cv;
	bool woken;
};

static pthread_barrier_t race_barrier;

struct racer_task {
	struct scsi_task t; /* first: racer_wake gets back to the racer */
	struct racer *owner;
};

/* Called by whichever thread released the range, under lu->lock: only signal. */
static void racer_wake(struct scsi_task *t)
{
	struct racer *rc = ((struct racer_task *)t)->owner;
	pthread_mutex_lock(&rc->m);
	rc->woken = true;
	pthread_cond_signal(&rc->cv);
	pthread_mutex_unlock(&rc->m);
}

static uint8_t race_cmd(struct racer *rc, uint8_t expect)
{
	struct racer_task rt;
	uint8_t cdb[16], buf[2 * BS];
	struct blk_io io;
	memset(&rt, 0, sizeof(rt));
	rt.owner = rc;
	caw_cdb(cdb, 7, 1);
	memset(buf, expect, BS);
	memset(buf + BS, (uint8_t)(expect + 1), BS);
	rt.t.cdb = cdb, rt.t.cdb_len = 16, rt.t.nexus = &rc->nx, rt.t.wake = racer_wake;
	rt.t.exp_xfer_len = 2 * BS;
	enum scsi_next next = scsi_task_start(d.lu, &rt.t);
	while (next != SCSI_NEXT_DONE) {
		if (next == SCSI_NEXT_DATA_OUT) {
			memcpy(rt.t.data, buf, 2 * BS);
		} else if (next == SCSI_NEXT_IO) {
			io = rt.t.io;
			blk_mem_execute(&io);
			rt.t.io.res = io.res;
		} else if (next == SCSI_NEXT_WAIT) {
			pthread_mutex_lock(&rc->m);
			while (!rc->woken)
				pthread_cond_wait(&rc->cv, &rc->m);
			rc->woken = false;
			pthread_mutex_unlock(&rc->m);
		} else {
			abort();
		}
		next = scsi_task_resume(d.lu, &rt.t);
	}
	uint8_t st = rt.t.status;
	scsi_task_fini(&rt.t);
	return st;
}

static void *racer_main(void *arg)
{
	struct racer *rc = arg;
	for (unsigned round = 0; round < RACE_ROUNDS; round++) {
		pthread_barrier_wait(&race_barrier);
		/* both expect the value of this round; exactly one may move it on */
		if (race_cmd(rc, (uint8_t)round) == SCSI_GOOD)
			rc->wins++;
		pthread_barrier_wait(&race_barrier);
	}
	return NULL;
}

static void test_threaded_race(void)
{
	struct racer rc[2];
	fill(7, 1, 0);
	pthread_barrier_init(&race_barrier, NULL, 2);
	for (int i = 0; i < 2; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].id = (uint8_t)i;
		pthread_mutex_init(&rc[i].m, NULL);
		pthread_cond_init(&rc[i].cv, NULL);
		scsi_lu_attach(d.lu, &rc[i].nx);
		for (int k = 0; k < 4; k++) { /* POWER ON first */
			static const uint8_t tur[6] = {0};
			drv_result_free(&r);
			drv_run(&d, d.lu, &rc[i].nx, tur, 6, NULL, 0, &r);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_create(&rc[i].th, NULL, racer_main, &rc[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(rc[i].th, NULL);
	CHECK_EQ(rc[0].wins + rc[1].wins, RACE_ROUNDS); /* one winner per round, never two */
	CHECK_EQ(((uint8_t *)d.dev.mem)[7 * BS], (uint8_t)RACE_ROUNDS);
	for (int i = 0; i < 2; i++) {
		scsi_lu_detach(d.lu, &rc[i].nx);
		pthread_mutex_destroy(&rc[i].m);
		pthread_cond_destroy(&rc[i].cv);
	}
	pthread_barrier_destroy(&race_barrier);
}

/* ---- ORWRITE, WRITE ATOMIC, WRITE AND VERIFY, PRE-FETCH, READ DEFECT DATA ---- */

static void test_orwrite(void)
{
	uint8_t c[16] = {0x8b}, buf[2 * BS];
	fill(500, 2, 0x0f);
	memset(buf, 0xa0, sizeof(buf));
	put_be64(c + 2, 500), put_be32(c + 10, 2);
	cmd(c, 16, buf, sizeof(buf));
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(((uint8_t *)d.dev.mem)[500 * BS + BS + 3], 0xaf);
	put_be64(c + 2, BLOCKS - 1);
	cmd(c, 16, buf, sizeof(buf));
	expect_sense(5, 0x21, 0);
	put_be32(c + 10, 0);
	cmd(c, 16, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
}

static void test_write_atomic(void)
{
	static const struct {
		uint64_t lba;
		uint16_t boundary, n;
		uint8_t b1, status, asc;
	} cases[] = {
	    {600, 0, 2, 0x00, SCSI_GOOD, 0},   {600, 0, 2, 0x08, SCSI_GOOD, 0}, /* FUA */
	    {600, 1, 2, 0x00, 2, 0x24},	       /* no atomic boundaries */
	    {600, 0, 2049, 0x00, 2, 0x24},     /* above MAXIMUM ATOMIC TRANSFER LENGTH */
	    {BLOCKS - 1, 0, 2, 0x00, 2, 0x21}, /* past the end */
	    {600, 0, 2, 0x20, 2, 0x24},	       /* WRPROTECT */
	    {600, 0, 0, 0x00, SCSI_GOOD, 0},   /* nothing */
	};
	uint8_t c[16], buf[2 * BS];
	memset(buf, 0x5c, sizeof(buf));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(c, 0, 16);
		c[0] = 0x9c;
		c[1] = cases[i].b1;
		put_be64(c + 2, cases[i].lba);
		put_be16(c + 10, cases[i].boundary);
		put_be16(c + 12, cases[i].n);
		cmd(c, 16, buf, (size_t)cases[i].n * BS > sizeof(buf) ? 0 : cases[i].n * BS);
		CHECK_EQ(r.status, cases[i].status);
		if (cases[i].status != SCSI_GOOD)
			CHECK_EQ(r.asc, cases[i].asc);
	}
	CHECK_EQ(((uint8_t *)d.dev.mem)[600 * BS + BS], 0x5c);
}

static void test_write_verify(void)
{
	static const uint8_t ops[][2] = {{0x2e, 10}, {0xae, 12}, {0x8e, 16}};
	uint8_t c[16], buf[BS];
	memset(buf, 0x77, BS);
	for (size_t i = 0; i < 3; i++) {
		memset(c, 0, 16);
		c[0] = ops[i][0];
		c[1] = 0x02; /* BYTCHK 01b */
		if (ops[i][1] == 16)
			put_be64(c + 2, 700 + i), put_be32(c + 10, 1);
		else if (ops[i][1] == 12)
			put_be32(c + 2, 700 + i), put_be32(c + 6, 1);
		else
			put_be32(c + 2, 700 + i), put_be16(c + 7, 1);
		unsigned fua = d.mq.fua_writes;
		cmd(c, ops[i][1], buf, BS);
		CHECK_EQ(r.status, SCSI_GOOD);
		CHECK_EQ(d.mq.fua_writes, fua + 1); /* verified = on the medium */
		CHECK_EQ(((uint8_t *)d.dev.mem)[(700 + i) * BS], 0x77);
		c[1] = 0x04; /* BYTCHK 10b: reserved */
		cmd(c, ops[i][1], buf, BS);
		expect_sense(5, 0x24, 0);
	}
}

static void test_prefetch_defects(void)
{
	uint8_t p10[10] = {0x34, 0x02}, p16[16] = {0x90};
	put_be32(p10 + 2, BLOCKS - 1), put_be16(p10 + 7, 1);
	cmd(p10, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	put_be16(p10 + 7, 2);
	cmd(p10, 10, NULL, 0);
	expect_sense(5, 0x21, 0);
	put_be64(p16 + 2, 0), put_be32(p16 + 10, 0);
	p16[14] = 3; /* group number */
	cmd(p16, 16, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);

	uint8_t rd10[10] = {0x37, 0, 0x18 | 5}, rd12[12] = {0xb7, 0x10};
	put_be16(rd10 + 7, 32);
	cmd(rd10, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 4u);
	CHECK_EQ(r.data[1], 0x1d);
	CHECK_EQ(get_be16(r.data + 2), 0);
	put_be32(rd12 + 6, 4); /* allocation length below the 8-byte header */
	cmd(rd12, 12, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 4u);
}

static void test_block_limits(void)
{
	uint8_t inq[6] = {0x12, 0x01, 0xb0, 0, 64, 0};
	cmd(inq, 6, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data[5], 255);	       /* MAXIMUM COMPARE AND WRITE LENGTH */
	CHECK_EQ(get_be32(r.data + 44), 2048); /* MAXIMUM ATOMIC TRANSFER LENGTH: 1 MiB */
	CHECK_EQ(get_be32(r.data + 48), 1);
	CHECK_EQ(get_be32(r.data + 52), 1);
	CHECK(get_be32(r.data + 44) <= get_be32(r.data + 8));
}

int main(void)
{
	if (drv_init(&d, (uint64_t)BLOCKS * BS, BS) != 0)
		return 1;
	drv_clear_ua(&d);
	test_caw_cases();
	test_read_waits_for_caw();
	test_two_caw_one_wins();
	test_fairness_cancel_fini();
	test_fini_while_waiting();
	test_threaded_race();
	test_orwrite();
	test_write_atomic();
	test_write_verify();
	test_prefetch_defects();
	test_block_limits();
	drv_result_free(&r);
	drv_fini(&d);
	return CHECK_SUMMARY();
}
