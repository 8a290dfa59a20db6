/* timeline_render.c: the diagnosis of a machine's last boot and the `machines` views (text and
 * JSON) of the timeline (timeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootsvc/proto/timeline.h"
#include "common/ipv4.h"

/* What the last boot holds, summed up for the diagnosis. */
struct boot_summary {
	const struct tl_step *last, *disk, *install, *ipxe, *os, *failed, *firmware, *ipxe_dhcp;
	const char *lun; /* the disk it went for, or "" */
	int open;	 /* sessions logged in and not yet gone */
	bool os_after_failure;
};

static void summarise(const struct tl_machine *m, struct boot_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->lun = "";
	for (unsigned i = 0; i < m->n_steps; i++) {
		const struct tl_step *st = &m->steps[i];
		s->last = st;
		if (st->lun[0])
			s->lun = st->lun;
		switch (st->kind) {
		case TL_FIRMWARE:
			s->firmware = st;
			break;
		case TL_DHCP_IPXE:
			s->ipxe_dhcp = st;
			break;
		case TL_DISK:
			s->disk = st;
			break;
		case TL_INSTALL:
			s->install = st;
			break;
		case TL_LOGIN_FAILED:
			s->failed = st;
			break;
		case TL_LOGIN_IPXE:
			s->ipxe = st;
			s->open++;
			break;
		case TL_LOGIN_OS:
			s->os = st;
			s->open++;
			break;
		case TL_LOGOUT:
		case TL_CONN_LOST:
			s->open -= s->open > 0;
			break;
		default:
			break;
		}
	}
}

/* A refused login, in the user's words, with what to check. */
static void failed_hint(const struct tl_step *f, const char *lun, char *hint, size_t cap)
{
	const char *why = f->detail[0] ? f->detail : "refused";
	char fix[256];
	lun = lun[0] ? lun : "?";
	if (strstr(why, "CHAP") || strstr(why, "chap") || strstr(why, "auth"))
		snprintf(fix, sizeof(fix),
			 "check chap_user and chap_secret of [lun %s] (iPXE sends what the menu "
			 "renders; the OS reuses them from the iBFT)",
			 lun);
	else if (strstr(why, "unknown target") || strstr(why, "no such LUN"))
		snprintf(fix, sizeof(fix),
			 "the target does not serve LUN %s: see `ringsan lun list` and the menu",
			 lun);
	else if (strstr(why, "too many"))
		snprintf(fix, sizeof(fix),
			 "the target is at its session limit: raise [server] max_sessions or look "
			 "for machines that hold sessions");
	else if (strstr(why, "busy"))
		snprintf(
		    fix, sizeof(fix),
		    "a `ringsan lun` command (resize, clone, reset, promote) holds LUN %s; boot "
		    "again once it is done",
		    lun);
	else if (strstr(why, "timed out"))
		snprintf(fix, sizeof(fix),
			 "the machine did not finish its login in time: look for a slow or lossy "
			 "network between it and the target");
	else if (strstr(why, "not allowed") || strstr(why, "initiator"))
		snprintf(fix, sizeof(fix),
			 "the initiator name is not in allowed_initiators of [lun %s]", lun);
	else
		snprintf(fix, sizeof(fix), "see the target's log for the reason");
	snprintf(hint, cap, "the login to LUN %s was refused (%s): %s", lun, why, fix);
}

