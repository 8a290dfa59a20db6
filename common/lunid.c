/* lunid.c: see lunid.h. */
#include "common/lunid.h"

#include <stdio.h>

#include "common/wire.h"

void lunid_derive(const uint8_t uuid[16], struct lun_identity *out)
{
	uint64_t naa = UINT64_C(3) << 60 | get_be64(uuid) >> 4;

	for (int i = 0; i < 16; i++)
		snprintf(out->serial + 2 * i, 3, "%02x", uuid[i]);
	put_be64(out->naa, naa);
	snprintf(out->naa_text, sizeof(out->naa_text), "0x%016llx", (unsigned long long)naa);
	snprintf(out->t10_id, sizeof(out->t10_id), "RINGSAN %s", out->serial);
}
