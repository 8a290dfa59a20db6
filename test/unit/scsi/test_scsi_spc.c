/* test_scsi_spc.c: INQUIRY (standard data and every VPD page byte by byte), REPORT LUNS,
 * REQUEST SENSE, unit attention sequencing, REPORT SUPPORTED OPERATION CODES, MODE SENSE /
 * MODE SELECT, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, and allocation length truncation
 * of every Data-In command. */
#include <stdlib.h>

#include "common/wire.h"
#include "target/scsi/cdb.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

static struct drv d;
static struct drv_result r;

static void cmd(const uint8_t *cdb, size_t len)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, NULL, 0, &r);
}

static void cmd_out(const uint8_t *cdb, size_t len, const void *dout, size_t dlen)
{
	drv_result_free(&r);
	drv_cmd(&d, cdb, len, dout, dlen, &r);
}

#define expect_sense(key, asc, ascq) drv_expect_sense(&r, (key), (asc), (ascq))

#define expect_field(field, bit) drv_expect_field(&r, (field), (bit))

static void test_ua_sequence(void)
{
	static const uint8_t tur[6] = {0}, inq[6] = {0x12, 0, 0, 0, 36, 0};
	static const uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0};
	static const uint8_t rs[6] = {0x03, 0, 0, 0, 252, 0};
	/* INQUIRY and REPORT LUNS neither report nor clear POWER ON */
	cmd(inq, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	cmd(rl, 12);
	CHECK_EQ(r.status, SCSI_GOOD);
	cmd(tur, 6);
	expect_sense(0x6, 0x29, 0x00);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* capacity change: next command; REQUEST SENSE returns and clears it */
	CHECK_EQ(blk_mem_dev_resize(&d.dev, 2 << 20), 0);
	scsi_lu_set_size(d.lu, 2 << 20);
	cmd(rs, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 18);
	CHECK(r.data[0] == 0x70 && r.data[2] == 0x06 && r.data[12] == 0x2a && r.data[13] == 0x09);
	cmd(rs, 6);
	CHECK(r.data[2] == 0x00 && r.data[12] == 0x00);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* same size again: no UA */
	scsi_lu_set_size(d.lu, 2 << 20);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
}

static unsigned aborts;
static struct scsi_nexus *aborted;

static void note_abort(void *ctx, struct scsi_nexus *nx)
{
	(void)ctx;
	aborts++;
	aborted = nx;
}

static void test_ua_priority(void)
{
	static const uint8_t tur[6] = {0};
	static const uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0};
	static const uint8_t rs_desc[6] = {0x03, 1, 0, 0, 252, 0};
	/* priority: reset before capacity before luns changed; one per command */
	scsi_lu_raise_ua(d.lu, SCSI_UA_REPORTED_LUNS_CHANGED | SCSI_UA_CAPACITY_CHANGED, NULL);
	scsi_lu_reset(d.lu, NULL);
	cmd(tur, 6);
	expect_sense(0x6, 0x29, 0x03);
	cmd(tur, 6);
	expect_sense(0x6, 0x2a, 0x09);
	cmd(rs_desc, 6); /* descriptor format on request */
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(r.data_len == 8 && r.data[0] == 0x72 && r.data[1] == 0x06 && r.data[2] == 0x3f &&
	      r.data[3] == 0x0e);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED */
	scsi_lu_raise_ua(d.lu, SCSI_UA_REPORTED_LUNS_CHANGED, NULL);
	cmd(rl, 12);
	CHECK_EQ(r.status, SCSI_GOOD);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* the resetting nexus gets the reset too; a raise can spare one nexus */
	scsi_lu_reset(d.lu, &d.nx);
	scsi_lu_raise_ua(d.lu, SCSI_UA_SOFT_THRESHOLD, &d.nx);
	cmd(tur, 6);
	expect_sense(0x6, 0x29, 0x03);
	cmd(tur, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	/* a second nexus sees POWER ON; an unsupported opcode reports the UA first */
	struct scsi_nexus nx2 = {0};
	static const uint8_t bogus[6] = {0x02};
	scsi_lu_attach(d.lu, &nx2);
	drv_result_free(&r);
	drv_run(&d, d.lu, &nx2, bogus, 6, NULL, 0, &r);
	expect_sense(0x6, 0x29, 0x00);
	drv_result_free(&r);
	drv_run(&d, d.lu, &nx2, bogus, 6, NULL, 0, &r);
	expect_sense(0x5, 0x20, 0x00);
	/* a LUN reset aborts the tasks of every other nexus (through the daemon), not the
	 * issuer's (the transport does those) */
	d.cfg.abort_nexus = note_abort;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	scsi_lu_attach(d.lu, &nx2);
	aborted = NULL;
	aborts = 0;
	scsi_lu_reset(d.lu, &d.nx);
	CHECK_EQ(aborts, 1);
	CHECK(aborted == &nx2);
	scsi_lu_detach(d.lu, &nx2);
	CHECK_EQ(nx2.ua_pending, 0);
	cmd(tur, 6);
	expect_sense(0x6, 0x29, 0x03);
}

