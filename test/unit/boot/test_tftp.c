/* test_tftp.c: TFTP codec, path sanitising and the transfer state machine (a simulated peer). */
#include <errno.h>

#include "bootsvc/proto/tftp.h"
#include "test/unit/check.h"

static const struct tftp_limits LIM = {
    .max_blksize = TFTP_MAX_BLKSIZE,
    .max_windowsize = 64,
    .timeout_ms = 1000,
    .max_timeout_ms = 8000,
    .max_retries = 4,
};

static struct tftp_packet decode_bytes(const void *raw, size_t len, int *rc)
{
	struct tftp_packet p;
	*rc = tftp_decode(&p, raw, len);
	return p;
}

static void test_decode_rrq(void)
{
	static const char rrq[] = "\0\1/boot/undionly.kpxe\0OCTET\0tsize\0000\0BLKSIZE\0001468\0"
				  "windowsize\0004\0timeout\0003\0bogus\0x\0";
	int rc;
	struct tftp_packet p = decode_bytes(rrq, sizeof(rrq) - 1, &rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(p.opcode, TFTP_RRQ);
	CHECK_STR(p.filename, "/boot/undionly.kpxe");
	CHECK_STR(p.mode, "octet");
	CHECK(p.has_tsize && p.tsize == 0);
	CHECK(p.has_blksize && p.blksize == 1468);
	CHECK(p.has_windowsize && p.windowsize == 4);
	CHECK(p.has_timeout && p.timeout == 3);

	/* Out-of-range values are treated as absent; big blksize is clamped (RFC 2348). */
	static const char r2[] = "\0\1f\0octet\0blksize\0007\0timeout\0000\0windowsize\00070000\0";
	p = decode_bytes(r2, sizeof(r2) - 1, &rc);
	CHECK_EQ(rc, 0);
	CHECK(!p.has_blksize && !p.has_timeout && !p.has_windowsize);
	static const char r3[] = "\0\1f\0octet\0blksize\0001000000\0";
	p = decode_bytes(r3, sizeof(r3) - 1, &rc);
	CHECK(p.has_blksize && p.blksize == TFTP_MAX_BLKSIZE);

	/* Malformed. */
	static const char nonul[] = "\0\1file";
	decode_bytes(nonul, sizeof(nonul) - 1, &rc);
	CHECK_EQ(rc, -EBADMSG);
	static const char badop[] = "\0\11xx";
	decode_bytes(badop, sizeof(badop) - 1, &rc);
	CHECK_EQ(rc, -EBADMSG);
	decode_bytes("\0", 1, &rc);
	CHECK_EQ(rc, -EBADMSG);
	static const char ackshort[] = "\0\4\0";
	decode_bytes(ackshort, 3, &rc);
	CHECK_EQ(rc, -EBADMSG);
	static const char err[] = "\0\5\0\10no options";
	p = decode_bytes(err, sizeof(err) - 1, &rc);
	CHECK_EQ(rc, 0);
	CHECK_EQ(p.error_code, 8);
}

static void test_encode(void)
{
	uint8_t b[64];
	int rc;
	struct tftp_packet o = {.has_blksize = true, .blksize = 1024, .has_tsize = true};
	int n = tftp_encode_rrq(b, sizeof(b), "x.bin", &o);
	CHECK(n > 0);
	struct tftp_packet p = decode_bytes(b, (size_t)n, &rc);
	CHECK(rc == 0 && p.blksize == 1024 && p.has_tsize && strcmp(p.filename, "x.bin") == 0);
	CHECK_EQ(tftp_encode_rrq(b, 8, "x.bin", &o), -EMSGSIZE);
	n = tftp_encode_error(b, sizeof(b), TFTP_ERR_ACCESS, "nope");
	CHECK_EQ(n, 9);
	CHECK_EQ(tftp_encode_error(b, 6, 2, "nope"), -EMSGSIZE);
	CHECK_EQ(tftp_encode_ack(b, sizeof(b), 65535), 4);
	CHECK(b[2] == 0xff && b[3] == 0xff);
}

struct path_case {
	const char *in, *out; /* out NULL: refused */
};

static void test_paths(void)
{
	static const struct path_case cases[] = {
	    {"undionly.kpxe", "undionly.kpxe"},
	    {"/undionly.kpxe", "undionly.kpxe"},
	    {"//a//b/./c", "a/b/c"},
	    {"\\boot\\x64\\wdsnbp.com", "boot/x64/wdsnbp.com"},
	    {"menu.ipxe?mac=52-54-00-12-34-56", "menu.ipxe"},
	    {"../etc/passwd", NULL},
	    {"a/../../etc/passwd", NULL},
	    {"a/..", NULL},
	    {"..\\..\\windows", NULL},
	    {"/", NULL},
	    {"", NULL},
	    {"a\tb", NULL},
	    {"a\x7f", NULL},
	    {"a..b/..c", "a..b/..c"},
	    {"/etc/passwd", "etc/passwd"}, /* absolute = relative to the root */
	};
	char out[TFTP_PATH_MAX];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tftp_sanitize_path(cases[i].in, out, sizeof(out));
		if (cases[i].out) {
			CHECK_EQ(rc, 0);
			CHECK_STR(out, cases[i].out);
		} else {
			CHECK_EQ(rc, -EACCES);
		}
	}
	CHECK_EQ(tftp_sanitize_path("abcdef", out, 4), -EACCES);
}

