/* metrics.h: ringsan-boot's counters and their Prometheus text exposition (format 0.0.4:
 * `# HELP`, `# TYPE`, then `name{label="value"} number` lines; counters end in _total, units
 * in the name). Pure: the daemon counts into struct boot_metrics, this renders it. */
#ifndef RINGSAN_BOOTSVC_METRICS_H
#define RINGSAN_BOOTSVC_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "bootsvc/proto/menu.h"

enum metrics_arch { MA_BIOS, MA_UEFI_X64, MA_UEFI_HTTP, MA_OTHER, MA_COUNT };
enum metrics_tftp { MT_OK, MT_FAILED, MT_REFUSED, MT_COUNT };
enum metrics_script { MS_BOOT, MS_VARS, MS_MENU, MS_LUN, MS_FLEET, MS_COUNT };

struct boot_metrics {
	uint64_t dhcp_answers[MA_COUNT][2]; /* [client architecture][0: PXE firmware, 1: iPXE] */
	uint64_t dhcp_ignored, dhcp_malformed;
	uint64_t tftp_transfers[MT_COUNT];
	uint64_t tftp_sent_bytes;
	uint64_t http_responses[5]; /* by status class: [0] = 1xx ... [4] = 5xx */
	uint64_t http_sent_bytes;
	uint64_t scripts[MS_COUNT]; /* generated iPXE scripts served, HTTP and TFTP */
	uint64_t target_events, target_poll_errors;
};

/* Values read at render time. */
struct metrics_gauges {
	unsigned tftp_active, http_connections, machines;
	bool target_up;
	int64_t start_unix_s;
};

/* RFC 4578 client architecture (-1 unknown) -> label class. */
enum metrics_arch metrics_arch_class(int arch);
/* "menu.ipxe", "lun-x.ipxe", ... -> class; MS_COUNT for anything else. */
enum metrics_script metrics_script_class(const char *name);
void metrics_count_http(struct boot_metrics *m, int status);
/* Appends the exposition; 0 or -ENOMEM. */
int metrics_render(const struct boot_metrics *m, const struct metrics_gauges *g,
		   struct menu_buf *out);

#endif
