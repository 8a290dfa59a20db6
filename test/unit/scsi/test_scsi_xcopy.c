/* test_scsi_xcopy.c: EXTENDED COPY, RECEIVE COPY RESULTS and VPD 8Fh (xcopy.c) and the control
 * page's SWP (mode.c), through the test transport and the memory backend. Copies between two LUs go
 * through cfg.find_lu / put_lu, played here by the test. */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "target/scsi/pr.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

#define BS     512u
#define BLOCKS 4096u

static struct drv d, d2; /* d2: a second LU, the other copy target */
static struct drv_result r;
static int refs;

static void cmd(const uint8_t *cdb, size_t len, const void *dout, size_t dlen)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, dout, dlen, &r);
}

#define expect_sense(key, asc, ascq) drv_expect_sense(&r, (key), (asc), (ascq))

static struct scsi_lu *find_lu(void *ctx, const uint8_t *naa, size_t len, const char *initiator,
			       void **ref)
{
	uint8_t want[8];
	(void)ctx;
	CHECK(initiator && initiator[0]);
	scsi_lu_naa(d2.lu, want);
	if (len != 8 || memcmp(naa, want, 8))
		return NULL;
	refs++;
	*ref = &refs;
	return d2.lu;
}

static void put_lu(void *ctx, void *ref)
{
	(void)ctx;
	CHECK(ref == &refs);
	refs--;
}

/* An EXTENDED COPY(LID1) parameter list: header, the given target descriptors (each naming
 * lus[i] by NAA), then block-to-block segments. Returns its length. */
struct seg {
	uint16_t src, dst, blocks;
	uint64_t src_lba, dst_lba;
};

static uint32_t xcopy_list(uint8_t *b, uint8_t list_id, uint8_t usage, struct scsi_lu **lus,
			   unsigned ntgt, const struct seg *segs, unsigned nseg)
{
	uint32_t off = 16;
	memset(b, 0, 16 + 32 * ntgt + 28 * nseg);
	b[0] = list_id;
	b[1] = (uint8_t)(usage << 3);
	put_be16(b + 2, (uint16_t)(32 * ntgt));
	put_be32(b + 8, 28 * nseg);
	for (unsigned i = 0; i < ntgt; i++, off += 32) {
		b[off] = 0xe4;
		b[off + 4] = 0x01; /* binary */
		b[off + 5] = 0x03; /* LU, NAA */
		b[off + 7] = 8;
		scsi_lu_naa(lus[i], b + off + 8);
		put_be24(b + off + 29, BS);
	}
	for (unsigned i = 0; i < nseg; i++, off += 28) {
		b[off] = 0x02;
		put_be16(b + off + 2, 0x18);
		put_be16(b + off + 4, segs[i].src);
		put_be16(b + off + 6, segs[i].dst);
		put_be16(b + off + 10, segs[i].blocks);
		put_be64(b + off + 12, segs[i].src_lba);
		put_be64(b + off + 20, segs[i].dst_lba);
	}
	return off;
}

static void xcopy(const uint8_t *list, uint32_t len)
{
	uint8_t c[16] = {0x83};
	put_be32(c + 10, len);
	cmd(c, 16, list, len);
}

static void fill(struct drv *x, uint64_t lba, uint32_t n, uint8_t seed)
{
	uint8_t *m = (uint8_t *)x->dev.mem + lba * BS;
	for (uint64_t i = 0; i < (uint64_t)n * BS; i++)
		m[i] = (uint8_t)(seed + i / BS);
}

