/* timeline.c: see timeline.h. */
#include "bootsvc/proto/timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipv4.h"
#include "common/mac.h"
#include "common/name.h"

static const char *const kind_names[TL_KIND_COUNT] = {
    [TL_DHCP_PXE] = "dhcp",
    [TL_FIRMWARE] = "firmware",
    [TL_DHCP_IPXE] = "ipxe-dhcp",
    [TL_MENU] = "menu",
    [TL_DISK] = "disk",
    [TL_INSTALL] = "install",
    [TL_LOGIN_FAILED] = "login-failed",
    [TL_LOGIN_IPXE] = "ipxe-login",
    [TL_LOGIN_OS] = "os-login",
    [TL_LOGOUT] = "logout",
    [TL_CONN_LOST] = "conn-lost",
};

/* Where a step sits in a boot; a starting step below the boot's highest starts a new boot. */
static const int kind_rank[TL_KIND_COUNT] = {
    [TL_DHCP_PXE] = 0, [TL_FIRMWARE] = 1, [TL_DHCP_IPXE] = 2,	 [TL_MENU] = 3,
    [TL_DISK] = 4,     [TL_INSTALL] = 5,  [TL_LOGIN_FAILED] = 5, [TL_LOGIN_IPXE] = 6,
    [TL_LOGIN_OS] = 7, [TL_LOGOUT] = 8,	  [TL_CONN_LOST] = 8,
};

const char *timeline_kind_name(enum tl_kind k)
{
	return (unsigned)k < TL_KIND_COUNT ? kind_names[k] : "?";
}

