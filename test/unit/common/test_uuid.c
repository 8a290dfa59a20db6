/* test_uuid.c: UUIDs: the canonical text form both ways, version 4 from random bytes. */
#include <string.h>

#include "common/uuid.h"
#include "test/unit/check.h"

int main(void)
{
	const uint8_t uuid[16] = {0x96, 0xed, 0x06, 0x09, 0xc9, 0xa4, 0x48, 0xfc,
				  0x8f, 0x61, 0x14, 0xf5, 0xe2, 0x70, 0x51, 0x0e};
	char text[UUID_TEXT_LEN];
	uint8_t back[16], r[16];

	CHECK_STR(uuid_format(uuid, text), "96ed0609-c9a4-48fc-8f61-14f5e270510e");
	CHECK_EQ(uuid_parse("96ED0609-C9A4-48FC-8F61-14F5E270510E", back), 0);
	CHECK_MEM(back, uuid, 16);
	CHECK_EQ(uuid_parse("96ed0609c9a448fc8f6114f5e270510e", back), -22);
	CHECK_EQ(uuid_parse("96ed0609-c9a4-48fc-8f61-14f5e270510", back), -22);
	CHECK_EQ(uuid_parse("96ed0609-c9a4-48fc-8f61-14f5e270510g", back), -22);
	CHECK_EQ(uuid_parse("96ed0609-c9a4-48fc-8f6114-f5e270510e", back), -22);

	memset(r, 0xff, sizeof(r));
	uuid_from_random(r);
	CHECK_EQ(r[6] >> 4, 4);
	CHECK_EQ(r[8] >> 6, 2);
	memset(r, 0, sizeof(r));
	uuid_from_random(r);
	CHECK_EQ(r[6], 0x40);
	CHECK_EQ(r[8], 0x80);
	return CHECK_SUMMARY();
}