static enum tl_state diagnose_stalled(const struct tl_machine *m, const struct boot_summary *s,
				      int64_t idle, char *hint, size_t cap)
{
	const char *lun = s->lun[0] ? s->lun : "?";
	if (s->ipxe && s->install) {
		if (idle < TL_OS_WAIT_MS)
			return snprintf(hint, cap, "the installer runs; waiting for its own login"),
			       TL_STATE_BOOTING;
		snprintf(
		    hint, cap,
		    "the installer started (%s) but never logged in to LUN %s itself: it needs "
		    "iSCSI support (Debian: [image] installer = debian)",
		    s->install->detail, lun);
		return TL_STATE_STOPPED;
	}
	if (s->ipxe) {
		if (m->seen_ms - s->ipxe->unix_ms < TL_OS_WAIT_MS && idle < TL_OS_WAIT_MS)
			return snprintf(hint, cap, "iPXE logged in to LUN %s; waiting for the OS",
					lun),
			       TL_STATE_BOOTING;
		snprintf(
		    hint, cap,
		    "logged in with iPXE but the OS never logged in: the OS has no iSCSI "
		    "support in its initramfs (or does not read the iBFT), or it did not start "
		    "from LUN %s",
		    lun);
		return TL_STATE_STOPPED;
	}
	if (idle < TL_STALL_MS)
		return TL_STATE_BOOTING;
	if (s->install)
		snprintf(hint, cap,
			 "fetched the installer (%s) but never logged in to the target: check CHAP "
			 "for LUN %s and that the target is reachable on its portal",
			 s->install->detail, lun);
	else if (s->disk)
		snprintf(
		    hint, cap,
		    "fetched the menu, never logged in to the target: check CHAP for LUN %s and "
		    "that the target is reachable on its portal (or the machine waits at the "
		    "boot/install choice)",
		    lun);
	else if (s->last->kind == TL_MENU)
		snprintf(
		    hint, cap,
		    "fetched the menu, never chose a disk: someone must pick one (menu_timeout "
		    "0 or default_action menu), or give the machine a [client] section");
	else if (s->ipxe_dhcp)
		snprintf(hint, cap,
			 "iPXE got its DHCP answer but never fetched the menu: check that the HTTP "
			 "port (http_listen) is reachable from the machine");
	else if (s->firmware)
		snprintf(hint, cap,
			 "fetched iPXE but iPXE never asked for its menu: its DHCP got no answer "
			 "(proxy mode: is UDP 4011 open?)");
	else
		snprintf(
		    hint, cap,
		    "got a DHCP answer but never fetched its boot file: check that TFTP (UDP 69) "
		    "reaches this server");
	return TL_STATE_STOPPED;
}

enum tl_state timeline_diagnose(const struct tl_machine *m, int64_t now_ms, char *hint, size_t cap)
{
	struct boot_summary s;
	hint[0] = '\0';
	if (!m->n_steps)
		return TL_STATE_BOOTING;
	summarise(m, &s);
	int64_t idle = now_ms - m->seen_ms;
	const char *lun = s.lun[0] ? s.lun : "?";
	if (s.last->kind == TL_LOGIN_FAILED) {
		failed_hint(s.last, s.lun, hint, cap);
		return TL_STATE_FAILED;
	}
	if (s.os && s.open > 0)
		return snprintf(hint, cap, "the OS logged in to LUN %s", lun), TL_STATE_UP;
	if (s.os && s.last->kind == TL_LOGOUT)
		return snprintf(hint, cap, "the OS logged out of LUN %s (shut down)", lun),
		       TL_STATE_DOWN;
	if (s.os)
		return snprintf(
			   hint, cap,
			   "the OS's connection to LUN %s ended without a logout (reset, power "
			   "off or a network problem)",
			   lun),
		       TL_STATE_DOWN;
	if (s.failed && !s.ipxe && idle >= TL_STALL_MS) {
		failed_hint(s.failed, s.lun, hint, cap);
		return TL_STATE_FAILED;
	}
	return diagnose_stalled(m, &s, idle, hint, cap);
}

static const char *arch_name(int arch)
{
	switch (arch) {
	case -1:
		return "-";
	case 0:
		return "bios";
	case 6:
		return "uefi-ia32";
	case 7:
	case 9:
		return "uefi-x64";
	case 16:
		return "uefi-http";
	default:
		return "other";
	}
}

static void render_machine_text(struct menu_buf *b, const struct tl_machine *m, int64_t now)
{
	char ip[IPV4_TEXT_LEN] = "-", when[20], hint[512];
	enum tl_state st = timeline_diagnose(m, now, hint, sizeof(hint));
	if (m->ip)
		ipv4_format(m->ip, ip);
	timeline_format_utc(m->boot_ms, when);
	timeline_printf(b, "%s  %s  address %s  arch %s  %s\n", m->id, m->name[0] ? m->name : "-",
			ip, arch_name(m->arch), timeline_state_name(st));
	timeline_printf(b, "  last boot %s UTC (%" PRId64 " s ago)%s\n", when,
			(now - m->boot_ms) / 1000, m->dropped ? ", some steps left out" : "");
	for (unsigned i = 0; i < m->n_steps; i++) {
		const struct tl_step *s = &m->steps[i];
		int64_t dt = s->unix_ms - m->boot_ms;
		timeline_printf(b, "  %+8.3f s  %-12s", (double)dt / 1000.0,
				timeline_kind_name(s->kind));
		if (s->lun[0])
			timeline_printf(b, " LUN %s", s->lun);
		if (s->detail[0])
			timeline_printf(b, "%s %s", s->lun[0] ? ":" : "", s->detail);
		timeline_printf(b, "\n");
	}
	if (hint[0])
		timeline_printf(b, "  -> %s\n", hint);
}