const char *timeline_state_name(enum tl_state s)
{
	static const char *const names[] = {"booting", "up", "stopped", "failed", "down"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void timeline_printf(struct menu_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	menu_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void timeline_json_string(struct menu_buf *b, const char *s)
{
	timeline_printf(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			timeline_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			timeline_printf(b, "\\u%04x", *p);
		else
			timeline_printf(b, "%c", *p);
	}
	timeline_printf(b, "\"");
}

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
void timeline_format_utc(int64_t unix_ms, char out[static 20])
{
	int64_t secs = unix_ms / 1000, days = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", (int)y, (int)m, (int)d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

int timeline_init(struct timeline *tl, unsigned cap)
{
	memset(tl, 0, sizeof(*tl));
	tl->cap = cap ? cap : TL_DEFAULT_CAP;
	tl->m = calloc(tl->cap, sizeof(*tl->m));
	return tl->m ? 0 : -ENOMEM;
}

void timeline_fini(struct timeline *tl)
{
	free(tl->m);
	memset(tl, 0, sizeof(*tl));
}

bool timeline_mac_from_initiator(const char *base, const char *iqn, uint8_t mac[6])
{
	size_t n = strlen(base);
	if (!n || strncmp(iqn, base, n) != 0 || iqn[n] != ':' || strlen(iqn + n + 1) != 17)
		return false;
	return mac_parse(iqn + n + 1, mac) == 0;
}

/* Copies text, keeping printable ASCII only (what we show must not carry terminal controls). */
static void copy_clean(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; s && *s && n + 1 < cap; s++)
		out[n++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?';
	out[n] = '\0';
}

static struct tl_machine *find_id(struct timeline *tl, const char *id)
{
	for (unsigned i = 0; i < tl->n; i++)
		if (strcmp(tl->m[i].id, id) == 0)
			return &tl->m[i];
	return NULL;
}

/* The most recently seen machine with this address (addresses move between machines). */
static struct tl_machine *find_ip(struct timeline *tl, uint32_t ip)
{
	struct tl_machine *best = NULL;
	for (unsigned i = 0; ip && i < tl->n; i++)
		if (tl->m[i].ip == ip && (!best || tl->m[i].seen_ms > best->seen_ms))
			best = &tl->m[i];
	return best;
}

static struct tl_machine *add_machine(struct timeline *tl, const char *id)
{
	struct tl_machine *m;
	if (tl->n < tl->cap) {
		m = &tl->m[tl->n++];
	} else {
		m = &tl->m[0];
		for (unsigned i = 1; i < tl->n; i++)
			if (tl->m[i].seen_ms < m->seen_ms)
				m = &tl->m[i];
	}
	memset(m, 0, sizeof(*m));
	copy_clean(m->id, sizeof(m->id), id);
	m->arch = -1;
	return m;
}

static struct tl_machine *machine_for(struct timeline *tl, const struct tl_event *ev)
{
	char id[TL_ID_MAX];
	struct tl_machine *m = NULL;
	if (ev->mac) {
		mac_format(ev->mac, id);
		if (!(m = find_id(tl, id))) {
			/* A machine known so far only by its initiator name gets its MAC. */
			if (ev->initiator && (m = find_id(tl, ev->initiator)) && !m->has_mac)
				copy_clean(m->id, sizeof(m->id), id);
			else
				m = add_machine(tl, id);
		}
		m->has_mac = true;
		return m;
	}
	if ((m = find_ip(tl, ev->ip)))
		return m;
	if (ev->initiator && ev->initiator[0])
		return (m = find_id(tl, ev->initiator)) ? m : add_machine(tl, ev->initiator);
	return NULL;
}

static int max_rank(const struct tl_machine *m)
{
	int r = -1;
	for (unsigned i = 0; i < m->n_steps; i++)
		if (kind_rank[m->steps[i].kind] > r)
			r = kind_rank[m->steps[i].kind];
	return r;
}

static bool starts_boot(const struct tl_machine *m, const struct tl_event *ev)
{
	enum tl_kind k = ev->kind;
	if (k > TL_DISK)
		return false; /* only the boot service's early steps start a boot */
	if (m->n_steps == 0 || ev->unix_ms - m->seen_ms > TL_NEW_BOOT_GAP)
		return true;
	/* Back at the menu after a refused login is the same boot, another try. */
	if ((k == TL_MENU || k == TL_DISK) && m->steps[m->n_steps - 1].kind == TL_LOGIN_FAILED)
		return false;
	return kind_rank[k] < max_rank(m);
}

static void note_failure(struct timeline *tl, const struct tl_machine *m, int64_t ms,
			 const char *what)
{
	struct tl_failure *f = &tl->failures[tl->fail_next];
	f->unix_ms = ms;
	snprintf(f->id, sizeof(f->id), "%s", m->id);
	copy_clean(f->what, sizeof(f->what), what);
	tl->fail_next = (tl->fail_next + 1) % TL_MAX_FAILURES;
	if (tl->fail_count < TL_MAX_FAILURES)
		tl->fail_count++;
}

/* Inserts a step in time order (the target's events arrive up to a poll late). */
static void add_step(struct tl_machine *m, const struct tl_event *ev, enum tl_kind kind)
{
	unsigned at = m->n_steps;
	while (at > 0 && m->steps[at - 1].unix_ms > ev->unix_ms)
		at--;
	if (m->n_steps == TL_MAX_STEPS) {
		/* Keep how the boot began and how it goes on: the step after the first few
		 * gives way. */
		m->dropped++;
		if (at <= 4)
			return;
		memmove(&m->steps[4], &m->steps[5], (TL_MAX_STEPS - 5) * sizeof(m->steps[0]));
		m->n_steps--;
		at--;
	}
	memmove(&m->steps[at + 1], &m->steps[at], (m->n_steps - at) * sizeof(m->steps[0]));
	struct tl_step *s = &m->steps[at];
	memset(s, 0, sizeof(*s));
	s->unix_ms = ev->unix_ms;
	s->kind = kind;
	copy_clean(s->lun, sizeof(s->lun), ev->lun);
	copy_clean(s->detail, sizeof(s->detail), ev->detail);
	m->n_steps++;
}

static enum tl_kind login_kind(const struct tl_machine *m, int64_t ms)
{
	for (unsigned i = 0; i < m->n_steps; i++)
		if (m->steps[i].kind == TL_LOGIN_IPXE && m->steps[i].unix_ms <= ms)
			return TL_LOGIN_OS;
	return TL_LOGIN_IPXE;
}

void timeline_record(struct timeline *tl, const struct tl_event *ev)
{
	struct tl_machine *m = machine_for(tl, ev);
	enum tl_kind kind = ev->kind;
	if (!m || (unsigned)kind >= TL_KIND_COUNT)
		return;
	if (starts_boot(m, ev)) {
		m->n_steps = 0;
		m->dropped = 0;
		m->boot_ms = ev->unix_ms;
		m->boots++;
	} else if (m->n_steps && ev->unix_ms < m->boot_ms) {
		tl->unmatched++; /* a late event of a boot no longer kept */
		return;
	}
	if (!m->n_steps)
		m->boot_ms = ev->unix_ms;
	if (kind == TL_LOGIN_IPXE || kind == TL_LOGIN_OS)
		kind = login_kind(m, ev->unix_ms);
	add_step(m, ev, kind);
	tl->recorded++;
	if (ev->unix_ms > m->seen_ms)
		m->seen_ms = ev->unix_ms;
	if (ev->ip)
		m->ip = ev->ip;
	if (ev->arch >= 0)
		m->arch = ev->arch;
	if (ev->name && ev->name[0])
		copy_clean(m->name, sizeof(m->name), ev->name);
	if (ev->initiator && ev->initiator[0])
		copy_clean(m->initiator, sizeof(m->initiator), ev->initiator);
	if (kind == TL_LOGIN_FAILED) {
		char what[sizeof(tl->failures[0].what)];
		snprintf(what, sizeof(what), "login to LUN %s refused: %s", ev->lun ? ev->lun : "?",
			 ev->detail && ev->detail[0] ? ev->detail : "no reason given");
		note_failure(tl, m, ev->unix_ms, what);
	}
}

/* Dotted decimal -> host order; false for anything else (IPv6 addresses stay unjoined). */
static bool parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t ip = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255 || (part < 3 && *s++ != '.'))
			return false;
		ip = ip << 8 | v;
	}
	if (*s)
		return false;
	*out = ip;
	return true;
}

void timeline_record_target(struct timeline *tl, const struct tgtev *ev, const uint8_t *mac,
			    const char *name)
{
	static const enum tl_kind kinds[] = {
	    [TGTEV_LOGIN] = TL_LOGIN_IPXE,
	    [TGTEV_LOGIN_FAILED] = TL_LOGIN_FAILED,
	    [TGTEV_LOGOUT] = TL_LOGOUT,
	    [TGTEV_CONN_LOST] = TL_CONN_LOST,
	};
	uint32_t ip = 0;
	if (ev->kind == TGTEV_DISCOVERY || (unsigned)ev->kind >= sizeof(kinds) / sizeof(kinds[0]))
		return;
	if (!parse_ipv4(ev->address, &ip))
		ip = 0;
	struct tl_event e = {
	    .unix_ms = ev->unix_ms,
	    .kind = kinds[ev->kind],
	    .mac = mac,
	    .ip = ip,
	    .initiator = ev->initiator,
	    .lun = ev->lun,
	    .detail = ev->detail,
	    .name = name,
	    .arch = -1,
	};
	timeline_record(tl, &e);
}
