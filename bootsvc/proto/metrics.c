/* metrics.c: see metrics.h. */
#include "bootsvc/proto/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "bootsvc/proto/timeline.h"

enum metrics_arch metrics_arch_class(int arch)
{
	switch (arch) {
	case 0:
		return MA_BIOS;
	case 7:
	case 9:
		return MA_UEFI_X64;
	case 16:
		return MA_UEFI_HTTP;
	default:
		return MA_OTHER;
	}
}

enum metrics_script metrics_script_class(const char *name)
{
	if (strcmp(name, "boot.ipxe") == 0)
		return MS_BOOT;
	if (strcmp(name, "vars.ipxe") == 0)
		return MS_VARS;
	if (strcmp(name, "menu.ipxe") == 0)
		return MS_MENU;
	if (strncmp(name, "lun-", 4) == 0)
		return MS_LUN;
	if (strncmp(name, "fleet-", 6) == 0)
		return MS_FLEET;
	return MS_COUNT;
}

void metrics_count_http(struct boot_metrics *m, int status)
{
	if (status >= 100 && status < 600)
		m->http_responses[status / 100 - 1]++;
}

static void head(struct menu_buf *b, const char *name, const char *type, const char *help)
{
	timeline_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct menu_buf *b, const char *name, const char *type, const char *help,
		uint64_t v)
{
	head(b, name, type, help);
	timeline_printf(b, "%s %" PRIu64 "\n", name, v);
}

int metrics_render(const struct boot_metrics *m, const struct metrics_gauges *g, struct menu_buf *b)
{
	static const char *const arch[MA_COUNT] = {"bios", "uefi-x64", "uefi-http", "other"};
	static const char *const tftp[MT_COUNT] = {"ok", "failed", "refused"};
	static const char *const script[MS_COUNT] = {"boot", "vars", "menu", "lun", "fleet"};

	head(b, "ringsan_boot_dhcp_answers_total", "counter",
	     "DHCP and PXE answers sent, by client architecture and client (pxe firmware or ipxe)");
	for (int a = 0; a < MA_COUNT; a++)
		for (int i = 0; i < 2; i++)
			timeline_printf(
			    b,
			    "ringsan_boot_dhcp_answers_total{arch=\"%s\",client=\"%s\"} "
			    "%" PRIu64 "\n",
			    arch[a], i ? "ipxe" : "pxe", m->dhcp_answers[a][i]);
	one(b, "ringsan_boot_dhcp_ignored_total", "counter",
	    "DHCP requests not answered (not PXE, or not for this server)", m->dhcp_ignored);
	one(b, "ringsan_boot_dhcp_malformed_total", "counter", "DHCP packets dropped as malformed",
	    m->dhcp_malformed);
	head(b, "ringsan_boot_tftp_transfers_total", "counter",
	     "TFTP transfers by result (ok, failed: timed out or aborted, refused: not served)");
	for (int i = 0; i < MT_COUNT; i++)
		timeline_printf(b, "ringsan_boot_tftp_transfers_total{result=\"%s\"} %" PRIu64 "\n",
				tftp[i], m->tftp_transfers[i]);
	one(b, "ringsan_boot_tftp_sent_bytes_total", "counter",
	    "bytes of files delivered by completed TFTP transfers", m->tftp_sent_bytes);
	head(b, "ringsan_boot_http_responses_total", "counter", "HTTP responses by status class");
	for (int i = 0; i < 5; i++)
		timeline_printf(b, "ringsan_boot_http_responses_total{code=\"%dxx\"} %" PRIu64 "\n",
				i + 1, m->http_responses[i]);
	one(b, "ringsan_boot_http_sent_bytes_total", "counter",
	    "bytes sent by the HTTP servers (headers and bodies)", m->http_sent_bytes);
	head(b, "ringsan_boot_scripts_served_total", "counter",
	     "generated iPXE scripts (menus) served over HTTP and TFTP, by script");
	for (int i = 0; i < MS_COUNT; i++)
		timeline_printf(b, "ringsan_boot_scripts_served_total{script=\"%s\"} %" PRIu64 "\n",
				script[i], m->scripts[i]);
	one(b, "ringsan_boot_target_events_total", "counter",
	    "events read from the target's control socket", m->target_events);
	one(b, "ringsan_boot_target_poll_errors_total", "counter",
	    "failed exchanges with the target's control socket", m->target_poll_errors);
	one(b, "ringsan_boot_target_up", "gauge",
	    "1 when the last exchange with the target's control socket worked", g->target_up);
	one(b, "ringsan_boot_tftp_transfers_active", "gauge", "TFTP transfers running",
	    g->tftp_active);
	one(b, "ringsan_boot_http_connections", "gauge", "open HTTP connections",
	    g->http_connections);
	one(b, "ringsan_boot_machines", "gauge", "machines with a boot timeline", g->machines);
	one(b, "ringsan_boot_start_time_seconds", "gauge", "when ringsan-boot started (Unix time)",
	    (uint64_t)g->start_unix_s);
	return b->err ? -ENOMEM : 0;
}
