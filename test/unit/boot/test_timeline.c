/* test_timeline.c: boot timelines (bootsvc/proto/timeline.c, timeline_render.c) joined from
 * the boot service's steps and the target's events: a whole BIOS boot in order with the OS's
 * re-login, late target events, a wrong CHAP secret and its hint, stalled boots and their
 * hints, new boots, joining by address and by initiator name, the bounds; and the metrics
 * exposition (metrics.c). */
#include <string.h>

#include "bootsvc/proto/metrics.h"
#include "bootsvc/proto/timeline.h"
#include "test/unit/check.h"

#define T0   1765000000000LL
#define BASE "iqn.2026-11.org.ringsan.client"

static const uint8_t MAC1[6] = {0x52, 0x54, 0x00, 0x77, 0x00, 0x01};
static const uint8_t MAC2[6] = {0x52, 0x54, 0x00, 0x77, 0x00, 0x02};
static const uint32_t IP1 = 0xc0a84d64; /* 192.168.77.100 */

static void step(struct timeline *tl, int64_t ms, enum tl_kind k, const uint8_t *mac, uint32_t ip,
		 const char *lun, const char *detail)
{
	struct tl_event e = {.unix_ms = ms,
			     .kind = k,
			     .mac = mac,
			     .ip = ip,
			     .lun = lun,
			     .detail = detail,
			     .arch = k == TL_DHCP_PXE ? 0 : -1};
	timeline_record(tl, &e);
}

/* A target event line through the real parser and the initiator-name join. */
static void target(struct timeline *tl, const char *line)
{
	struct tgtev ev;
	uint8_t mac[6];
	CHECK_EQ(tgtevent_parse_line(&ev, line, strlen(line)), 0);
	bool has = timeline_mac_from_initiator(BASE, ev.initiator, mac);
	timeline_record_target(tl, &ev, has ? mac : NULL, NULL);
}

static const struct tl_machine *only(const struct timeline *tl, const char *id)
{
	for (unsigned i = 0; i < tl->n; i++)
		if (strcmp(tl->m[i].id, id) == 0)
			return &tl->m[i];
	return NULL;
}

static void kinds_are(const struct tl_machine *m, const enum tl_kind *want, unsigned n)
{
	CHECK_EQ(m->n_steps, n);
	for (unsigned i = 0; i < n && i < m->n_steps; i++) {
		if (m->steps[i].kind != want[i])
			fprintf(stderr, "step %u: %s, want %s\n", i,
				timeline_kind_name(m->steps[i].kind), timeline_kind_name(want[i]));
		CHECK_EQ(m->steps[i].kind, want[i]);
	}
}