static struct tftp_packet ack(uint16_t block)
{
	struct tftp_packet p = {.opcode = TFTP_ACK, .block = block};
	return p;
}

static void test_plain_transfer(void)
{
	struct tftp_packet rrq = {.opcode = TFTP_RRQ};
	struct tftp_xfer x;
	struct tftp_step s;
	uint64_t off;
	size_t len;
	uint16_t wb;

	/* 1024 bytes at 512: blocks 1, 2 full, block 3 empty (RFC 1350 6). */
	tftp_xfer_start(&x, &rrq, 1024, &LIM, 0, &s);
	CHECK_EQ(s.action, TFTP_DO_SEND_DATA);
	CHECK(s.first == 1 && s.count == 1);
	CHECK_EQ(x.last, 3);
	tftp_xfer_block(&x, 3, &off, &len, &wb);
	CHECK(off == 1024 && len == 0 && wb == 3);
	struct tftp_packet a = ack(1);
	tftp_xfer_on_packet(&x, &a, 10, &s);
	CHECK(s.action == TFTP_DO_SEND_DATA && s.first == 2 && s.count == 1);
	/* Duplicate ACK 1: nothing (no Sorcerer's Apprentice). */
	tftp_xfer_on_packet(&x, &a, 11, &s);
	CHECK_EQ(s.action, TFTP_DO_NOTHING);
	/* Timeout: retransmit block 2 with backoff. */
	tftp_xfer_on_timeout(&x, 500, &s);
	CHECK_EQ(s.action, TFTP_DO_NOTHING); /* not due yet */
	tftp_xfer_on_timeout(&x, 1010, &s);
	CHECK(s.action == TFTP_DO_SEND_DATA && s.first == 2 && s.count == 1);
	CHECK_EQ(x.rto_ms, 2000);
	CHECK_EQ(x.deadline_ms, 3010);
	a = ack(2);
	tftp_xfer_on_packet(&x, &a, 1100, &s);
	CHECK(s.first == 3 && x.rto_ms == 1000);
	a = ack(3);
	tftp_xfer_on_packet(&x, &a, 1200, &s);
	CHECK_EQ(s.action, TFTP_DO_FINISH);
	CHECK_EQ(x.state, TFTP_XS_DONE);
}