static void test_inquiry_standard(void)
{
	static const uint8_t inq[6] = {0x12, 0, 0, 0x01, 0x00, 0}; /* 256 */
	static const uint8_t bad_page[6] = {0x12, 0, 0x80, 0, 0xff, 0};
	cmd(inq, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 74);
	CHECK_EQ(r.data[0], 0x00);
	CHECK_EQ(r.data[1], 0x00); /* RMB 0 */
	CHECK_EQ(r.data[2], 0x06);
	CHECK_EQ(r.data[3], 0x12);
	CHECK_EQ(r.data[4], 74 - 5);
	CHECK_EQ(r.data[5], 0x00);
	CHECK_EQ(r.data[7], 0x02);
	CHECK_MEM(r.data + 8, "RINGSAN ", 8);
	CHECK_MEM(r.data + 16, "ringsan disk    ", 16);
	for (int i = 8; i < 36; i++)
		CHECK(r.data[i] >= 0x20 && r.data[i] <= 0x7e);
	CHECK_EQ(get_be16(r.data + 58), 0x00a0);
	CHECK_EQ(get_be16(r.data + 60), 0x0960);
	CHECK_EQ(get_be16(r.data + 62), 0x0460);
	CHECK_EQ(get_be16(r.data + 64), 0x04c0);
	cmd(bad_page, 6);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(2, 7);
}

static void vpd(uint8_t page, uint16_t alloc)
{
	uint8_t c[6] = {0x12, 0x01, page, (uint8_t)(alloc >> 8), (uint8_t)alloc, 0};
	cmd(c, 6);
}

