/* test_scsi_sbc.c: the block commands through the test transport and the memory backend:
 * READ CAPACITY, READ/WRITE 6/10/12/16 (data, FUA, ranges, protection fields, read-only),
 * VERIFY with BYTCHK 0/1/3, SYNCHRONIZE CACHE, backend errors, UNMAP, WRITE SAME and GET LBA
 * STATUS. */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

#define BS     512u
#define BLOCKS 8192u

static struct drv d;
static struct drv_result r;

static void cmd(const uint8_t *cdb, size_t len, const void *dout, size_t dlen)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, dout, dlen, &r);
}

#define expect_sense(key, asc, ascq) drv_expect_sense(&r, (key), (asc), (ascq))

#define expect_field(field, bit) drv_expect_field(&r, (field), (bit))

/* A READ/WRITE/VERIFY CDB of the given size (6, 10, 12, 16). */
static size_t rw_cdb(uint8_t *c, uint8_t op, unsigned size, uint64_t lba, uint32_t n, uint8_t b1)
{
	memset(c, 0, 16);
	c[0] = op;
	switch (size) {
	case 6:
		put_be24(c + 1, (uint32_t)lba & 0x1fffff);
		c[4] = (uint8_t)n;
		break;
	case 10:
		c[1] = b1;
		put_be32(c + 2, (uint32_t)lba);
		put_be16(c + 7, (uint16_t)n);
		break;
	case 12:
		c[1] = b1;
		put_be32(c + 2, (uint32_t)lba);
		put_be32(c + 6, n);
		break;
	default:
		c[1] = b1;
		put_be64(c + 2, lba);
		put_be32(c + 10, n);
	}
	return size;
}

static const struct {
	unsigned size;
	uint8_t rd, wr, vf;
} fam[] = {
    {6, 0x08, 0x0a, 0}, {10, 0x28, 0x2a, 0x2f}, {12, 0xa8, 0xaa, 0xaf}, {16, 0x88, 0x8a, 0x8f}};

static void test_read_capacity(void)
{
	static const uint8_t rc10[10] = {0x25};
	uint8_t rc16[16] = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
	cmd(rc10, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 8);
	CHECK_EQ(get_be32(r.data), BLOCKS - 1);
	CHECK_EQ(get_be32(r.data + 4), BS);
	cmd(rc16, 16, NULL, 0);
	CHECK_EQ(r.data_len, 32);
	CHECK_EQ(get_be64(r.data), BLOCKS - 1);
	CHECK_EQ(get_be32(r.data + 8), BS);
	CHECK_EQ(r.data[13], 0);    /* one logical block per physical block (sbc.c) */
	CHECK_EQ(r.data[14], 0xc0); /* LBPME LBPRZ */
	static const uint8_t rc10_lba[10] = {0x25, 0, 0, 0, 0, 1};
	cmd(rc10_lba, 10, NULL, 0);
	expect_sense(0x5, 0x24, 0x00);
	/* larger than 2 TiB at 512: READ CAPACITY(10) says FFFFFFFFh; only the LU's idea of the
	 * size matters here */
	scsi_lu_set_size(d.lu, (uint64_t)0x100000001ull * BS);
	drv_clear_ua(&d);
	cmd(rc10, 10, NULL, 0);
	CHECK_EQ(get_be32(r.data), 0xffffffffu);
	cmd(rc16, 16, NULL, 0);
	CHECK_EQ(get_be64(r.data), 0x100000000ull);
	scsi_lu_set_size(d.lu, (uint64_t)BLOCKS * BS);
	drv_clear_ua(&d);
	d.cfg.thin = false;
	d.cfg.block_size = 4096;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	cmd(rc16, 16, NULL, 0);
	CHECK_EQ(get_be64(r.data), BLOCKS * BS / 4096 - 1);
	CHECK(r.data[13] == 0 && r.data[14] == 0);
	d.cfg.thin = true;
	d.cfg.block_size = BS;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_read_write_roundtrip(void)
{
	uint8_t c[16], buf[8 * BS];
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		uint64_t lba = 100 + 20 * f;
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(i * 7 + f);
		cmd(c, rw_cdb(c, fam[f].wr, fam[f].size, lba, 8, 0), buf, sizeof(buf));
		CHECK_EQ(r.status, SCSI_GOOD);
		CHECK_EQ(r.writes, 1);
		CHECK_EQ(r.io_off, lba * BS);
		CHECK_EQ(r.io_len, sizeof(buf));
		CHECK_EQ(r.write_flags, 0);
		CHECK_MEM((uint8_t *)d.dev.mem + lba * BS, buf, sizeof(buf));
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, lba, 8, 0), NULL, 0);
		CHECK_EQ(r.status, SCSI_GOOD);
		CHECK_EQ(r.reads, 1);
		CHECK_EQ(r.data_len, sizeof(buf));
		CHECK_MEM(r.data, buf, sizeof(buf));
	}
	/* READ(6)/WRITE(6): 0 blocks means 256 */
	cmd(c, rw_cdb(c, 0x08, 6, 0, 0, 0), NULL, 0);
	CHECK_EQ(r.io_len, 256 * BS);
	/* 0 blocks in the others: GOOD, nothing moves */
	for (size_t f = 1; f < 4; f++) {
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, 5, 0, 0), NULL, 0);
		CHECK(r.status == SCSI_GOOD && r.reads == 0 && r.data_len == 0);
		cmd(c, rw_cdb(c, fam[f].wr, fam[f].size, 5, 0, 0), NULL, 0);
		CHECK(r.status == SCSI_GOOD && r.writes == 0);
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, BLOCKS + 1, 0, 0), NULL, 0);
		expect_sense(0x5, 0x21, 0x00);
	}
}

