/* obs_events.h: the target's event ring, served over the control socket as `events SEQ`, from
 * which ringsan-boot builds each machine's boot timeline: logins, failed logins (the reason in the
 * user's words), logouts, lost connections, discovery sessions. The last OBS_EVENTS_RING events
 * are kept, in memory only; sequence numbers start at 1 with each start of the target. Pure (the
 * caller locks, and gives the time).
 *
 * `events SEQ` answer: a line "next N" (the SEQ to ask next time), then the retained events with
 * seq >= SEQ, oldest first, at most OBS_EVENTS_ANSWER, one per line, fields separated by a TAB:
 *   SEQ UNIX_MS KIND INITIATOR ADDRESS LUN DETAIL
 * An unknown field is "-"; a TAB, newline or other control byte inside a field is written as
 * \xNN. A SEQ beyond the ring's next (the target restarted since the client last asked) is
 * answered from the oldest retained event. */
#ifndef RINGSAN_OBS_EVENTS_H
#define RINGSAN_OBS_EVENTS_H

#include <stdint.h>

#include "target/obs/obs_buf.h"

#define OBS_EVENTS_RING	  4096
#define OBS_EVENTS_ANSWER 1000

enum obs_event_kind {
	OBS_EV_LOGIN,	     /* a normal session's login completed */
	OBS_EV_LOGIN_FAILED, /* detail: the reason in the user's words */
	OBS_EV_LOGOUT,	     /* a clean logout */
	OBS_EV_CONN_LOST,    /* a session ended without a logout (reset, timeout, kill) */
	OBS_EV_DISCOVERY,    /* a SendTargets discovery session logged in */
};

const char *obs_event_kind_name(enum obs_event_kind k);

struct obs_event {
	uint64_t seq, unix_ms;
	enum obs_event_kind kind;
	char initiator[224];
	char address[46];
	char lun[65];
	char detail[96];
};

struct obs_events {
	struct obs_event *ring; /* OBS_EVENTS_RING slots; seq s lives at (s - 1) % RING */
	uint64_t next_seq;	/* of the next event pushed; 1 at start */
};

/* 0, or -1 when the ring cannot be allocated. */
int obs_events_init(struct obs_events *r);
void obs_events_fini(struct obs_events *r);
/* NULL or "" fields are unknown ("-"); longer ones are cut. */
void obs_events_push(struct obs_events *r, uint64_t unix_ms, enum obs_event_kind kind,
		     const char *initiator, const char *address, const char *lun,
		     const char *detail);
/* Appends the `events SEQ` answer for from to out. */
void obs_events_render(const struct obs_events *r, uint64_t from, struct obs_buf *out);

/* Why a login failed, as counted in the metrics (label reason=obs_fail_slug) and told in events
 * (obs_fail_words). */
enum obs_fail {
	OBS_FAIL_CHAP_SECRET,
	OBS_FAIL_CHAP_USER,
	OBS_FAIL_CHAP_MISSING,
	OBS_FAIL_UNKNOWN_TARGET,
	OBS_FAIL_NOT_ALLOWED,
	OBS_FAIL_TOO_MANY_SESSIONS,
	OBS_FAIL_LUN_BUSY,
	OBS_FAIL_TIMEOUT,
	OBS_FAIL_OTHER,
	OBS_FAIL_COUNT
};

/* From a failed login's status (ISCSI_LOGIN_STATUS_*) and the login layer's reason. */
enum obs_fail obs_fail_classify(uint16_t status, const char *reason);
const char *obs_fail_slug(enum obs_fail f);
/* The reason in the user's words; for OBS_FAIL_OTHER the login layer's own reason is better:
 * obs_fail_detail picks. */
const char *obs_fail_words(enum obs_fail f);
const char *obs_fail_detail(enum obs_fail f, const char *reason);

#endif