static void test_vpd_pages(void)
{
	static const uint8_t pages[] = {0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2};
	vpd(0x00, 255);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 4 + sizeof(pages));
	CHECK_EQ(r.data[1], 0x00);
	CHECK_EQ(get_be16(r.data + 2), sizeof(pages));
	CHECK_MEM(r.data + 4, pages, sizeof(pages));
	vpd(0x80, 255);
	CHECK_EQ(r.data_len, 36);
	CHECK_EQ(r.data[1], 0x80);
	CHECK_EQ(r.data[3], 32);
	CHECK_MEM(r.data + 4, "102132435465768798a9bacbdcedfe0f", 32);
	vpd(0xb1, 255);
	CHECK_EQ(r.data_len, 64);
	CHECK_EQ(get_be16(r.data + 2), 0x3c);
	CHECK_EQ(get_be16(r.data + 4), 1);
	vpd(0xb2, 255);
	CHECK_EQ(r.data_len, 8);
	CHECK_EQ(get_be16(r.data + 2), 4);
	CHECK_EQ(r.data[5], 0xe4); /* LBPU LBPWS LBPWS10 LBPRZ=001b */
	CHECK_EQ(r.data[6], 0x02); /* thin */
	vpd(0xb0, 255);
	CHECK_EQ(r.data_len, 64);
	CHECK_EQ(get_be16(r.data + 2), 0x3c);
	CHECK_EQ(r.data[4], 0x00); /* WSNZ 0 */
	CHECK_EQ(r.data[5], 255);  /* MAXIMUM COMPARE AND WRITE LENGTH at 512 bytes */
	CHECK_EQ(get_be16(r.data + 6), 8);
	CHECK_EQ(get_be32(r.data + 8), (32u << 20) / 512);
	CHECK_EQ(get_be32(r.data + 12), (1u << 20) / 512);
	CHECK_EQ(get_be32(r.data + 20), 0xffffffffu);
	CHECK_EQ(get_be32(r.data + 24), 256);
	CHECK_EQ(get_be32(r.data + 28), 8);
	CHECK_EQ(get_be64(r.data + 36), (1u << 30) / 512);
	vpd(0x86, 255);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(2, 7);
	/* a fully provisioned LU: no provisioning, no unmap limits */
	d.cfg.thin = false;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	vpd(0xb2, 255);
	CHECK(r.data[5] == 0 && r.data[6] == 0);
	vpd(0xb0, 255);
	CHECK(get_be32(r.data + 20) == 0 && get_be32(r.data + 24) == 0);
	d.cfg.thin = true;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_vpd_device_id(void)
{
	static const uint8_t naa[8] = {0x31, 0x02, 0x13, 0x24, 0x35, 0x46, 0x57, 0x68};
	static const char port[] = "iqn.2024-01.org.example:disk0,t,0x0001";
	static const char dev[] = "iqn.2024-01.org.example:disk0";
	vpd(0x83, 1024);
	CHECK_EQ(r.status, SCSI_GOOD);
	const uint8_t *p = r.data;
	uint32_t len = get_be16(p + 2) + 4u;
	CHECK_EQ(r.data_len, len);
	CHECK_EQ(p[1], 0x83);
	uint32_t off = 4;
	/* NAA: binary, LU, type 3, length 8, NAA 3 + the UUID's top 60 bits */
	CHECK(p[off] == 0x01 && p[off + 1] == 0x03 && p[off + 3] == 8);
	CHECK_MEM(p + off + 4, naa, 8);
	off += 12;
	/* T10 vendor ID: ASCII, LU, type 1 */
	CHECK(p[off] == 0x02 && p[off + 1] == 0x01 && p[off + 3] == 40);
	CHECK_MEM(p + off + 4, "RINGSAN 102132435465768798a9bacbdcedfe0f", 40);
	off += 44;
	/* relative target port: iSCSI, binary, PIV, target port, type 4 */
	CHECK(p[off] == 0x51 && p[off + 1] == 0x94 && p[off + 3] == 4);
	CHECK_EQ(get_be16(p + off + 6), 1);
	off += 8;
	/* SCSI name string, target port */
	CHECK(p[off] == 0x53 && p[off + 1] == 0x98);
	CHECK_EQ(p[off + 3], (sizeof(port) + 3) & ~3u);
	CHECK_EQ(p[off + 3] % 4, 0);
	CHECK_MEM(p + off + 4, port, sizeof(port)); /* with its NUL */
	for (unsigned i = sizeof(port); i < p[off + 3]; i++)
		CHECK_EQ(p[off + 4 + i], 0);
	off += 4u + p[off + 3];
	/* SCSI name string, target device */
	CHECK(p[off] == 0x53 && p[off + 1] == 0xa8);
	CHECK_EQ(p[off + 3], (sizeof(dev) + 3) & ~3u);
	CHECK_MEM(p + off + 4, dev, sizeof(dev));
	off += 4u + p[off + 3];
	CHECK_EQ(off, len);
	CHECK_EQ(len % 4, 0);
}

/* Every Data-In command, every allocation length from 0 to past its full size: the Data-In is
 * exactly the prefix of the full answer, never more. */
