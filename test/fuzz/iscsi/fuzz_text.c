/* fuzz_text.c: the key=value parser and the negotiation of whatever pairs it yields.
 * Input: byte 0 = where to split the data into two Continue PDUs; byte 1 bit 0 = discovery,
 * bits 1-2 = stage; the rest is the text. */
#include <stddef.h>
#include <stdint.h>

#include "target/iscsi/negotiate.h"
#include "target/iscsi/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned stages[] = {NEG_IN_SECURITY, NEG_IN_OPERATIONAL, NEG_IN_FFP,
					  NEG_IN_OPERATIONAL};
	struct text_in in;
	struct iscsi_target_limits lim;
	struct negotiation n;
	char out_buf[4096];
	struct text_out out;

	if (size < 2 || text_in_init(&in, 8192) != 0)
		return 0;
	size_t body = size - 2, cut = body ? data[0] % (body + 1) : 0;
	if (text_in_append(&in, data + 2, (uint32_t)cut) == 0 &&
	    text_in_append(&in, data + 2 + cut, (uint32_t)(body - cut)) == 0 &&
	    text_in_parse(&in, TEXT_BINARY_VALUE_MAX) == 0) {
		negotiate_target_limits_default(&lim);
		negotiate_init(&n, &lim);
		n.params.session_type =
		    data[1] & 1 ? ISCSI_SESSION_DISCOVERY : ISCSI_SESSION_NORMAL;
		text_out_init(&out, out_buf, sizeof(out_buf));
		for (unsigned i = 0; i < in.n_pairs; i++) {
			const char *reason;
			(void)text_in_get(&in, in.pairs[i].key);
			if (negotiate_key(&n, in.pairs[i].key, in.pairs[i].value,
					  stages[(data[1] >> 1) & 3], &out, &reason))
				break;
		}
		negotiate_end_request(&n, &out);
		negotiate_declare(&n, &out);
	}
	text_in_fini(&in);
	return 0;
}