static void test_fua_and_flags(void)
{
	uint8_t c[16], buf[BS] = {1};
	/* FUA, DPO, FUA_NV accepted; FUA asks for a durable write */
	cmd(c, rw_cdb(c, 0x2a, 10, 1, 1, 0x08), buf, BS);
	CHECK_EQ(r.write_flags, BLK_F_FUA);
	cmd(c, rw_cdb(c, 0x2a, 10, 1, 1, 0x10 | 0x02), buf, BS);
	CHECK(r.status == SCSI_GOOD && r.write_flags == 0);
	cmd(c, rw_cdb(c, 0x28, 10, 1, 1, 0x18 | 0x02), NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* protection fields: we have no protection information */
	for (unsigned p = 1; p < 8; p++) {
		cmd(c, rw_cdb(c, 0x28, 10, 0, 1, (uint8_t)(p << 5)), NULL, 0);
		expect_sense(0x5, 0x24, 0x00);
		expect_field(1, 7);
		cmd(c, rw_cdb(c, 0x8a, 16, 0, 1, (uint8_t)(p << 5)), buf, BS);
		expect_sense(0x5, 0x24, 0x00);
		cmd(c, rw_cdb(c, 0x2f, 10, 0, 1, (uint8_t)(p << 5)), NULL, 0);
		expect_sense(0x5, 0x24, 0x00);
	}
	cmd(c, rw_cdb(c, 0x88, 16, 0, 1, 0x04), NULL, 0); /* RARC */
	expect_field(1, 2);
	/* write_cache off: every write is FUA */
	d.cfg.write_cache = false;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	cmd(c, rw_cdb(c, 0x0a, 6, 1, 1, 0), buf, BS);
	CHECK_EQ(r.write_flags, BLK_F_FUA);
	cmd(c, rw_cdb(c, 0xaa, 12, 1, 1, 0), buf, BS);
	CHECK_EQ(r.write_flags, BLK_F_FUA);
	d.cfg.write_cache = true;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_ranges(void)
{
	uint8_t c[16], buf[2 * BS] = {0};
	for (size_t f = 0; f < 4; f++) {
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, BLOCKS - 1, 1, 0), NULL, 0);
		CHECK_EQ(r.status, SCSI_GOOD);
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, BLOCKS - 1, 2, 0), NULL, 0);
		expect_sense(0x5, 0x21, 0x00);
		cmd(c, rw_cdb(c, fam[f].wr, fam[f].size, BLOCKS, 1, 0), buf, BS);
		expect_sense(0x5, 0x21, 0x00);
		if (fam[f].size >= 10) {
			cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, 0xffffffffu, 1, 0), NULL, 0);
			expect_sense(0x5, 0x21, 0x00);
		}
	}
	/* wrap-around of LBA + length is out of range, not a small read */
	cmd(c, rw_cdb(c, 0x88, 16, UINT64_MAX, 2, 0), NULL, 0);
	expect_sense(0x5, 0x21, 0x00);
	/* beyond MAXIMUM TRANSFER LENGTH: invalid field at the length */
	cmd(c, rw_cdb(c, 0x88, 16, 0, (32u << 20) / BS + 1, 0), NULL, 0);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(10, 7);
}

