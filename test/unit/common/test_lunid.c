/* test_lunid.c: the SCSI identifiers derived from a LUN's UUID. */
#include "common/lunid.h"
#include "test/unit/check.h"

int main(void)
{
	const uint8_t uuid[16] = {0x96, 0xed, 0x06, 0x09, 0xc9, 0xa4, 0x48, 0xfc,
				  0x8f, 0x61, 0x14, 0xf5, 0xe2, 0x70, 0x51, 0x0e};
	const uint8_t naa[8] = {0x39, 0x6e, 0xd0, 0x60, 0x9c, 0x9a, 0x44, 0x8f};
	struct lun_identity id;

	lunid_derive(uuid, &id);
	CHECK_STR(id.serial, "96ed0609c9a448fc8f6114f5e270510e");
	CHECK_MEM(id.naa, naa, 8);
	CHECK_STR(id.naa_text, "0x396ed0609c9a448f");
	CHECK_STR(id.t10_id, "RINGSAN 96ed0609c9a448fc8f6114f5e270510e");
	CHECK_EQ(strlen(id.t10_id), 40);
	CHECK_EQ(id.naa[0] >> 4, 3); /* NAA 3: locally assigned */

	/* Stable: the same UUID always gives the same identity. */
	struct lun_identity again;
	lunid_derive(uuid, &again);
	CHECK_MEM(&again, &id, sizeof(id));
	return CHECK_SUMMARY();
}