/* Most recently seen first; NULL when out of memory. */
static unsigned *order(const struct timeline *tl)
{
	unsigned *idx = malloc((tl->n ? tl->n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (unsigned i = 0; i < tl->n; i++) {
		unsigned j = i;
		while (j > 0 && tl->m[idx[j - 1]].seen_ms < tl->m[i].seen_ms) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return idx;
}

int timeline_render_text(const struct timeline *tl, int64_t now_ms, struct menu_buf *out)
{
	unsigned *idx = order(tl);
	if (!idx)
		return -ENOMEM;
	if (tl->n == 0)
		timeline_printf(out,
				"no machine has booted through ringsan-boot since it started\n");
	for (unsigned i = 0; i < tl->n; i++) {
		timeline_printf(out, "%s", i ? "\n" : "");
		render_machine_text(out, &tl->m[idx[i]], now_ms);
	}
	free(idx);
	return out->err ? -ENOMEM : 0;
}

static void render_machine_json(struct menu_buf *b, const struct tl_machine *m, int64_t now)
{
	char ip[IPV4_TEXT_LEN] = "", hint[512];
	enum tl_state st = timeline_diagnose(m, now, hint, sizeof(hint));
	if (m->ip)
		ipv4_format(m->ip, ip);
	timeline_printf(b, "{\"id\":");
	timeline_json_string(b, m->id);
	timeline_printf(b, ",\"mac\":%s,\"name\":", m->has_mac ? "true" : "false");
	timeline_json_string(b, m->name);
	timeline_printf(b, ",\"address\":");
	timeline_json_string(b, ip);
	timeline_printf(b, ",\"initiator\":");
	timeline_json_string(b, m->initiator);
	timeline_printf(b, ",\"arch\":%d,\"arch_name\":\"%s\",\"state\":\"%s\",\"hint\":", m->arch,
			arch_name(m->arch), timeline_state_name(st));
	timeline_json_string(b, hint);
	timeline_printf(b,
			",\"boot_unix_ms\":%" PRId64 ",\"seen_unix_ms\":%" PRId64
			",\"boots\":%u,\"steps_left_out\":%u,\"steps\":[",
			m->boot_ms, m->seen_ms, m->boots, m->dropped);
	for (unsigned i = 0; i < m->n_steps; i++) {
		const struct tl_step *s = &m->steps[i];
		timeline_printf(b,
				"%s{\"unix_ms\":%" PRId64 ",\"step\":\"%s\",\"lun\":", i ? "," : "",
				s->unix_ms, timeline_kind_name(s->kind));
		timeline_json_string(b, s->lun);
		timeline_printf(b, ",\"detail\":");
		timeline_json_string(b, s->detail);
		timeline_printf(b, "}");
	}
	timeline_printf(b, "]}");
}

int timeline_render_json(const struct timeline *tl, int64_t now_ms, struct menu_buf *out)
{
	unsigned *idx = order(tl);
	if (!idx)
		return -ENOMEM;
	timeline_printf(out, "{\"now_unix_ms\":%" PRId64 ",\"machines\":[", now_ms);
	for (unsigned i = 0; i < tl->n; i++) {
		timeline_printf(out, "%s", i ? "," : "");
		render_machine_json(out, &tl->m[idx[i]], now_ms);
	}
	free(idx);
	timeline_printf(out, "],\"failures\":[");
	for (unsigned i = 0; i < tl->fail_count; i++) { /* newest first */
		unsigned k = (tl->fail_next + TL_MAX_FAILURES - 1 - i) % TL_MAX_FAILURES;
		const struct tl_failure *f = &tl->failures[k];
		timeline_printf(out, "%s{\"unix_ms\":%" PRId64 ",\"machine\":", i ? "," : "",
				f->unix_ms);
		timeline_json_string(out, f->id);
		timeline_printf(out, ",\"what\":");
		timeline_json_string(out, f->what);
		timeline_printf(out, "}");
	}
	timeline_printf(out, "]}\n");
	return out->err ? -ENOMEM : 0;
}