static void test_allocation_length(void)
{
	struct {
		uint8_t cdb[16];
		unsigned len, alloc_byte, alloc_width;
	} cases[] = {
	    {{0x12}, 6, 3, 2},
	    {{0x12, 1, 0x00}, 6, 3, 2},
	    {{0x12, 1, 0x80}, 6, 3, 2},
	    {{0x12, 1, 0x83}, 6, 3, 2},
	    {{0x12, 1, 0xb0}, 6, 3, 2},
	    {{0x12, 1, 0xb1}, 6, 3, 2},
	    {{0x12, 1, 0xb2}, 6, 3, 2},
	    {{0x03}, 6, 4, 1},
	    {{0x1a, 0, 0x3f}, 6, 4, 1},
	    {{0x5a, 0x10, 0x3f, 0xff}, 10, 7, 2},
	    {{0x9e, 0x10}, 16, 10, 4},
	    {{0xa3, 0x0c, 0}, 12, 6, 4},
	    {{0xa3, 0x0c, 0x81, 0x28}, 12, 6, 4},
	    {{0x9e, 0x12}, 16, 10, 4},
	    {{0xa0}, 12, 6, 4},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint8_t c[16];
		memcpy(c, cases[k].cdb, 16);
		for (unsigned i = 0; i < cases[k].alloc_width; i++)
			c[cases[k].alloc_byte + i] = 0xff;
		if (cases[k].alloc_width == 4)
			c[cases[k].alloc_byte] = 0; /* 16 MiB is plenty */
		cmd(c, cases[k].len);
		CHECK_EQ(r.status, SCSI_GOOD);
		uint32_t full = r.data_len;
		uint8_t *whole = malloc(full ? full : 1);
		memcpy(whole, r.data, full);
		CHECK(full > 0);
		unsigned from = c[0] == 0xa0 ? 16 : 0; /* REPORT LUNS: below 16 is an error */
		for (uint32_t a = from; a <= full + 2; a++) {
			memset(c + cases[k].alloc_byte, 0, cases[k].alloc_width);
			if (cases[k].alloc_width == 1)
				c[cases[k].alloc_byte] = (uint8_t)a;
			else if (cases[k].alloc_width == 2)
				put_be16(c + cases[k].alloc_byte, (uint16_t)a);
			else
				put_be32(c + cases[k].alloc_byte, a);
			cmd(c, cases[k].len);
			CHECK_EQ(r.status, SCSI_GOOD);
			CHECK_EQ(r.data_len, a < full ? a : full);
			if (r.data_len)
				CHECK_MEM(r.data, whole, r.data_len);
		}
		free(whole);
	}
	static const uint8_t rl_short[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 0, 0};
	cmd(rl_short, 12);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(6, 7);
}

static void test_report_luns(void)
{
	uint8_t c[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	static const uint8_t one_lun[16] = {0, 0, 0, 8};
	for (unsigned sel = 0; sel < 256; sel++) {
		c[2] = (uint8_t)sel;
		cmd(c, 12);
		if (sel == 0 || sel == 2 || (sel >= 0x10 && sel <= 0x12)) {
			CHECK_EQ(r.status, SCSI_GOOD);
			CHECK_EQ(r.data_len, 16);
			CHECK_MEM(r.data, one_lun, 16);
		} else if (sel == 1) {
			CHECK_EQ(r.status, SCSI_GOOD);
			CHECK_EQ(r.data_len, 8);
			CHECK_EQ(get_be32(r.data), 0);
		} else {
			expect_sense(0x5, 0x24, 0x00);
			expect_field(2, 7);
		}
	}
}

static void test_rsoc(void)
{
	uint8_t c[12] = {0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0x10, 0, 0, 0};
	const struct scsi_cmd *cmds[128];
	size_t n = cdb_list(cmds, 128);
	cmd(c, 12);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(get_be32(r.data), n * 8);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = r.data + 4 + 8 * i;
		CHECK_EQ(e[0], cmds[i]->opcode);
		CHECK_EQ(get_be16(e + 6), cmds[i]->cdb_len);
		bool sa = cmds[i]->flags & CDB_F_SA;
		CHECK_EQ(e[5], sa ? 0x01 : 0x00);
		CHECK_EQ(get_be16(e + 2), sa ? cmds[i]->sa : 0);
	}
	c[2] = 0x80; /* RCTD */
	cmd(c, 12);
	CHECK_EQ(get_be32(r.data), n * 20);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = r.data + 4 + 20 * i;
		CHECK(e[5] & 0x02);
		CHECK_EQ(get_be16(e + 8), 0x0a);
		CHECK(get_be32(e + 16) > 0);
	}
	/* one command: 1 without SA, 2 with SA, 3 either */
	for (size_t i = 0; i < n; i++) {
		bool sa = cmds[i]->flags & CDB_F_SA;
		uint8_t usage[16];
		c[2] = 0x01;
		c[3] = cmds[i]->opcode;
		put_be16(c + 4, cmds[i]->sa);
		cmd(c, 12);
		CHECK_EQ(r.status, sa ? SCSI_CHECK_CONDITION : SCSI_GOOD);
		c[2] = 0x02;
		cmd(c, 12);
		CHECK_EQ(r.status, sa ? SCSI_GOOD : SCSI_CHECK_CONDITION);
		c[2] = 0x83;
		cmd(c, 12);
		CHECK_EQ(r.status, SCSI_GOOD);
		CHECK_EQ(r.data[1], 0x83);
		CHECK_EQ(get_be16(r.data + 2), cmds[i]->cdb_len);
		cdb_usage(cmds[i], usage);
		CHECK_MEM(r.data + 4, usage, cmds[i]->cdb_len);
		CHECK_EQ(r.data[4], cmds[i]->opcode);
		CHECK_EQ(r.data_len, 4u + cmds[i]->cdb_len + 12u);
	}
	c[2] = 0x01; /* unsupported opcode: SUPPORT 001b */
	c[3] = 0x02;
	cmd(c, 12);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(r.data_len == 4 && r.data[1] == 0x01);
	c[2] = 0x04;
	cmd(c, 12);
	expect_sense(0x5, 0x24, 0x00);
	/* the READ(10) map says what the dispatcher accepts */
	c[2] = 0x01;
	c[3] = 0x28;
	cmd(c, 12);
	static const uint8_t read10[10] = {0x28, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0};
	CHECK_MEM(r.data + 4, read10, 10);
}

