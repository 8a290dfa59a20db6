/* obs_events.c: see obs_events.h. */
#include "target/obs/obs_events.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    [OBS_EV_LOGIN] = "login",	      [OBS_EV_LOGIN_FAILED] = "login_failed",
    [OBS_EV_LOGOUT] = "logout",	      [OBS_EV_CONN_LOST] = "conn_lost",
    [OBS_EV_DISCOVERY] = "discovery",
};

const char *obs_event_kind_name(enum obs_event_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

int obs_events_init(struct obs_events *r)
{
	r->ring = calloc(OBS_EVENTS_RING, sizeof(*r->ring));
	r->next_seq = 1;
	return r->ring ? 0 : -1;
}

void obs_events_fini(struct obs_events *r)
{
	free(r->ring);
	r->ring = NULL;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

void obs_events_push(struct obs_events *r, uint64_t unix_ms, enum obs_event_kind kind,
		     const char *initiator, const char *address, const char *lun,
		     const char *detail)
{
	if (!r->ring)
		return;
	struct obs_event *e = &r->ring[(r->next_seq - 1) % OBS_EVENTS_RING];
	e->seq = r->next_seq++;
	e->unix_ms = unix_ms;
	e->kind = kind;
	copy_field(e->initiator, sizeof(e->initiator), initiator);
	copy_field(e->address, sizeof(e->address), address);
	copy_field(e->lun, sizeof(e->lun), lun);
	copy_field(e->detail, sizeof(e->detail), detail);
}

/* A field: "-" when empty; control bytes (TAB and newline included) as \xNN. */
static void put_field(struct obs_buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (!s[0])
		return obs_buf_add(out, "-", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			char esc[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
			obs_buf_add(out, esc, 4);
		} else {
			obs_buf_add(out, (const char *)p, 1);
		}
	}
}

void obs_events_render(const struct obs_events *r, uint64_t from, struct obs_buf *out)
{
	uint64_t end = r->next_seq;
	uint64_t oldest = end > OBS_EVENTS_RING ? end - OBS_EVENTS_RING : 1;

	if (!r->ring)
		oldest = end;
	if (from > end || from < oldest) /* a restart since the client asked, or events lost */
		from = oldest;
	uint64_t stop = end - from > OBS_EVENTS_ANSWER ? from + OBS_EVENTS_ANSWER : end;
	obs_buf_printf(out, "next %" PRIu64 "\n", stop);
	for (uint64_t s = from; s < stop; s++) {
		const struct obs_event *e = &r->ring[(s - 1) % OBS_EVENTS_RING];
		obs_buf_printf(out, "%" PRIu64 "\t%" PRIu64 "\t%s\t", e->seq, e->unix_ms,
			       obs_event_kind_name(e->kind));
		put_field(out, e->initiator);
		obs_buf_add(out, "\t", 1);
		put_field(out, e->address);
		obs_buf_add(out, "\t", 1);
		put_field(out, e->lun);
		obs_buf_add(out, "\t", 1);
		put_field(out, e->detail);
		obs_buf_add(out, "\n", 1);
	}
}

static const struct {
	const char *slug, *words;
} fails[OBS_FAIL_COUNT] = {
    [OBS_FAIL_CHAP_SECRET] = {"wrong_chap_secret", "wrong CHAP secret"},
    [OBS_FAIL_CHAP_USER] = {"unknown_chap_user", "unknown CHAP user name"},
    [OBS_FAIL_CHAP_MISSING] = {"chap_missing", "CHAP required, the initiator gave no credentials"},
    [OBS_FAIL_UNKNOWN_TARGET] = {"unknown_target", "unknown target (no such LUN)"},
    [OBS_FAIL_NOT_ALLOWED] = {"not_allowed", "initiator not in the LUN's allowed_initiators"},
    [OBS_FAIL_TOO_MANY_SESSIONS] = {"too_many_sessions", "too many sessions (max_sessions)"},
    [OBS_FAIL_LUN_BUSY] = {"lun_busy", "LUN busy: a ringsan command holds it"},
    [OBS_FAIL_TIMEOUT] = {"timeout", "login timed out (login_timeout)"},
    [OBS_FAIL_OTHER] = {"other", "login refused"},
};

/* Status codes of RFC 7143 11.13.5 (the values of ISCSI_LOGIN_STATUS_*). */
enum {
	ST_AUTH_FAILED = 0x0201,
	ST_NOT_AUTHORIZED = 0x0202,
	ST_NOT_FOUND = 0x0203,
	ST_TARGET_REMOVED = 0x0204,
	ST_SERVICE_UNAVAILABLE = 0x0301,
	ST_OUT_OF_RESOURCES = 0x0302,
};

enum obs_fail obs_fail_classify(uint16_t status, const char *reason)
{
	const char *r = reason ? reason : "";

	switch (status) {
	case ST_AUTH_FAILED:
		if (strstr(r, "does not match"))
			return OBS_FAIL_CHAP_SECRET;
		if (strstr(r, "unknown CHAP user"))
			return OBS_FAIL_CHAP_USER;
		if (strstr(r, "missing") || strstr(r, "not offered") || strstr(r, "skipped"))
			return OBS_FAIL_CHAP_MISSING;
		return OBS_FAIL_OTHER;
	case ST_NOT_AUTHORIZED:
		return OBS_FAIL_NOT_ALLOWED;
	case ST_NOT_FOUND:
	case ST_TARGET_REMOVED:
		return OBS_FAIL_UNKNOWN_TARGET;
	case ST_SERVICE_UNAVAILABLE:
		return OBS_FAIL_LUN_BUSY;
	case ST_OUT_OF_RESOURCES:
		return strstr(r, "sessions") ? OBS_FAIL_TOO_MANY_SESSIONS : OBS_FAIL_OTHER;
	default:
		return OBS_FAIL_OTHER;
	}
}

const char *obs_fail_slug(enum obs_fail f)
{
	return (unsigned)f < OBS_FAIL_COUNT ? fails[f].slug : "other";
}

const char *obs_fail_words(enum obs_fail f)
{
	return (unsigned)f < OBS_FAIL_COUNT ? fails[f].words : "login refused";
}

const char *obs_fail_detail(enum obs_fail f, const char *reason)
{
	if (f == OBS_FAIL_OTHER && reason && reason[0])
		return reason;
	return obs_fail_words(f);
}