static void test_copy_within_and_between(void)
{
	uint8_t b[1024];
	struct scsi_lu *one[1] = {d.lu}, *two[2] = {d.lu, d2.lu};
	fill(&d, 0, 64, 1);
	struct seg s = {0, 0, 64, 0, 1000};
	xcopy(b, xcopy_list(b, 1, 0, one, 1, &s, 1));
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)d.dev.mem + 1000 * BS, d.dev.mem, 64 * BS);
	/* overlapping, destination above the source: as if the source were read first */
	uint8_t *want = malloc(64 * BS);
	memcpy(want, d.dev.mem, 64 * BS);
	s = (struct seg){0, 0, 64, 0, 10};
	xcopy(b, xcopy_list(b, 2, 2, one, 1, &s, 1));
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)d.dev.mem + 10 * BS, want, 64 * BS);
	free(want);
	/* to the other LU, found through find_lu; the reference is dropped at the end */
	fill(&d, 2000, 16, 7);
	struct seg segs[2] = {{0, 1, 16, 2000, 5}, {1, 0, 16, 5, 3000}};
	xcopy(b, xcopy_list(b, 3, 0, two, 2, segs, 2));
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)d2.dev.mem + 5 * BS, (uint8_t *)d.dev.mem + 2000 * BS, 16 * BS);
	CHECK_MEM((uint8_t *)d.dev.mem + 3000 * BS, (uint8_t *)d.dev.mem + 2000 * BS, 16 * BS);
	CHECK_EQ(refs, 0);
	/* RECEIVE COPY RESULTS, COPY STATUS of list 3: done, 2 segments, 16 KiB; given once */
	uint8_t rcr[16] = {0x84, 0x00, 3};
	put_be32(rcr + 10, 64);
	cmd(rcr, 16, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_len == 12);
	CHECK(r.data[4] == 1 && get_be16(r.data + 5) == 2 && get_be32(r.data + 8) == 32 * BS);
	cmd(rcr, 16, NULL, 0);
	expect_sense(0x5, 0x24, 0x00);
	rcr[2] = 2; /* list 2 used LIST ID USAGE 10b: nothing held */
	cmd(rcr, 16, NULL, 0);
	expect_sense(0x5, 0x24, 0x00);
}

/* Parameter list and descriptor errors: each case edits a valid one-target one-segment list. */
static void test_copy_errors(void)
{
	static const struct {
		const char *what;
		unsigned byte; /* byte to set, 0xffff: none */
		uint8_t value;
		int len_delta; /* parameter list length change */
		uint8_t key, asc, ascq;
	} cases[] = {
	    {"truncated segment", 0xffff, 0, -1, 0x5, 0x1a, 0x00},
	    {"FC N_Port target", 16, 0xe0, 0, 0x5, 0x26, 0x07},
	    {"stream segment", 48, 0x03, 0, 0x5, 0x26, 0x09},
	    {"tape target", 17, 0x01, 0, 0x5, 0x26, 0x00},
	    {"unknown LU", 24, 0xee, 0, 0xa, 0x0d, 0x02},
	    {"destination index 1", 55, 1, 0, 0xa, 0x0d, 0x02},
	    {"block length 4096", 46, 0x10, 0, 0x5, 0x26, 0x00},
	    {"beyond the capacity", 75, 0xff, 0, 0xa, 0x00, 0x00},
	    {"inline data", 15, 4, 4, 0x5, 0x26, 0x00},
	};
	uint8_t b[256];
	struct scsi_lu *one[1] = {d.lu};
	struct seg s = {0, 0, 8, 0, BLOCKS - 16};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t len = xcopy_list(b, 9, 0, one, 1, &s, 1);
		if (cases[i].byte != 0xffff)
			b[cases[i].byte] = cases[i].value;
		if (cases[i].byte == 75) /* destination LBA near the end */
			put_be64(b + 68, BLOCKS - 4);
		xcopy(b, (uint32_t)((int)len + cases[i].len_delta));
		if (r.key != cases[i].key || r.asc != cases[i].asc)
			fprintf(stderr, "case %s\n", cases[i].what);
		expect_sense(cases[i].key, cases[i].asc, cases[i].ascq);
	}
	/* more target descriptors than MAXIMUM TARGET DESCRIPTOR COUNT */
	struct scsi_lu *many[9] = {d.lu, d.lu, d.lu, d.lu, d.lu, d.lu, d.lu, d.lu, d.lu};
	static uint8_t big[2048];
	xcopy(big, xcopy_list(big, 9, 0, many, 9, &s, 1));
	expect_sense(0x5, 0x26, 0x06);
	uint8_t c[16] = {0x83};
	put_be32(c + 10, 8); /* shorter than the header */
	cmd(c, 16, b, 8);
	expect_sense(0x5, 0x1a, 0x00);
	put_be32(c + 10, 0); /* nothing to copy */
	cmd(c, 16, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(refs, 0);
}