static void test_mode_sense(void)
{
	uint8_t c6[6] = {0x1a, 0, 0x3f, 0, 255, 0};
	cmd(c6, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 4 + 8 + 20 + 12 + 12);
	CHECK_EQ(r.data[0], r.data_len - 1);
	CHECK_EQ(r.data[2], 0x10); /* DPOFUA, not WP */
	CHECK_EQ(r.data[3], 8);
	CHECK_EQ(get_be32(r.data + 4), 4096); /* grown to 2 MiB above */
	CHECK_EQ(get_be24(r.data + 9), 512);
	CHECK(r.data[12] == 0x08 && r.data[13] == 0x12 && r.data[14] == 0x04); /* WCE */
	CHECK(r.data[32] == 0x0a && r.data[33] == 0x0a && r.data[34] == 0x00 && r.data[35] == 0x10);
	CHECK(r.data[44] == 0x1c && r.data[45] == 0x0a && r.data[46] == 0x08);
	c6[1] = 0x08; /* DBD */
	c6[2] = 0x08;
	cmd(c6, 6);
	CHECK_EQ(r.data_len, 24);
	CHECK_EQ(r.data[3], 0);
	CHECK(r.data[4] == 0x08 && r.data[6] == 0x04);
	c6[2] = 0x48; /* changeable: nothing */
	cmd(c6, 6);
	CHECK(r.data_len == 24 && r.data[4] == 0x08 && r.data[6] == 0x00);
	c6[2] = 0x88; /* default */
	cmd(c6, 6);
	CHECK(r.data[6] == 0x04);
	c6[2] = 0xc8; /* saved */
	cmd(c6, 6);
	expect_sense(0x5, 0x39, 0x00);
	c6[2] = 0x08;
	c6[3] = 0xff; /* all subpages of the caching page */
	cmd(c6, 6);
	CHECK_EQ(r.data_len, 24);
	c6[3] = 0x01;
	cmd(c6, 6);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(3, 7);
	c6[2] = 0x19;
	c6[3] = 0;
	cmd(c6, 6);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(2, 5);
}

static void test_mode_sense10(void)
{
	uint8_t c6[6] = {0x1a, 0, 0x08, 0, 255, 0};
	/* MODE SENSE(10) with LLBAA: long block descriptor */
	uint8_t c10[10] = {0x5a, 0x10, 0x0a, 0, 0, 0, 0, 0, 255, 0};
	cmd(c10, 10);
	CHECK_EQ(r.data_len, 8 + 16 + 12);
	CHECK_EQ(get_be16(r.data), r.data_len - 2);
	CHECK_EQ(r.data[4], 0x01);
	CHECK_EQ(get_be16(r.data + 6), 16);
	CHECK_EQ(get_be64(r.data + 8), 4096);
	CHECK_EQ(get_be32(r.data + 20), 512);
	CHECK(r.data[24] == 0x0a);
	/* write_cache off and read-only show in WCE and WP */
	d.cfg.write_cache = false;
	d.cfg.read_only = true;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
	c6[1] = 0;
	c6[2] = 0x08;
	cmd(c6, 6);
	CHECK_EQ(r.data[2], 0x90);
	CHECK_EQ(r.data[12 + 2], 0x00);
	d.cfg.write_cache = true;
	d.cfg.read_only = false;
	CHECK_EQ(drv_reopen(&d), 0);
	drv_clear_ua(&d);
}

