/* test_sendtargets.c: SendTargets answers (RFC 7143 appendix C) and their pieces. */
#include <errno.h>

#include "target/iscsi/sendtargets.h"
#include "test/unit/check.h"

static const struct st_portal portals[] = {
    {"192.0.2.10", 3260, 1},
    {"2001:db8::10", 3260, 1},
};
static const struct st_target targets[] = {
    {"iqn.2026-01.lab.ringsan:a", portals, 2},
    {"iqn.2026-01.lab.ringsan:b", portals, 1},
};

#define A_PAIRS                                                                                    \
	"TargetName=iqn.2026-01.lab.ringsan:a\0TargetAddress=192.0.2.10:3260,1\0"                  \
	"TargetAddress=[2001:db8::10]:3260,1\0"
#define B_PAIRS "TargetName=iqn.2026-01.lab.ringsan:b\0TargetAddress=192.0.2.10:3260,1\0"

static void test_build(void)
{
	char out[512];
	uint32_t len;

	CHECK_EQ(sendtargets_build("All", true, NULL, targets, 2, out, sizeof(out), &len), 0);
	CHECK_EQ(len, sizeof(A_PAIRS B_PAIRS) - 1);
	CHECK_MEM(out, A_PAIRS B_PAIRS, len);

	CHECK_EQ(sendtargets_build("iqn.2026-01.lab.ringsan:b", true, NULL, targets, 2, out,
				   sizeof(out), &len),
		 0);
	CHECK_EQ(len, sizeof(B_PAIRS) - 1);
	CHECK_MEM(out, B_PAIRS, len);

	/* a target this initiator may not see is simply not in the list given */
	CHECK_EQ(sendtargets_build("iqn.x:none", true, NULL, targets, 2, out, sizeof(out), &len),
		 0);
	CHECK_EQ(len, 0);
	/* normal session: empty value = the session's target; All is not allowed */
	CHECK_EQ(sendtargets_build("", false, "iqn.2026-01.lab.ringsan:a", targets, 2, out,
				   sizeof(out), &len),
		 0);
	CHECK_EQ(len, sizeof(A_PAIRS) - 1);
	CHECK_EQ(sendtargets_build("All", false, "iqn.2026-01.lab.ringsan:a", targets, 2, out,
				   sizeof(out), &len),
		 -EINVAL);
	CHECK_EQ(sendtargets_build("", true, NULL, targets, 2, out, sizeof(out), &len), 0);
	CHECK_EQ(len, 0);
	/* the cap keeps whole targets only */
	CHECK_EQ(sendtargets_build("All", true, NULL, targets, 2, out, sizeof(A_PAIRS) + 10, &len),
		 -EMSGSIZE);
	CHECK_EQ(len, sizeof(A_PAIRS) - 1);
	CHECK_EQ(sendtargets_build("All", true, NULL, targets, 2, out, 20, &len), -EMSGSIZE);
	CHECK_EQ(len, 0);
}

static void test_cursor(void)
{
	char out[512], joined[512];
	uint32_t len, got = 0;
	struct st_cursor c;
	const char *piece;
	uint32_t n;
	unsigned pieces = 0;
	bool more;

	sendtargets_build("All", true, NULL, targets, 2, out, sizeof(out), &len);
	sendtargets_cursor_init(&c, out, len);
	do {
		more = sendtargets_cursor_next(&c, 64, &piece, &n);
		CHECK(n <= 64);
		memcpy(joined + got, piece, n);
		got += n;
		pieces++;
	} while (more && pieces < 100);
	CHECK_EQ(got, len);
	CHECK_EQ(pieces, (len + 63) / 64);
	CHECK_MEM(joined, out, len);
	sendtargets_cursor_init(&c, out, 0);
	CHECK(!sendtargets_cursor_next(&c, 64, &piece, &n));
	CHECK_EQ(n, 0);

	char addr[64];
	struct st_portal p = {"fe80::1", 3261, 7};
	sendtargets_address(&p, addr, sizeof(addr));
	CHECK_STR(addr, "[fe80::1]:3261,7");
}

int main(void)
{
	test_build();
	test_cursor();
	return CHECK_SUMMARY();
}