/* ---- access to the other LU: its sessions and reservations ---- */

/* Another initiator (b), with sessions on d2 and d. */

static struct scsi_nexus nx_b = {.initiator_name = "iqn.1994-05.com.example:b",
				 .initiator_port = "iqn.1994-05.com.example:b,i,0x000000000002"};

/* A command on LU x through nexus nx (its unit attentions absorbed first). */
static uint8_t run_on(struct drv *x, struct scsi_nexus *nx, const uint8_t *cdb, size_t len,
		      const void *dout, size_t dlen)
{
	static const uint8_t tur[6] = {0};
	for (int i = 0; i < 8; i++) {
		drv_result_free(&r);
		drv_run(x, x->lu, nx, tur, 6, NULL, 0, &r);
		if (r.status == SCSI_GOOD)
			break;
	}
	drv_result_free(&r);
	drv_run(x, x->lu, nx, cdb, len, dout, dlen, &r);
	return r.status;
}

/* PERSISTENT RESERVE OUT on LU x through nx: service action sa, type, key, service action key. */
static uint8_t prout_on(struct drv *x, struct scsi_nexus *nx, uint8_t sa, uint8_t type,
			uint64_t key, uint64_t sakey)
{
	uint8_t cdb[10] = {0x5f, sa, type}, list[24] = {0};
	put_be32(cdb + 5, 24);
	put_be64(list, key);
	put_be64(list + 8, sakey);
	return run_on(x, nx, cdb, 10, list, 24);
}

#define d2_prout(nx, sa, type, key, sakey) prout_on(&d2, (nx), (sa), (type), (key), (sakey))
#define on_d2(nx, cdb, len, dout, dlen)	   run_on(&d2, (nx), (cdb), (len), (dout), (dlen))

/* 8 blocks from src LU index to dst index of {d, d2}; returns the status. */
static uint8_t copy8(uint16_t src, uint16_t dst, uint64_t src_lba, uint64_t dst_lba)
{
	uint8_t b[256];
	struct scsi_lu *two[2] = {d.lu, d2.lu};
	struct seg s = {src, dst, 8, src_lba, dst_lba};
	xcopy(b, xcopy_list(b, 4, 0, two, 2, &s, 1));
	return r.status;
}

