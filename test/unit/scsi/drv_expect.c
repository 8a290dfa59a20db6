/* drv_expect.c: CHECKs on a scsi_driver result, shared by the SCSI unit tests (not by the fuzz
 * target, which links the driver without the test harness). */
#define DRV_EXPECT_IMPL
#include "scsi_driver.h"

#include "test/unit/check.h"

void drv_expect_sense(const struct drv_result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
	CHECK_EQ(r->status, SCSI_CHECK_CONDITION);
	CHECK_EQ(r->key, key);
	CHECK_EQ(r->asc, asc);
	CHECK_EQ(r->ascq, ascq);
}

void drv_expect_field(const struct drv_result *r, unsigned field, int bit)
{
	bool cd;
	int b = -9;
	unsigned f = 999;
	CHECK(drv_field_pointer(r, &cd, &b, &f));
	CHECK_EQ(f, field);
	CHECK_EQ(b, bit);
}
