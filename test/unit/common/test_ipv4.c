/* test_ipv4.c: IPv4 addresses as text (common/ipv4.h). */
#include "common/ipv4.h"
#include "test/unit/check.h"

int main(void)
{
	static const struct {
		uint32_t ip;
		const char *text;
	} cases[] = {
	    {0, "0.0.0.0"},
	    {0x7f000001, "127.0.0.1"},
	    {0xc0a80102, "192.168.1.2"},
	    {0x0a000264, "10.0.2.100"},
	    {0xffffffff, "255.255.255.255"},
	};
	char buf[IPV4_TEXT_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(ipv4_format(cases[i].ip, buf), cases[i].text);
	return CHECK_SUMMARY();
}