static void test_copy_access(void)
{
	uint8_t *was = malloc(8 * BS);
	snprintf(d2.nx.initiator_port, sizeof(d2.nx.initiator_port), "%s,i,0x000000000001",
		 d2.nx.initiator_name);
	scsi_lu_attach(d2.lu, &nx_b);
	fill(&d, 100, 8, 0x31);
	/* no session of ours on d2 (only another initiator's): unreachable, d2 untouched */
	scsi_lu_detach(d2.lu, &d2.nx);
	memcpy(was, (uint8_t *)d2.dev.mem + 200 * BS, 8 * BS);
	copy8(0, 1, 100, 200);
	expect_sense(0xa, 0x0d, 0x02);
	CHECK_MEM((uint8_t *)d2.dev.mem + 200 * BS, was, 8 * BS);
	copy8(1, 0, 200, 100); /* nor may it read d2 */
	expect_sense(0xa, 0x0d, 0x02);
	CHECK_EQ(refs, 0);
	scsi_lu_attach(d2.lu, &d2.nx);
	/* d2 reserved Write Exclusive by another initiator: no writing it, reading is fine */
	CHECK_EQ(d2_prout(&nx_b, 6, 0, 0, 0x2222), SCSI_GOOD);
	CHECK_EQ(d2_prout(&nx_b, 1, PR_WE, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(r.sense_len, 0);
	CHECK_MEM((uint8_t *)d2.dev.mem + 200 * BS, was, 8 * BS);
	CHECK_EQ(copy8(1, 0, 300, 400), SCSI_GOOD);
	CHECK_MEM((uint8_t *)d.dev.mem + 400 * BS, (uint8_t *)d2.dev.mem + 300 * BS, 8 * BS);
	/* Exclusive Access: reading d2 is refused too */
	CHECK_EQ(d2_prout(&nx_b, 2, PR_WE, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(d2_prout(&nx_b, 1, PR_EA, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(copy8(1, 0, 300, 400), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(d2_prout(&nx_b, 2, PR_EA, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(d2_prout(&nx_b, 0, 0, 0x2222, 0), SCSI_GOOD);
	/* our own initiator holds Write Exclusive on d2: allowed */
	CHECK_EQ(d2_prout(&d2.nx, 6, 0, 0, 0x1111), SCSI_GOOD);
	CHECK_EQ(d2_prout(&d2.nx, 1, PR_WE, 0x1111, 0), SCSI_GOOD);
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_GOOD);
	CHECK_MEM((uint8_t *)d2.dev.mem + 200 * BS, (uint8_t *)d.dev.mem + 100 * BS, 8 * BS);
	CHECK_EQ(d2_prout(&d2.nx, 2, PR_WE, 0x1111, 0), SCSI_GOOD);
	CHECK_EQ(d2_prout(&d2.nx, 0, 0, 0x1111, 0), SCSI_GOOD);
	/* SPC-2 RESERVE(6) of d2 by another initiator: refused both ways; by ours: allowed */
	uint8_t reserve[6] = {0x16}, release[6] = {0x17};
	CHECK_EQ(on_d2(&nx_b, reserve, 6, NULL, 0), SCSI_GOOD);
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(copy8(1, 0, 200, 100), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(on_d2(&nx_b, release, 6, NULL, 0), SCSI_GOOD);
	CHECK_EQ(on_d2(&d2.nx, reserve, 6, NULL, 0), SCSI_GOOD);
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_GOOD);
	CHECK_EQ(on_d2(&d2.nx, release, 6, NULL, 0), SCSI_GOOD);
	/* d2 being sanitized: not reachable either way until its sanitize ends */
	uint8_t erase[10] = {0x48, 0x82}; /* IMMED, BLOCK ERASE */
	d2.bg_manual = true;
	CHECK_EQ(on_d2(&nx_b, erase, 10, NULL, 0), SCSI_GOOD);
	copy8(0, 1, 100, 200);
	expect_sense(0xa, 0x0d, 0x02);
	copy8(1, 0, 200, 100);
	expect_sense(0xa, 0x0d, 0x02);
	drv_run_bg(&d2);
	d2.bg_manual = false;
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_GOOD);
	CHECK_EQ(refs, 0);
	scsi_lu_detach(d2.lu, &nx_b);
	free(was);
}

/* This LU reserved by another initiator: the EXTENDED COPY itself conflicts (a WRITE-class
 * command in the SPC-4 5.9.1 table), even for a copy that only reads this LU. */
static void test_copy_same_lu_reserved(void)
{
	struct scsi_nexus b = nx_b;
	scsi_lu_attach(d.lu, &b);
	CHECK_EQ(prout_on(&d, &b, 6, 0, 0, 0x2222), SCSI_GOOD);
	CHECK_EQ(prout_on(&d, &b, 1, PR_WE, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(copy8(0, 0, 100, 500), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(copy8(0, 1, 100, 200), SCSI_RESERVATION_CONFLICT);
	CHECK_EQ(prout_on(&d, &b, 2, PR_WE, 0x2222, 0), SCSI_GOOD);
	CHECK_EQ(prout_on(&d, &b, 0, 0, 0x2222, 0), SCSI_GOOD);
	scsi_lu_detach(d.lu, &b);
	drv_clear_ua(&d); /* RESERVATIONS RELEASED */
	CHECK_EQ(copy8(0, 0, 100, 500), SCSI_GOOD);
	CHECK_EQ(refs, 0);
}

static void test_copy_params_and_vpd(void)
{
	uint8_t c[16] = {0x84, 0x03};
	put_be32(c + 10, 1024);
	cmd(c, 16, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_len == 46);
	CHECK_EQ(get_be32(r.data), 42);
	CHECK_EQ(get_be16(r.data + 8), 8);
	CHECK_EQ(get_be16(r.data + 10), 64);
	CHECK(r.data[43] == 2 && r.data[44] == 0x02 && r.data[45] == 0xe4);
	uint8_t inq[6] = {0x12, 0x01, 0x8f, 0, 255, 0};
	cmd(inq, 6, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data[1] == 0x8f);
	CHECK_EQ(get_be16(r.data + 4), 0x0001); /* supported commands first */
	CHECK_EQ(r.data[9], 0x83);
}

static void mode_select_swp(bool on)
{
	uint8_t ms[6] = {0x1a, 0x08, 0x0a, 0, 255, 0}, sel[6] = {0x15, 0x10, 0, 0, 0, 0};
	uint8_t list[16] = {0};
	cmd(ms, 6, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_len == 16);
	memcpy(list + 4, r.data + 4, 12);
	list[4 + 4] = (uint8_t)((list[8] & ~0x08) | (on ? 0x08 : 0));
	sel[4] = 16;
	cmd(sel, 6, list, 16);
	CHECK_EQ(r.status, SCSI_GOOD);
}

static void test_swp(void)
{
	uint8_t w[10] = {0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0}, buf[BS] = {0};
	uint8_t chg[6] = {0x1a, 0x08, 0x4a, 0, 255, 0};
	cmd(chg, 6, NULL, 0);
	CHECK_EQ(r.data[8], 0x08); /* SWP is changeable */
	mode_select_swp(true);
	cmd(w, 10, buf, BS);
	expect_sense(0x7, 0x27, 0x02);
	uint8_t ms[6] = {0x1a, 0x08, 0x0a, 0, 255, 0};
	cmd(ms, 6, NULL, 0);
	CHECK(r.data[2] & 0x80); /* WP in the header */
	/* the other nexus is told the mode parameters changed */
	struct scsi_nexus other = {.initiator_name = "b"};
	scsi_lu_attach(d.lu, &other);
	other.ua_pending = 0;
	mode_select_swp(false);
	CHECK(other.ua_pending & SCSI_UA_MODE_PARAMS_CHANGED);
	scsi_lu_detach(d.lu, &other);
	cmd(w, 10, buf, BS);
	CHECK_EQ(r.status, SCSI_GOOD);
}

int main(void)
{
	if (drv_init(&d, (uint64_t)BLOCKS * BS, BS) != 0 ||
	    drv_init(&d2, (uint64_t)BLOCKS * BS, BS) != 0)
		return 1;
	d2.cfg.uuid[0] = 0x99;
	CHECK_EQ(drv_reopen(&d2), 0);
	d.cfg.find_lu = find_lu;
	d.cfg.put_lu = put_lu;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	test_copy_within_and_between();
	test_copy_errors();
	test_copy_access();
	test_copy_same_lu_reserved();
	test_copy_params_and_vpd();
	test_swp();
	drv_result_free(&r);
	drv_fini(&d);
	drv_fini(&d2);
	return CHECK_SUMMARY();
}
