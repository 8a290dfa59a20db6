/* obs_render.h: the target's state as one snapshot (struct obs_target), and the two ways it is
 * told: the status JSON of the control socket (`status`, and `ringsan status --json`) and the
 * Prometheus text exposition format (version 0.0.4) of the metrics listener. Both render the same
 * snapshot, built from the same counters, so they never disagree. Pure. */
#ifndef RINGSAN_OBS_RENDER_H
#define RINGSAN_OBS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/obs/obs_buf.h"
#include "target/obs/obs_events.h"
#include "target/obs/obs_histo.h"

enum obs_op { OBS_OP_READ, OBS_OP_WRITE, OBS_OP_OTHER, OBS_OPS };

/* What a LUN or a session did: commands answered, by kind (read: data read from the disk to the
 * initiator; write: data from the initiator written to the disk; other: every other command),
 * bytes of disk data moved, commands answered with a status other than GOOD, and the time from
 * a command's arrival to its status being queued. */
struct obs_io {
	uint64_t ops[OBS_OPS];
	uint64_t bytes_read, bytes_written;
	uint64_t errors;
	struct obs_histo lat[OBS_OPS];
};

void obs_io_add(struct obs_io *into, const struct obs_io *a);
/* into = a - b (b an earlier copy of the same counters). */
void obs_io_sub(struct obs_io *into, const struct obs_io *a, const struct obs_io *b);

struct obs_session {
	uint16_t id; /* the TSIH */
	bool discovery;
	char initiator[224];
	char address[80]; /* IP:PORT, [IPv6]:PORT */
	char target[290];
	char lun[65]; /* "" for discovery */
	uint64_t login_unix_ms;
	bool header_digest, data_digest, initial_r2t, immediate_data;
	uint32_t max_recv_data_segment_length; /* the initiator's (what we may send) */
	uint32_t max_burst_length, first_burst_length, max_outstanding_r2t;
	uint64_t in_flight;
	struct obs_io io;
};

#define OBS_USED_UNKNOWN UINT64_MAX

struct obs_lun {
	char name[65];
	const char *kind; /* "file", "overlay", "image" (the base of overlays), "nbd", "rbd" */
	bool read_only;
	uint64_t size_bytes;
	uint64_t used_bytes; /* OBS_USED_UNKNOWN for a LUN whose data is on other storage */
	unsigned sessions;
	struct obs_io total;  /* since the target started */
	struct obs_io window; /* over the last window_ms */
	uint64_t window_ms;
};

/* Why the target turned a connection away before login (admission control). */
enum obs_admit {
	OBS_ADMIT_MAX_LOGINS,	 /* dropped for a newcomer: max_logins full */
	OBS_ADMIT_PER_ADDRESS,	 /* dropped for a newcomer from the same address */
	OBS_ADMIT_LOGIN_TIMEOUT, /* login_timeout */
	OBS_ADMIT_FULL,		 /* refused at accept: the worker holds all it may */
	OBS_ADMIT_NO_FDS,	 /* out of descriptors */
	OBS_ADMIT_COUNT
};

const char *obs_admit_slug(enum obs_admit a);

struct obs_target {
	const char *version;
	long pid;
	uint64_t uptime_s, now_unix_ms, start_unix_ms;
	struct obs_session *sessions;
	unsigned nsessions;
	struct obs_lun *luns;
	unsigned nluns;
	uint64_t logins[2]; /* normal, discovery */
	uint64_t login_failures[OBS_FAIL_COUNT];
	uint64_t admission[OBS_ADMIT_COUNT];
	uint64_t chap_delays; /* logins whose CHAP answer was held after earlier failures */
};

/* The `status` answer: one JSON document and a newline. */
void obs_render_status(const struct obs_target *t, struct obs_buf *out);
/* The same snapshot as tables for people: `ringsan status`. */
void obs_render_status_text(const struct obs_target *t, struct obs_buf *out);
/* From a status JSON answer (json[0..len), not NUL-terminated): LUN lun's session count, or -1
 * when it is not there. */
int obs_status_lun_sessions(const char *json, size_t len, const char *lun);
/* The metrics page (text/plain; version=0.0.4). */
void obs_render_metrics(const struct obs_target *t, struct obs_buf *out);

#endif
