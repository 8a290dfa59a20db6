/* fuzz_names.c: the size, LUN name, IQN, MAC and UUID parsers on any text. The first byte picks
 * the parser; whatever is accepted must round-trip through its formatter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mac.h"
#include "common/name.h"
#include "common/size.h"
#include "common/uuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_one(unsigned which, const char *text)
{
	char err[512], buf[64];
	uint8_t bytes[16], again[16];
	uint64_t v;

	switch (which % 5) {
	case 0:
		if (size_parse(text, &v, err, sizeof(err)) == 0)
			size_format(v, buf);
		else if (!err[0])
			abort();
		break;
	case 1:
		if (name_check_lun(text, err, sizeof(err)) == 0 && strlen(text) > NAME_MAX_LEN)
			abort();
		break;
	case 2:
		if (name_check_iqn(text, err, sizeof(err)) == 0 && strlen(text) > IQN_MAX_LEN)
			abort();
		break;
	case 3:
		if (mac_parse(text, bytes) == 0) {
			mac_format(bytes, buf);
			if (mac_parse(buf, again) != 0 || memcmp(bytes, again, 6) != 0)
				abort();
		}
		break;
	case 4:
		if (uuid_parse(text, bytes) == 0) {
			uuid_format(bytes, buf);
			if (uuid_parse(buf, again) != 0 || memcmp(bytes, again, 16) != 0)
				abort();
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0 || size > 4096)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fuzz_one(data[0], text);
	free(text);
	return 0;
}