static void test_mode_select(void)
{
	uint8_t sense6[6] = {0x1a, 0x08, 0x08, 0, 255, 0};
	uint8_t page[24];
	cmd(sense6, 6);
	memcpy(page, r.data, 24);
	page[0] = 0; /* mode data length is reserved in MODE SELECT */
	uint8_t sel6[6] = {0x15, 0x10, 0, 0, 24, 0};
	cmd_out(sel6, 6, page, 24); /* the same values: accepted */
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 0);
	page[6] &= (uint8_t)~0x04; /* clear WCE: refused, pointing at it */
	cmd_out(sel6, 6, page, 24);
	expect_sense(0x5, 0x26, 0x00);
	expect_field(6, 2);
	page[6] |= 0x04;
	page[4] = 0x3e; /* unknown page */
	cmd_out(sel6, 6, page, 24);
	expect_sense(0x5, 0x26, 0x00);
	expect_field(4, 5);
	page[4] = 0x08;
	page[5] = 0x10; /* wrong page length */
	cmd_out(sel6, 6, page, 24);
	expect_field(5, 7);
	page[5] = 0x12;
	sel6[1] = 0x11; /* SP */
	cmd_out(sel6, 6, page, 24);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(1, 0);
	sel6[1] = 0x10;
	sel6[4] = 0; /* nothing to do */
	cmd(sel6, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	sel6[4] = 3;
	cmd_out(sel6, 6, page, 3);
	expect_sense(0x5, 0x1a, 0x00);
	/* with a block descriptor of the right block size */
	uint8_t list[4 + 8 + 12] = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x02, 0x00};
	uint8_t sense_ctl[6] = {0x1a, 0x08, 0x0a, 0, 255, 0};
	cmd(sense_ctl, 6);
	memcpy(list + 12, r.data + 4, 12);
	sel6[4] = sizeof(list);
	cmd_out(sel6, 6, list, sizeof(list));
	CHECK_EQ(r.status, SCSI_GOOD);
	list[10] = 0x10; /* 4096: cannot change */
	cmd_out(sel6, 6, list, sizeof(list));
	expect_sense(0x5, 0x26, 0x00);
	expect_field(9, 7);
	/* MODE SELECT(10) */
	uint8_t list10[8 + 12] = {0};
	memcpy(list10 + 8, list + 12, 12);
	uint8_t sel10[10] = {0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(list10), 0};
	cmd_out(sel10, 10, list10, sizeof(list10));
	CHECK_EQ(r.status, SCSI_GOOD);
	list10[8 + 2] |= 0x04; /* D_SENSE: not changeable */
	cmd_out(sel10, 10, list10, sizeof(list10));
	expect_field(10, 2);
}

static void test_start_stop_prevent(void)
{
	uint8_t ssu[6] = {0x1b, 0, 0, 0, 0, 0};
	for (unsigned v = 0; v < 16; v++) {
		ssu[4] = (uint8_t)(v << 4 | 0x01);
		cmd(ssu, 6);
		bool ok = v <= 3 || v == 7 || v == 0xa || v == 0xb;
		CHECK_EQ(r.status, ok ? SCSI_GOOD : SCSI_CHECK_CONDITION);
	}
	ssu[4] = 0x02; /* LOEJ, stop: nothing to eject, GOOD */
	cmd(ssu, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	uint8_t pa[6] = {0x1e, 0, 0, 0, 0, 0};
	cmd(pa, 6);
	CHECK_EQ(r.status, SCSI_GOOD);
	pa[4] = 1;
	cmd(pa, 6);
	expect_sense(0x5, 0x24, 0x00);
	expect_field(4, 1);
}

int main(void)
{
	if (drv_init(&d, 1 << 20, 512) != 0)
		return 1;
	test_ua_sequence();
	test_ua_priority();
	test_inquiry_standard();
	test_vpd_pages();
	test_vpd_device_id();
	test_allocation_length();
	test_report_luns();
	test_rsoc();
	test_mode_sense();
	test_mode_sense10();
	test_mode_select();
	test_start_stop_prevent();
	drv_result_free(&r);
	drv_fini(&d);
	return CHECK_SUMMARY();
}
