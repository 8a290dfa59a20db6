/* fuzz_tgtevent.c: the target's `events` answer on any bytes: the parser, then every event it
 * accepts through the timeline (join by initiator name and address), its diagnosis and both
 * renderings; the same bytes as a request line of ringsan-boot's control socket. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bootsvc/proto/bootctl.h"
#include "bootsvc/proto/tgtevent.h"
#include "bootsvc/proto/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(void *ctx, const struct tgtev *ev)
{
	uint8_t mac[6];
	bool has =
	    timeline_mac_from_initiator("iqn.2026-11.org.ringsan.client", ev->initiator, mac);
	if (ev->seq == 0 || strlen(ev->detail) >= TGTEV_DETAIL_MAX)
		__builtin_trap();
	timeline_record_target(ctx, ev, has ? mac : NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeline tl;
	struct menu_buf b = {0};
	uint64_t next;
	unsigned bad;
	enum bootctl_request req;
	int rc = bootctl_parse((const char *)data, size, &req);
	if (rc == 1 && (unsigned)req > BOOTCTL_METRICS)
		__builtin_trap();
	if (timeline_init(&tl, 4) != 0)
		return 0;
	tgtevent_parse_answer((const char *)data, size, &next, &bad, on_event, &tl);
	if (tl.n > 4)
		__builtin_trap();
	timeline_render_text(&tl, 1765000000000LL, &b);
	timeline_render_json(&tl, 1765000000000LL, &b);
	menu_buf_free(&b);
	timeline_fini(&tl);
	return 0;
}