static void test_retry_cap(void)
{
	struct tftp_packet rrq = {.opcode = TFTP_RRQ};
	struct tftp_xfer x;
	struct tftp_step s;
	int64_t now = 0;
	tftp_xfer_start(&x, &rrq, 100, &LIM, now, &s);
	unsigned sends = 0;
	for (int i = 0; i < 10 && x.state != TFTP_XS_FAILED; i++) {
		now = x.deadline_ms;
		tftp_xfer_on_timeout(&x, now, &s);
		sends += s.action == TFTP_DO_SEND_DATA;
	}
	CHECK_EQ(sends, LIM.max_retries);
	CHECK_EQ(x.state, TFTP_XS_FAILED);
	CHECK_EQ(s.action, TFTP_DO_FINISH);
	CHECK_EQ(now, 1000 + 2000 + 4000 + 8000 + 8000); /* capped at max_timeout_ms */
}

/* A never-acking client asking for timeout=255 (RFC 2349) has the option ignored above the cap,
 * and the transfer fails after max_stall_ms without progress, not after 6 x 255 s. */
static void test_hostile_timeout(void)
{
	struct tftp_limits lim = LIM;
	lim.max_client_timeout_s = 10;
	lim.max_stall_ms = 20000;
	struct tftp_packet rrq = {.opcode = TFTP_RRQ, .has_timeout = true, .timeout = 255};
	struct tftp_xfer x;
	struct tftp_step s;
	int64_t now = 0;
	tftp_xfer_start(&x, &rrq, 100, &lim, now, &s);
	CHECK_EQ(s.action, TFTP_DO_SEND_DATA); /* no OACK: the only option was declined */
	CHECK(!x.ack_timeout && x.base_rto_ms == 1000);
	lim.max_retries = 100;
	tftp_xfer_start(&x, &rrq, 100, &lim, now, &s);
	for (int i = 0; i < 200 && x.state != TFTP_XS_FAILED; i++) {
		now = x.deadline_ms;
		tftp_xfer_on_timeout(&x, now, &s);
	}
	CHECK_EQ(x.state, TFTP_XS_FAILED);
	CHECK_EQ(now, 20000); /* the stall bound, to the millisecond */
	/* At the cap the option is accepted and acknowledged. */
	rrq.timeout = 10;
	tftp_xfer_start(&x, &rrq, 100, &lim, 0, &s);
	CHECK(s.action == TFTP_DO_SEND_OACK && x.ack_timeout && x.base_rto_ms == 10000);
	/* Progress moves the stall bound: an ACK at 15 s lets the transfer live past 20 s. */
	rrq.has_timeout = false;
	tftp_xfer_start(&x, &(struct tftp_packet){.opcode = TFTP_RRQ}, 1000, &lim, 0, &s);
	struct tftp_packet a = ack(1);
	tftp_xfer_on_packet(&x, &a, 15000, &s);
	tftp_xfer_on_timeout(&x, 20000, &s);
	CHECK(x.state == TFTP_XS_DATA);
	CHECK(x.deadline_ms <= 35000);
}

static void test_options_and_window(void)
{
	struct tftp_packet rrq = {.opcode = TFTP_RRQ,
				  .has_blksize = true,
				  .blksize = 1468,
				  .has_tsize = true,
				  .has_windowsize = true,
				  .windowsize = 4};
	struct tftp_xfer x;
	struct tftp_step s;
	uint8_t buf[128];
	int rc;

	tftp_xfer_start(&x, &rrq, 10000, &LIM, 0, &s);
	CHECK_EQ(s.action, TFTP_DO_SEND_OACK);
	int n = tftp_xfer_encode_oack(&x, buf, sizeof(buf));
	struct tftp_packet o = decode_bytes(buf, (size_t)n, &rc);
	CHECK(rc == 0 && o.opcode == TFTP_OACK);
	CHECK(o.blksize == 1468 && o.tsize == 10000 && o.windowsize == 4 && !o.has_timeout);
	/* 10000 / 1468 = 6 full blocks + a short 7th. */
	CHECK_EQ(x.last, 7);
	struct tftp_packet a = ack(1); /* not ACK 0: ignored */
	tftp_xfer_on_packet(&x, &a, 1, &s);
	CHECK_EQ(s.action, TFTP_DO_NOTHING);
	a = ack(0);
	tftp_xfer_on_packet(&x, &a, 2, &s);
	CHECK(s.action == TFTP_DO_SEND_DATA && s.first == 1 && s.count == 4);
	/* Loss after block 2: the client ACKs 2; resend from 3 (RFC 7440 4). */
	a = ack(2);
	tftp_xfer_on_packet(&x, &a, 3, &s);
	CHECK(s.action == TFTP_DO_SEND_DATA && s.first == 3 && s.count == 4);
	a = ack(6);
	tftp_xfer_on_packet(&x, &a, 4, &s);
	CHECK(s.first == 7 && s.count == 1);
	a = ack(7);
	tftp_xfer_on_packet(&x, &a, 5, &s);
	CHECK_EQ(x.state, TFTP_XS_DONE);

	/* Windowsize above the server's cap is answered with the cap. */
	rrq.windowsize = 1000;
	tftp_xfer_start(&x, &rrq, 10, &LIM, 0, &s);
	CHECK_EQ(x.windowsize, 64);
}