static void test_whole_boot(void)
{
	struct timeline tl;
	char hint[512];
	CHECK_EQ(timeline_init(&tl, 0), 0);
	step(&tl, T0, TL_DHCP_PXE, MAC1, IP1, NULL, "DISCOVER -> OFFER undionly.kpxe");
	step(&tl, T0 + 300, TL_FIRMWARE, NULL, IP1, NULL, "undionly.kpxe");
	step(&tl, T0 + 2000, TL_DHCP_IPXE, MAC1, IP1, NULL, "DISCOVER -> OFFER");
	step(&tl, T0 + 2500, TL_MENU, MAC1, IP1, NULL, "menu.ipxe");
	step(&tl, T0 + 2600, TL_DISK, NULL, IP1, "pxe", "lun-pxe.ipxe");
	/* The target's events come a poll late, and the second poll's before the first's end. */
	target(&tl, "1\t1765000002900\tlogin\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	const struct tl_machine *m = only(&tl, "52:54:00:77:00:01");
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(timeline_diagnose(m, T0 + 5000, hint, sizeof(hint)), TL_STATE_BOOTING);
	CHECK(strstr(hint, "waiting for the OS") != NULL);
	target(&tl, "3\t1765000012000\tlogin\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	target(&tl,
	       "2\t1765000011000\tconn_lost\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	static const enum tl_kind want[] = {TL_DHCP_PXE, TL_FIRMWARE,	TL_DHCP_IPXE, TL_MENU,
					    TL_DISK,	 TL_LOGIN_IPXE, TL_CONN_LOST, TL_LOGIN_OS};
	kinds_are(m, want, 8);
	CHECK_EQ(m->boots, 1);
	CHECK_EQ(m->ip, IP1);
	CHECK_EQ(m->arch, 0);
	CHECK_STR(m->initiator, BASE ":52-54-00-77-00-01");
	CHECK_EQ(timeline_diagnose(m, T0 + 60000, hint, sizeof(hint)), TL_STATE_UP);
	CHECK_STR(hint, "the OS logged in to LUN pxe");
	/* iscsid replaces iscsistart's session: still up. */
	target(&tl, "4\t1765000013000\tlogout\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	target(&tl, "5\t1765000013100\tlogin\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	CHECK_EQ(timeline_diagnose(m, T0 + 60000, hint, sizeof(hint)), TL_STATE_UP);
	target(&tl, "6\t1765000020000\tlogout\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	CHECK_EQ(timeline_diagnose(m, T0 + 60000, hint, sizeof(hint)), TL_STATE_DOWN);
	CHECK(strstr(hint, "logged out") != NULL);

	struct menu_buf b = {0};
	CHECK_EQ(timeline_render_text(&tl, T0 + 60000, &b), 0);
	CHECK(b.p && strstr(b.p, "52:54:00:77:00:01  -  address 192.168.77.100  arch bios  down"));
	CHECK(b.p && strstr(b.p, "last boot 2025-12-06 05:46:40 UTC (60 s ago)"));
	CHECK(b.p && strstr(b.p, "  +2.600 s  disk         LUN pxe: lun-pxe.ipxe\n"));
	CHECK(b.p && strstr(b.p, "  +12.000 s  os-login     LUN pxe\n"));
	menu_buf_free(&b);
	CHECK_EQ(timeline_render_json(&tl, T0 + 60000, &b), 0);
	CHECK(b.p && strstr(b.p, "\"id\":\"52:54:00:77:00:01\",\"mac\":true"));
	CHECK(b.p &&
	      strstr(b.p, "{\"unix_ms\":1765000012000,\"step\":\"os-login\",\"lun\":\"pxe\""));
	CHECK(b.p && strstr(b.p, "\"failures\":[]}\n"));
	menu_buf_free(&b);

	/* A new boot: DHCP after the logins starts over. */
	step(&tl, T0 + 100000, TL_DHCP_PXE, MAC1, IP1, NULL, "DISCOVER -> OFFER");
	CHECK_EQ(m->boots, 2);
	CHECK_EQ(m->n_steps, 1);
	/* A late event of the boot before is not mixed into the new one. */
	target(&tl,
	       "7\t1765000030000\tconn_lost\t" BASE ":52-54-00-77-00-01\t192.168.77.100\tpxe\t-");
	CHECK_EQ(m->n_steps, 1);
	CHECK_EQ(tl.unmatched, 1);
	timeline_fini(&tl);
}

static void test_wrong_chap(void)
{
	struct timeline tl;
	char hint[512];
	CHECK_EQ(timeline_init(&tl, 0), 0);
	step(&tl, T0, TL_MENU, MAC2, 0x7f000001, NULL, "menu.ipxe");
	step(&tl, T0 + 100, TL_DISK, NULL, 0x7f000001, "win11", "lun-win11.ipxe");
	target(&tl, "1\t1765000000300\tlogin_failed\t" BASE
		    ":52-54-00-77-00-02\t127.0.0.1\twin11\twrong CHAP secret");
	const struct tl_machine *m = only(&tl, "52:54:00:77:00:02");
	CHECK(m != NULL);
	if (!m)
		return;
	static const enum tl_kind want[] = {TL_MENU, TL_DISK, TL_LOGIN_FAILED};
	kinds_are(m, want, 3);
	CHECK_EQ(timeline_diagnose(m, T0 + 1000, hint, sizeof(hint)), TL_STATE_FAILED);
	CHECK_STR(hint,
		  "the login to LUN win11 was refused (wrong CHAP secret): check chap_user and "
		  "chap_secret of [lun win11] (iPXE sends what the menu renders; the OS reuses "
		  "them from the iBFT)");
	CHECK_EQ(tl.fail_count, 1);
	CHECK_STR(tl.failures[0].what, "login to LUN win11 refused: wrong CHAP secret");
	/* Back at the menu after the refusal: the same boot. */
	step(&tl, T0 + 5000, TL_DISK, NULL, 0x7f000001, "win11", "lun-win11.ipxe");
	CHECK_EQ(m->boots, 1);
	CHECK_EQ(m->n_steps, 4);
	struct menu_buf b = {0};
	CHECK_EQ(timeline_render_json(&tl, T0 + 1000, &b), 0);
	CHECK(b.p && strstr(b.p, "\"failures\":[{\"unix_ms\":1765000000300,\"machine\":"
				 "\"52:54:00:77:00:02\",\"what\":\"login to LUN win11 refused: "
				 "wrong CHAP secret\"}]"));
	menu_buf_free(&b);
	/* Other reasons, other hints. */
	target(&tl, "2\t1765000006000\tlogin_failed\t" BASE
		    ":52-54-00-77-00-02\t127.0.0.1\tgone\tno such LUN");
	CHECK_EQ(timeline_diagnose(m, T0 + 7000, hint, sizeof(hint)), TL_STATE_FAILED);
	CHECK(strstr(hint, "does not serve LUN gone") != NULL);
	timeline_fini(&tl);
}

static void test_stalls(void)
{
	struct timeline tl;
	char hint[512];
	CHECK_EQ(timeline_init(&tl, 0), 0);
	step(&tl, T0, TL_MENU, MAC1, IP1, NULL, "menu.ipxe");
	const struct tl_machine *m = &tl.m[0];
	CHECK_EQ(timeline_diagnose(m, T0 + 1000, hint, sizeof(hint)), TL_STATE_BOOTING);
	CHECK_EQ(timeline_diagnose(m, T0 + TL_STALL_MS, hint, sizeof(hint)), TL_STATE_STOPPED);
	CHECK(strstr(hint, "fetched the menu, never chose a disk") != NULL);
	step(&tl, T0 + 1000, TL_DISK, NULL, IP1, "win11", "lun-win11.ipxe");
	CHECK_EQ(timeline_diagnose(m, T0 + 1000 + TL_STALL_MS, hint, sizeof(hint)),
		 TL_STATE_STOPPED);
	CHECK(strstr(hint, "fetched the menu, never logged in to the target: check CHAP for LUN "
			   "win11 ") == hint);
	target(&tl,
	       "1\t1765000002000\tlogin\tiqn.2000-01.com.example:pc\t192.168.77.100\twin11\t-");
	CHECK_EQ(tl.n, 1); /* joined by address */
	CHECK_EQ(timeline_diagnose(m, T0 + 3000, hint, sizeof(hint)), TL_STATE_BOOTING);
	CHECK_EQ(timeline_diagnose(m, T0 + 2000 + TL_OS_WAIT_MS, hint, sizeof(hint)),
		 TL_STATE_STOPPED);
	CHECK(strstr(hint, "logged in with iPXE but the OS never logged in: the OS has no iSCSI "
			   "support in its initramfs") == hint);
	/* The earlier stops. */
	step(&tl, T0 + 500000, TL_DHCP_PXE, MAC2, 0, NULL, "DISCOVER -> OFFER");
	CHECK_EQ(timeline_diagnose(&tl.m[1], T0 + 600000, hint, sizeof(hint)), TL_STATE_STOPPED);
	CHECK(strstr(hint, "never fetched its boot file") != NULL);
	timeline_fini(&tl);
}

static void test_joins_and_bounds(void)
{
	struct timeline tl;
	uint8_t mac[6];
	CHECK(timeline_mac_from_initiator(BASE, BASE ":52-54-00-AB-cd-ef", mac));
	CHECK_EQ(mac[3], 0xab);
	CHECK(!timeline_mac_from_initiator(BASE, BASE ":52-54-00-ab-cd", mac));
	CHECK(!timeline_mac_from_initiator(BASE, BASE "x:52-54-00-ab-cd-ef", mac));
	CHECK(!timeline_mac_from_initiator(BASE, "iqn.2000-01.com.example:pc", mac));
	CHECK(!timeline_mac_from_initiator("", ":52-54-00-ab-cd-ef", mac));

	CHECK_EQ(timeline_init(&tl, 2), 0);
	/* An initiator with no MAC and no known address: kept under its name... */
	target(&tl, "1\t1765000000000\tlogin\tiqn.2000-01.com.example:pc\t10.0.0.9\tl\t-");
	CHECK_EQ(tl.n, 1);
	CHECK_STR(tl.m[0].id, "iqn.2000-01.com.example:pc");
	/* ...and a later step with the MAC that names it takes the machine over. */
	struct tl_event e = {.unix_ms = T0 + 1,
			     .kind = TL_LOGIN_IPXE,
			     .mac = MAC2,
			     .initiator = "iqn.2000-01.com.example:pc",
			     .arch = -1};
	timeline_record(&tl, &e);
	CHECK_EQ(tl.n, 1);
	CHECK_STR(tl.m[0].id, "52:54:00:77:00:02");
	/* At the cap the least recently seen machine gives way. */
	step(&tl, T0 + 10, TL_MENU, MAC1, 0, NULL, NULL);
	uint8_t mac3[6] = {2, 0, 0, 0, 0, 3};
	step(&tl, T0 + 20, TL_MENU, mac3, 0, NULL, NULL);
	CHECK_EQ(tl.n, 2);
	CHECK(only(&tl, "52:54:00:77:00:02") == NULL);
	CHECK(only(&tl, "52:54:00:77:00:01") != NULL);
	/* Steps of one boot are bounded; the first ones and the latest stay. */
	for (int i = 0; i < 100; i++)
		step(&tl, T0 + 100 + i, TL_LOGOUT, MAC1, 0, "x", NULL);
	const struct tl_machine *m = only(&tl, "52:54:00:77:00:01");
	CHECK(m && m->n_steps == TL_MAX_STEPS);
	CHECK(m && m->steps[0].kind == TL_MENU);
	CHECK(m && m->steps[TL_MAX_STEPS - 1].unix_ms == T0 + 199);
	CHECK(m && m->dropped == 100 - (TL_MAX_STEPS - 1));
	/* Text is cleaned of control bytes; JSON escapes quotes. */
	step(&tl, T0 + 300, TL_LOGOUT, mac3, 0, "l", "a\"b\x1b[31m");
	struct menu_buf b = {0};
	CHECK_EQ(timeline_render_json(&tl, T0 + 400, &b), 0);
	CHECK(b.p && strstr(b.p, "\"detail\":\"a\\\"b?[31m\""));
	menu_buf_free(&b);
	timeline_fini(&tl);

	char when[20];
	timeline_format_utc(0, when);
	CHECK_STR(when, "1970-01-01 00:00:00");
	timeline_format_utc(951782400000LL, when);
	CHECK_STR(when, "2000-02-29 00:00:00");
}

static void test_metrics(void)
{
	struct boot_metrics m = {0};
	struct metrics_gauges g = {.tftp_active = 2, .target_up = true, .start_unix_s = 1765000000};
	m.dhcp_answers[metrics_arch_class(0)][0] = 3;
	m.dhcp_answers[metrics_arch_class(7)][1] = 1;
	metrics_count_http(&m, 200);
	metrics_count_http(&m, 404);
	metrics_count_http(&m, 404);
	metrics_count_http(&m, 99);
	m.scripts[metrics_script_class("lun-win11.ipxe")]++;
	CHECK_EQ(metrics_script_class("x.ipxe"), MS_COUNT);
	CHECK_EQ(metrics_arch_class(16), MA_UEFI_HTTP);
	struct menu_buf b = {0};
	CHECK_EQ(metrics_render(&m, &g, &b), 0);
	CHECK(b.p &&
	      strstr(b.p, "ringsan_boot_dhcp_answers_total{arch=\"bios\",client=\"pxe\"} 3\n"));
	CHECK(
	    b.p &&
	    strstr(b.p, "ringsan_boot_dhcp_answers_total{arch=\"uefi-x64\",client=\"ipxe\"} 1\n"));
	CHECK(b.p && strstr(b.p, "ringsan_boot_http_responses_total{code=\"4xx\"} 2\n"));
	CHECK(b.p && strstr(b.p, "ringsan_boot_http_responses_total{code=\"2xx\"} 1\n"));
	CHECK(b.p && strstr(b.p, "ringsan_boot_scripts_served_total{script=\"lun\"} 1\n"));
	CHECK(b.p && strstr(b.p, "# TYPE ringsan_boot_tftp_sent_bytes_total counter\n"));
	CHECK(b.p && strstr(b.p, "ringsan_boot_target_up 1\n"));
	CHECK(b.p && strstr(b.p, "ringsan_boot_tftp_transfers_active 2\n"));
	menu_buf_free(&b);
}

int main(void)
{
	test_whole_boot();
	test_wrong_chap();
	test_stalls();
	test_joins_and_bounds();
	test_metrics();
	return CHECK_SUMMARY();
}
