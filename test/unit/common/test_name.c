/* test_name.c: LUN names and iSCSI names. */
#include <errno.h>

#include "common/name.h"
#include "test/unit/check.h"

static const struct {
	const char *name;
	int ok;
} lun_cases[] = {
    {"win11", 1},
    {"a", 1},
    {"0", 1},
    {"debian-12.lab", 1},
    {"", 0},
    {"Win11", 0},
    {"-x", 0},
    {".x", 0},
    {"a b", 0},
    {"a/b", 0},
    {"a_b", 0},
    {"a:b", 0},
    {"..", 0},
    {"é", 0},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1},  /* 64 */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0}, /* 65 */
};

static const struct {
	const char *iqn;
	int ok;
} iqn_cases[] = {
    {"iqn.2026-11.org.ringsan", 1},
    {"iqn.2026-11.org.ringsan:win11", 1},
    {"iqn.1991-05.com.microsoft:host-1.lab", 1},
    {"iqn.2010-04.org.ipxe:00000000-0000-0000-0000-000000000000", 1},
    {"eui.02004567A425678D", 1},
    {"eui.02004567a425678d", 1},
    {"naa.52004567BA64678D", 1},
    {"naa.62004567BA64678D0123456789ABCDEF", 1},
    {"", 0},
    {"iqn.", 0},
    {"iqn.2026-13.org.x", 0},
    {"iqn.2026-00.org.x", 0},
    {"iqn.26-11.org.x", 0},
    {"iqn.2026-11", 0},
    {"iqn.2026-11.", 0},
    {"iqn.2026-11.Org.x", 0},
    {"iqn.2026-11.org.x:Disk", 0},
    {"iqn.2026-11.org.x:a b", 0},
    {"IQN.2026-11.org.x", 0},
    {"eui.0200", 0},
    {"eui.02004567A425678G", 0},
    {"naa.52004567BA64678D01", 0},
    {"win11", 0},
};

int main(void)
{
	char err[512];

	for (size_t i = 0; i < sizeof(lun_cases) / sizeof(lun_cases[0]); i++) {
		err[0] = '\0';
		int ret = name_check_lun(lun_cases[i].name, err, sizeof(err));
		CHECK_EQ(ret == 0, lun_cases[i].ok);
		if (ret)
			CHECK(strstr(err, "lower-case letters") != NULL);
		CHECK_EQ(name_check_image(lun_cases[i].name, err, sizeof(err)) == 0,
			 lun_cases[i].ok);
	}
	for (size_t i = 0; i < sizeof(iqn_cases) / sizeof(iqn_cases[0]); i++) {
		err[0] = '\0';
		int ret = name_check_iqn(iqn_cases[i].iqn, err, sizeof(err));
		if ((ret == 0) != iqn_cases[i].ok)
			fprintf(stderr, "  iqn case '%s': %s\n", iqn_cases[i].iqn, err);
		CHECK_EQ(ret == 0, iqn_cases[i].ok);
		if (ret)
			CHECK_EQ(ret, -EINVAL);
	}
	char long_iqn[300] = "iqn.2026-11.org.x:";
	memset(long_iqn + strlen(long_iqn), 'a', 223 - strlen(long_iqn));
	CHECK_EQ(name_check_iqn(long_iqn, err, sizeof(err)), 0);
	strcat(long_iqn, "a");
	CHECK_EQ(name_check_iqn(long_iqn, err, sizeof(err)), -EINVAL);
	return CHECK_SUMMARY();
}