static void test_ovmf_probe_and_errors(void)
{
	struct tftp_packet rrq = {.opcode = TFTP_RRQ, .has_tsize = true};
	struct tftp_packet err = {.opcode = TFTP_ERROR, .error_code = TFTP_ERR_OPTION};
	struct tftp_xfer x;
	struct tftp_step s;
	tftp_xfer_start(&x, &rrq, 4096, &LIM, 0, &s);
	tftp_xfer_on_packet(&x, &err, 1, &s);
	CHECK_EQ(s.action, TFTP_DO_FINISH);
	CHECK_EQ(x.state, TFTP_XS_DONE); /* a clean end, not a failure */
	/* Another error mid-transfer: failed. */
	tftp_xfer_start(&x, &rrq, 4096, &LIM, 0, &s);
	struct tftp_packet a = ack(0);
	tftp_xfer_on_packet(&x, &a, 1, &s);
	err.error_code = TFTP_ERR_UNDEFINED;
	tftp_xfer_on_packet(&x, &err, 2, &s);
	CHECK_EQ(x.state, TFTP_XS_FAILED);
	/* A DATA packet from the reader is illegal. */
	tftp_xfer_start(&x, &rrq, 4096, &LIM, 0, &s);
	struct tftp_packet d = {.opcode = TFTP_DATA};
	tftp_xfer_on_packet(&x, &d, 1, &s);
	CHECK(s.action == TFTP_DO_SEND_ERROR && s.error_code == TFTP_ERR_ILLEGAL_OP);
}

static void test_rollover(void)
{
	/* 40 MiB at 512 bytes: 81921 blocks; block 65536 goes out as 0. */
	struct tftp_packet rrq = {.opcode = TFTP_RRQ};
	struct tftp_xfer x;
	struct tftp_step s;
	uint64_t off;
	size_t len;
	uint16_t wb;
	uint64_t size = 40ull << 20;
	tftp_xfer_start(&x, &rrq, size, &LIM, 0, &s);
	uint64_t sent = 0, wraps = 0;
	while (x.state == TFTP_XS_DATA) {
		if (s.action != TFTP_DO_SEND_DATA)
			break;
		tftp_xfer_block(&x, s.first, &off, &len, &wb);
		wraps += wb == 0;
		sent++;
		struct tftp_packet a = ack(wb);
		tftp_xfer_on_packet(&x, &a, 0, &s);
	}
	CHECK_EQ(x.state, TFTP_XS_DONE);
	CHECK_EQ(sent, size / 512 + 1);
	CHECK_EQ(wraps, 1);
	tftp_xfer_block(&x, 65536, &off, &len, &wb);
	CHECK(wb == 0 && off == 65535ull * 512 && len == 512);
}

int main(void)
{
	test_decode_rrq();
	test_encode();
	test_paths();
	test_plain_transfer();
	test_retry_cap();
	test_hostile_timeout();
	test_options_and_window();
	test_ovmf_probe_and_errors();
	test_rollover();
	return CHECK_SUMMARY();
}
