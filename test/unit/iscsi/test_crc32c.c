/* test_crc32c.c: CRC32C against RFC 3720 appendix B.4, the CRC catalogue check value, and the
 * SSE4.2 path against the table path at every length and alignment. */
#include <stdlib.h>

#include "target/iscsi/crc32c.h"
#include "test/unit/check.h"

static void test_vectors(void)
{
	uint8_t buf[32];
	static const uint8_t zeros_wire[4] = {0xaa, 0x36, 0x91, 0x8a};
	uint8_t wire[4];

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(crc32c_sw(0, buf, 32), 0x8a9136aa);
	CHECK_EQ(crc32c(0, buf, 32), 0x8a9136aa);
	crc32c_put(wire, crc32c(0, buf, 32));
	CHECK_MEM(wire, zeros_wire, 4);
	CHECK_EQ(crc32c_get(zeros_wire), 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(crc32c_sw(0, buf, 32), 0x62a8ab43);
	CHECK_EQ(crc32c(0, buf, 32), 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_EQ(crc32c_sw(0, buf, 32), 0x46dd794e);
	CHECK_EQ(crc32c(0, buf, 32), 0x46dd794e);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK_EQ(crc32c_sw(0, buf, 32), 0x113fdb5c);
	CHECK_EQ(crc32c(0, buf, 32), 0x113fdb5c);
	CHECK_EQ(crc32c(0, "123456789", 9), 0xe3069283);
	CHECK_EQ(crc32c(0, "", 0), 0);
}

static void test_chaining_and_paths(void)
{
	uint8_t buf[600];
	unsigned mismatches = 0, chain_bad = 0;

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 9; off++) {
		for (size_t len = 0; len + off <= 300; len++) {
			uint32_t a = crc32c_sw(0, buf + off, len);
			mismatches += crc32c(0, buf + off, len) != a;
			size_t cut = len / 3;
			chain_bad +=
			    crc32c(crc32c(0, buf + off, cut), buf + off + cut, len - cut) != a;
		}
	}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(chain_bad, 0);
	printf("crc32c: SSE4.2 %s\n", crc32c_hw_available() ? "used" : "not available");
}

int main(void)
{
	test_vectors();
	test_chaining_and_paths();
	return CHECK_SUMMARY();
}
