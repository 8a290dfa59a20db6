/* test_mac.c: MAC addresses, parsed and written both ways. */
#include "common/mac.h"
#include "test/unit/check.h"

static const struct {
	const char *text;
	int ok;
	uint8_t mac[6];
} mac_cases[] = {
    {"52:54:00:12:34:56", 1, {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}},
    {"52-54-00-AB-cd-EF", 1, {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}},
    {"52:54-00:12:34:56", 0, {0}},
    {"52:54:00:12:34", 0, {0}},
    {"52:54:00:12:34:56:", 0, {0}},
    {"5:54:00:12:34:567", 0, {0}},
    {"52:54:00:12:34:5g", 0, {0}},
    {"", 0, {0}},
    {"a", 0, {0}},
};

int main(void)
{
	char buf[MAC_TEXT_LEN];
	uint8_t mac[6];

	for (size_t i = 0; i < sizeof(mac_cases) / sizeof(mac_cases[0]); i++) {
		int ret = mac_parse(mac_cases[i].text, mac);
		CHECK_EQ(ret == 0, mac_cases[i].ok);
		if (ret == 0)
			CHECK_MEM(mac, mac_cases[i].mac, 6);
	}
	CHECK_STR(mac_format(mac_cases[1].mac, buf), "52:54:00:ab:cd:ef");
	/* iPXE's ${mac:hexhyp}: the menus and the fleet overlay names */
	CHECK_STR(mac_format_hexhyp(mac_cases[1].mac, buf), "52-54-00-ab-cd-ef");
	CHECK_EQ(mac_parse(buf, mac), 0);
	CHECK_MEM(mac, mac_cases[1].mac, 6);
	return CHECK_SUMMARY();
}