static void test_read_only(void)
{
	uint8_t c[16], buf[BS] = {0};
	d.cfg.read_only = true;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	for (size_t f = 0; f < 4; f++) {
		cmd(c, rw_cdb(c, fam[f].wr, fam[f].size, 0, 1, 0), buf, BS);
		expect_sense(0x7, 0x27, 0x00);
		CHECK_EQ(r.writes, 0);
		cmd(c, rw_cdb(c, fam[f].rd, fam[f].size, 0, 1, 0), NULL, 0);
		CHECK_EQ(r.status, SCSI_GOOD);
	}
	static const uint8_t unmap[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0};
	static const uint8_t ws16[16] = {0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
	cmd(unmap, 10, NULL, 0);
	expect_sense(0x7, 0x27, 0x00);
	cmd(ws16, 16, buf, BS);
	expect_sense(0x7, 0x27, 0x00);
	static const uint8_t sync10[10] = {0x35};
	cmd(sync10, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	d.cfg.read_only = false;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_verify(void)
{
	uint8_t c[16], buf[4 * BS];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ 0x5a);
	cmd(c, rw_cdb(c, 0x2a, 10, 40, 4, 0), buf, sizeof(buf));
	for (size_t f = 1; f < 4; f++) {
		/* BYTCHK 0: range only */
		cmd(c, rw_cdb(c, fam[f].vf, fam[f].size, 0, BLOCKS, 0), NULL, 0);
		CHECK(r.status == SCSI_GOOD && r.ios == 0);
		cmd(c, rw_cdb(c, fam[f].vf, fam[f].size, BLOCKS, 1, 0), NULL, 0);
		expect_sense(0x5, 0x21, 0x00);
		/* BYTCHK 1: equal data */
		cmd(c, rw_cdb(c, fam[f].vf, fam[f].size, 40, 4, 0x02), buf, sizeof(buf));
		CHECK(r.status == SCSI_GOOD && r.data_outs == 1 && r.ios == 1 && r.data_len == 0);
		/* one byte off: MISCOMPARE with its offset */
		buf[1234] ^= 0xff;
		cmd(c, rw_cdb(c, fam[f].vf, fam[f].size, 40, 4, 0x02), buf, sizeof(buf));
		expect_sense(0xe, 0x1d, 0x00);
		uint64_t info = 0;
		CHECK(drv_information(&r, &info));
		CHECK_EQ(info, 1234);
		CHECK_EQ(r.data_len, 0);
		buf[1234] ^= 0xff;
		/* BYTCHK 2 is reserved */
		cmd(c, rw_cdb(c, fam[f].vf, fam[f].size, 40, 4, 0x04), NULL, 0);
		expect_field(1, 2);
	}
	/* BYTCHK 3: one block against each block of the range */
	uint8_t blk[BS];
	memset(blk, 0x77, BS);
	for (unsigned i = 0; i < 3; i++)
		cmd(c, rw_cdb(c, 0x2a, 10, 60 + i, 1, 0), blk, BS);
	cmd(c, rw_cdb(c, 0x8f, 16, 60, 3, 0x06), blk, BS);
	CHECK_EQ(r.status, SCSI_GOOD);
	cmd(c, rw_cdb(c, 0x8f, 16, 60, 4, 0x06), blk, BS);
	expect_sense(0xe, 0x1d, 0x00);
	uint64_t info = 0;
	CHECK(drv_information(&r, &info) && info == 3 * BS);
	/* buffered compare is capped */
	cmd(c, rw_cdb(c, 0x8f, 16, 0, (1u << 20) / BS + 1, 0x02), NULL, 0);
	expect_field(10, 7);
}

static void test_sync_cache(void)
{
	uint8_t s10[10] = {0x35, 0x02}, s16[16] = {0x91};
	unsigned before = d.mq.flushes;
	cmd(s10, 10, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.ios == 1);
	cmd(s16, 16, NULL, 0);
	CHECK_EQ(d.mq.flushes, before + 2);
	put_be64(s16 + 2, BLOCKS - 1);
	put_be32(s16 + 10, 2);
	cmd(s16, 16, NULL, 0);
	expect_sense(0x5, 0x21, 0x00);
	blk_mem_fail_next(&d.mq, -EIO, 1);
	cmd(s10, 10, NULL, 0);
	expect_sense(0x3, 0x0c, 0x00);
}

static void test_backend_errors(void)
{
	uint8_t c[16], buf[BS] = {0};
	blk_mem_fail_next(&d.mq, -EIO, 1);
	cmd(c, rw_cdb(c, 0x28, 10, 77, 1, 0), NULL, 0);
	expect_sense(0x3, 0x11, 0x00);
	uint64_t info = 0;
	CHECK(drv_information(&r, &info) && info == 77);
	blk_mem_fail_next(&d.mq, -ENOSPC, 1);
	cmd(c, rw_cdb(c, 0x2a, 10, 78, 1, 0), buf, BS);
	expect_sense(0x7, 0x27, 0x07);
	blk_mem_fail_next(&d.mq, -EIO, 1);
	cmd(c, rw_cdb(c, 0x2a, 10, 79, 1, 0), buf, BS);
	expect_sense(0x3, 0x0c, 0x00);
	CHECK(drv_information(&r, &info) && info == 79);
	blk_mem_fail_next(&d.mq, -EIO, 1); /* VERIFY's read */
	cmd(c, rw_cdb(c, 0x2f, 10, 0, 1, 0x02), buf, BS);
	expect_sense(0x3, 0x11, 0x00);
}

static uint8_t *unmap_list(uint32_t n, const uint64_t *lba, const uint32_t *cnt, size_t *len)
{
	static uint8_t p[8 + 16 * 300];
	memset(p, 0, sizeof(p));
	*len = 8 + 16 * n;
	put_be16(p, (uint16_t)(*len - 2));
	put_be16(p + 2, (uint16_t)(16 * n));
	for (uint32_t i = 0; i < n; i++) {
		put_be64(p + 8 + 16 * i, lba[i]);
		put_be32(p + 16 + 16 * i, cnt[i]);
	}
	return p;
}

static bool zero_blocks(uint64_t lba, uint64_t n)
{
	const uint8_t *m = (const uint8_t *)d.dev.mem + lba * BS;
	for (uint64_t i = 0; i < n * BS; i++)
		if (m[i])
			return false;
	return true;
}

static void test_unmap(void)
{
	memset(d.dev.mem, 0xab, (size_t)d.dev.size);
	uint64_t lba[3] = {8, 100, BLOCKS - 48};
	uint32_t cnt[3] = {8, 0, 48};
	size_t len;
	uint8_t *p = unmap_list(3, lba, cnt, &len);
	uint8_t c[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	put_be16(c + 7, (uint16_t)len);
	cmd(c, 10, p, len);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.ios, 2); /* the empty descriptor costs nothing */
	CHECK(zero_blocks(8, 8) && zero_blocks(BLOCKS - 48, 48));
	CHECK(!zero_blocks(7, 1) && !zero_blocks(16, 1) && !zero_blocks(BLOCKS - 49, 1));
	/* out of range: nothing is punched */
	lba[0] = 200;
	cnt[2] = 49;
	p = unmap_list(3, lba, cnt, &len);
	cmd(c, 10, p, len);
	expect_sense(0x5, 0x21, 0x00);
	CHECK_EQ(r.ios, 0);
	CHECK(!zero_blocks(200, 1));
	/* too many descriptors, too short a list, nothing at all */
	put_be16(c + 7, 8 + 16 * 257);
	cmd(c, 10, NULL, 0);
	expect_sense(0x5, 0x26, 0x00);
	put_be16(c + 7, 7);
	cmd(c, 10, p, 7);
	expect_sense(0x5, 0x1a, 0x00);
	put_be16(c + 7, 0);
	cmd(c, 10, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* a non-thin LU has no UNMAP */
	d.cfg.thin = false;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	put_be16(c + 7, (uint16_t)len);
	cmd(c, 10, p, len);
	expect_sense(0x5, 0x20, 0x00);
	d.cfg.thin = true;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_write_same(void)
{
	uint8_t ws16[16] = {0x93}, ws10[10] = {0x41}, blk[BS];
	memset(d.dev.mem, 0xab, (size_t)d.dev.size);
	memset(blk, 0x3c, BS);
	put_be64(ws16 + 2, 10);
	put_be32(ws16 + 10, 5);
	cmd(ws16, 16, blk, BS);
	CHECK_EQ(r.status, SCSI_GOOD);
	for (unsigned i = 0; i < 5; i++)
		CHECK_MEM((uint8_t *)d.dev.mem + (10 + i) * BS, blk, BS);
	CHECK_EQ(((uint8_t *)d.dev.mem)[15 * BS], 0xab);
	ws16[1] = 0x08; /* UNMAP with zeroes: punched */
	memset(blk, 0, BS);
	cmd(ws16, 16, blk, BS);
	CHECK(r.status == SCSI_GOOD && zero_blocks(10, 5));
	ws16[1] = 0x09; /* NDOB: no Data-Out */
	put_be64(ws16 + 2, 20);
	cmd(ws16, 16, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_outs == 0 && zero_blocks(20, 5));
	/* a 4 MiB pattern goes out in 1 MiB chunks */
	memset(blk, 0x11, BS);
	put_be16(ws10 + 7, BLOCKS);
	put_be32(ws10 + 2, 0);
	cmd(ws10, 10, blk, BS);
	CHECK(r.status == SCSI_GOOD && r.ios == 4);
	CHECK_MEM((uint8_t *)d.dev.mem + (BLOCKS - 1) * BS, blk, BS);
	put_be16(ws10 + 7, 0); /* WSNZ 0: 0 blocks runs to the last LBA */
	put_be32(ws10 + 2, BLOCKS - 3);
	memset(blk, 0x22, BS);
	cmd(ws10, 10, blk, BS);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_MEM((uint8_t *)d.dev.mem + (BLOCKS - 3) * BS, blk, BS);
	CHECK_MEM((uint8_t *)d.dev.mem + (BLOCKS - 1) * BS, blk, BS);
	put_be32(ws10 + 2, BLOCKS); /* 0 blocks at the capacity: nothing to write, out of range */
	cmd(ws10, 10, blk, BS);
	expect_sense(0x5, 0x21, 0x00);
	/* a Data-Out that is not exactly one block is refused before any data moves */
	static const struct {
		uint8_t op;
		size_t dlen;
	} bad_dout[] = {{0x41, BS / 2}, {0x41, 2 * BS}, {0x93, BS / 2}, {0x93, 2 * BS}, {0x93, 0}};
	static uint8_t two[2 * BS];
	for (size_t i = 0; i < sizeof(bad_dout) / sizeof(bad_dout[0]); i++) {
		uint8_t c[16] = {bad_dout[i].op, 0x08};
		if (c[0] == 0x93)
			put_be32(c + 10, 1);
		else
			put_be16(c + 7, 1);
		cmd(c, c[0] == 0x93 ? 16 : 10, two, bad_dout[i].dlen);
		expect_sense(0x5, 0x24, 0x00);
		CHECK_EQ(r.data_outs, 0);
	}
	put_be32(ws10 + 2, BLOCKS - 1);
	put_be16(ws10 + 7, 2);
	cmd(ws10, 10, blk, BS);
	expect_sense(0x5, 0x21, 0x00);
	ws10[1] = 0x10; /* ANCHOR */
	cmd(ws10, 10, blk, BS);
	expect_field(1, 4);
	blk_mem_fail_next(&d.mq, -ENOSPC, 1);
	ws10[1] = 0;
	put_be32(ws10 + 2, 0);
	cmd(ws10, 10, blk, BS);
	expect_sense(0x7, 0x27, 0x07);
}

static void test_get_lba_status(void)
{
	uint8_t c[16] = {0x9e, 0x12};
	uint8_t blk[BS];
	memset(d.dev.mem, 0, (size_t)d.dev.size);
	memset(blk, 1, BS);
	uint8_t w[16];
	cmd(w, rw_cdb(w, 0x2a, 10, 16, 1, 0), blk, BS); /* data in 4 KiB grain 2: LBAs 16..23 */
	put_be32(c + 10, 24);
	cmd(c, 16, NULL, 0);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 24);
	CHECK_EQ(get_be32(r.data), 20);
	CHECK_EQ(get_be64(r.data + 8), 0);
	CHECK_EQ(get_be32(r.data + 16), 16);
	CHECK_EQ(r.data[20], 1); /* deallocated */
	put_be64(c + 2, 17);
	cmd(c, 16, NULL, 0);
	CHECK_EQ(get_be64(r.data + 8), 17);
	CHECK_EQ(get_be32(r.data + 16), 7);
	CHECK_EQ(r.data[20], 0); /* mapped */
	put_be64(c + 2, 24);
	cmd(c, 16, NULL, 0);
	CHECK_EQ(get_be32(r.data + 16), BLOCKS - 24);
	CHECK_EQ(r.data[20], 1);
	put_be64(c + 2, BLOCKS);
	cmd(c, 16, NULL, 0);
	expect_sense(0x5, 0x21, 0x00);
}

/* READ CAPACITY(16) byte 13 (LBPPBE), VPD B0h OPTIMAL TRANSFER LENGTH GRANULARITY and OPTIMAL
 * UNMAP GRANULARITY for a LU reopened with this logical and physical block size. */
static void expect_geometry(uint32_t bs, uint32_t pbs, uint8_t lbppbe, uint32_t gran)
{
	static const uint8_t rc16[16] = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
	static const uint8_t b0[6] = {0x12, 0x01, 0xb0, 0, 255, 0};
	d.cfg.block_size = bs;
	d.cfg.physical_block_size = pbs;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	cmd(rc16, 16, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_len == 32);
	CHECK_EQ(get_be32(r.data + 8), bs);
	CHECK_EQ(r.data[13], lbppbe); /* P_I_EXPONENT 0, LBPPBE */
	CHECK_EQ(r.data[14], 0xc0);   /* LBPME LBPRZ, LOWEST ALIGNED LBA 0 */
	CHECK_EQ(r.data[15], 0);
	cmd(b0, 6, NULL, 0);
	CHECK(r.status == SCSI_GOOD && r.data_len == 64);
	CHECK_EQ(get_be16(r.data + 6), gran);
	CHECK_EQ(get_be32(r.data + 28), gran);
	CHECK_EQ(get_be32(r.data + 32), 0); /* UGAVALID 0 */
	CHECK(get_be32(r.data + 20) >= 1u << lbppbe);
	CHECK_EQ(get_be32(r.data + 12) % gran, 0); /* OPTIMAL TRANSFER LENGTH */
}

/* physical_block_size: the exponent and the granularities follow it; the granularity is never
 * below 4 KiB; a value below the logical block (or not a power of two) means the logical
 * block. 512e: UNMAP and WRITE SAME UNMAP of partial physical blocks succeed and read back
 * zeroes (libiscsi WriteSame10/16.UnmapUnaligned). */
static void test_physical_block(void)
{
	expect_geometry(512, 0, 0, 8);
	expect_geometry(512, 512, 0, 8);
	expect_geometry(512, 1024, 1, 8);
	expect_geometry(512, 8192, 4, 16);
	expect_geometry(512, 65536, 7, 128);
	expect_geometry(4096, 0, 0, 1);
	expect_geometry(4096, 8192, 1, 2);
	expect_geometry(4096, 512, 0, 1);     /* below the logical block */
	expect_geometry(512, 3000, 0, 8);     /* not a power of two */
	expect_geometry(512, 1u << 17, 0, 8); /* above 64 KiB */
	expect_geometry(512, 4096, 3, 8);     /* 512e */

	uint8_t ws16[16] = {0x93, 0x08}, ws10[10] = {0x41, 0x08}, blk[BS] = {0};
	memset(d.dev.mem, 0xab, (size_t)d.dev.size);
	for (uint32_t i = 1; i < 8; i++) {
		put_be64(ws16 + 2, 64 + i);
		put_be32(ws16 + 10, 8 - i);
		cmd(ws16, 16, blk, BS);
		CHECK(r.status == SCSI_GOOD && zero_blocks(64 + i, 8 - i));
		put_be32(ws10 + 2, 128 + i);
		put_be16(ws10 + 7, (uint16_t)(8 - i));
		cmd(ws10, 10, blk, BS);
		CHECK(r.status == SCSI_GOOD && zero_blocks(128 + i, 8 - i));
	}
	CHECK(!zero_blocks(64, 1) && !zero_blocks(72, 1) && !zero_blocks(128, 1));
	/* a Data-Out that is not one logical block is still refused */
	cmd(ws10, 10, blk, BS / 2);
	expect_sense(0x5, 0x24, 0x00);
	uint64_t lba[2] = {201, 300};
	uint32_t cnt[2] = {3, 13};
	size_t len;
	uint8_t *p = unmap_list(2, lba, cnt, &len);
	uint8_t c[10] = {0x42};
	put_be16(c + 7, (uint16_t)len);
	cmd(c, 10, p, len);
	CHECK(r.status == SCSI_GOOD && zero_blocks(201, 3) && zero_blocks(300, 13));
	CHECK(!zero_blocks(200, 1) && !zero_blocks(204, 1) && !zero_blocks(313, 1));
	expect_geometry(BS, 0, 0, 8);
}

int main(void)
{
	if (drv_init(&d, (uint64_t)BLOCKS * BS, BS) != 0)
		return 1;
	drv_clear_ua(&d);
	test_read_capacity();
	test_read_write_roundtrip();
	test_fua_and_flags();
	test_ranges();
	test_read_only();
	test_verify();
	test_sync_cache();
	test_backend_errors();
	test_unmap();
	test_write_same();
	test_get_lba_status();
	test_physical_block();
	drv_result_free(&r);
	drv_fini(&d);
	return CHECK_SUMMARY();
}
