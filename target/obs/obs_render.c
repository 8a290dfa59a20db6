/* obs_render.c: see obs_render.h. */
#include "target/obs/obs_render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/size.h"

static const char *const op_names[OBS_OPS] = {"read", "write", "other"};
static const char *const admit_slugs[OBS_ADMIT_COUNT] = {
    [OBS_ADMIT_MAX_LOGINS] = "max_logins",	 [OBS_ADMIT_PER_ADDRESS] = "max_logins_per_address",
    [OBS_ADMIT_LOGIN_TIMEOUT] = "login_timeout", [OBS_ADMIT_FULL] = "connections_full",
    [OBS_ADMIT_NO_FDS] = "no_descriptors",
};

const char *obs_admit_slug(enum obs_admit a)
{
	return (unsigned)a < OBS_ADMIT_COUNT ? admit_slugs[a] : "?";
}

void obs_io_add(struct obs_io *into, const struct obs_io *a)
{
	for (unsigned i = 0; i < OBS_OPS; i++) {
		into->ops[i] += a->ops[i];
		obs_histo_add(&into->lat[i], &a->lat[i]);
	}
	into->bytes_read += a->bytes_read;
	into->bytes_written += a->bytes_written;
	into->errors += a->errors;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : 0;
}

void obs_io_sub(struct obs_io *into, const struct obs_io *a, const struct obs_io *b)
{
	for (unsigned i = 0; i < OBS_OPS; i++) {
		into->ops[i] = sub(a->ops[i], b->ops[i]);
		obs_histo_sub(&into->lat[i], &a->lat[i], &b->lat[i]);
	}
	into->bytes_read = sub(a->bytes_read, b->bytes_read);
	into->bytes_written = sub(a->bytes_written, b->bytes_written);
	into->errors = sub(a->errors, b->errors);
}

/* ---- status JSON ---- */

static void json_session(struct obs_buf *b, const struct obs_session *s)
{
	obs_buf_printf(b, "{\"id\":%u,\"type\":\"%s\",\"initiator\":", s->id,
		       s->discovery ? "discovery" : "normal");
	obs_buf_json_string(b, s->initiator);
	obs_buf_add(b, ",\"address\":", 11);
	obs_buf_json_string(b, s->address);
	obs_buf_add(b, ",\"target\":", 10);
	obs_buf_json_string(b, s->target);
	obs_buf_add(b, ",\"lun\":", 7);
	obs_buf_json_string(b, s->lun);
	obs_buf_printf(b,
		       ",\"login_unix_ms\":%" PRIu64 ",\"params\":{\"HeaderDigest\":\"%s\","
		       "\"DataDigest\":\"%s\",\"MaxRecvDataSegmentLength\":%u,"
		       "\"MaxBurstLength\":%u,\"FirstBurstLength\":%u,\"InitialR2T\":\"%s\","
		       "\"ImmediateData\":\"%s\",\"MaxOutstandingR2T\":%u}",
		       s->login_unix_ms, s->header_digest ? "CRC32C" : "None",
		       s->data_digest ? "CRC32C" : "None", s->max_recv_data_segment_length,
		       s->max_burst_length, s->first_burst_length, s->initial_r2t ? "Yes" : "No",
		       s->immediate_data ? "Yes" : "No", s->max_outstanding_r2t);
	obs_buf_printf(b,
		       ",\"in_flight\":%" PRIu64 ",\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
		       ",\"others\":%" PRIu64 ",\"bytes_read\":%" PRIu64
		       ",\"bytes_written\":%" PRIu64 ",\"errors\":%" PRIu64 "}",
		       s->in_flight, s->io.ops[OBS_OP_READ], s->io.ops[OBS_OP_WRITE],
		       s->io.ops[OBS_OP_OTHER], s->io.bytes_read, s->io.bytes_written,
		       s->io.errors);
}

static double per_s(uint64_t n, uint64_t ms)
{
	return ms ? (double)n * 1000.0 / (double)ms : 0.0;
}

static void json_lun(struct obs_buf *b, const struct obs_lun *l)
{
	const struct obs_io *w = &l->window, *t = &l->total;
	struct obs_histo rw = w->lat[OBS_OP_READ];

	obs_histo_add(&rw, &w->lat[OBS_OP_WRITE]);
	obs_buf_add(b, "{\"name\":", 8);
	obs_buf_json_string(b, l->name);
	obs_buf_printf(b, ",\"size_bytes\":%" PRIu64 ",\"used_bytes\":", l->size_bytes);
	if (l->used_bytes == OBS_USED_UNKNOWN)
		obs_buf_add(b, "null", 4);
	else
		obs_buf_printf(b, "%" PRIu64, l->used_bytes);
	obs_buf_printf(b, ",\"kind\":\"%s\",\"read_only\":%s,\"sessions\":%u", l->kind,
		       l->read_only ? "true" : "false", l->sessions);
	obs_buf_printf(b,
		       ",\"read_iops\":%.1f,\"write_iops\":%.1f,\"read_bytes_per_s\":%.0f,"
		       "\"write_bytes_per_s\":%.0f,\"window_s\":%.1f",
		       per_s(w->ops[OBS_OP_READ], l->window_ms),
		       per_s(w->ops[OBS_OP_WRITE], l->window_ms),
		       per_s(w->bytes_read, l->window_ms), per_s(w->bytes_written, l->window_ms),
		       (double)l->window_ms / 1000.0);
	obs_buf_printf(
	    b, ",\"latency_us\":{\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 "}",
	    obs_histo_quantile_us(&rw, 0.5), obs_histo_quantile_us(&rw, 0.9),
	    obs_histo_quantile_us(&rw, 0.99));
	obs_buf_printf(b,
		       ",\"reads_total\":%" PRIu64 ",\"writes_total\":%" PRIu64
		       ",\"others_total\":%" PRIu64 ",\"bytes_read_total\":%" PRIu64
		       ",\"bytes_written_total\":%" PRIu64 ",\"errors_total\":%" PRIu64 "}",
		       t->ops[OBS_OP_READ], t->ops[OBS_OP_WRITE], t->ops[OBS_OP_OTHER],
		       t->bytes_read, t->bytes_written, t->errors);
}

void obs_render_status(const struct obs_target *t, struct obs_buf *b)
{
	obs_buf_add(b, "{\"version\":", 11);
	obs_buf_json_string(b, t->version ? t->version : "");
	obs_buf_printf(
	    b, ",\"pid\":%ld,\"uptime_s\":%" PRIu64 ",\"now_unix_ms\":%" PRIu64 ",\"sessions\":[",
	    t->pid, t->uptime_s, t->now_unix_ms);
	for (unsigned i = 0; i < t->nsessions; i++) {
		obs_buf_add(b, i ? ",\n  " : "\n  ", i ? 4 : 3);
		json_session(b, &t->sessions[i]);
	}
	obs_buf_add(b, "],\"luns\":[", 10);
	for (unsigned i = 0; i < t->nluns; i++) {
		obs_buf_add(b, i ? ",\n  " : "\n  ", i ? 4 : 3);
		json_lun(b, &t->luns[i]);
	}
	obs_buf_add(b, "]}\n", 3);
}

/* ---- Prometheus text format ---- */

/* A label value: backslash, double quote and newline escaped. */
static void label(struct obs_buf *b, const char *s)
{
	obs_buf_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			obs_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			obs_buf_add(b, "\\n", 2);
		else
			obs_buf_add(b, s, 1);
	}
	obs_buf_add(b, "\"", 1);
}

static void family(struct obs_buf *b, const char *name, const char *type, const char *help)
{
	obs_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void lun_value(struct obs_buf *b, const char *name, const char *lun, uint64_t v)
{
	obs_buf_printf(b, "%s{lun=", name);
	label(b, lun);
	obs_buf_printf(b, "} %" PRIu64 "\n", v);
}

static void lun_histograms(struct obs_buf *b, const struct obs_target *t)
{
	const char *n = "ringsan_lun_command_duration_seconds";

	family(b, n, "histogram",
	       "Time from a command's arrival to its status, by kind of command.");
	for (unsigned i = 0; i < t->nluns; i++) {
		for (unsigned op = 0; op < OBS_OPS; op++) {
			const struct obs_histo *h = &t->luns[i].total.lat[op];
			uint64_t cum = 0;
			for (unsigned s = 0; s < OBS_HISTO_BOUNDS; s++) {
				uint64_t us = obs_histo_bound_us(s);
				cum += h->count[s];
				obs_buf_printf(b, "%s_bucket{lun=", n);
				label(b, t->luns[i].name);
				obs_buf_printf(
				    b, ",op=\"%s\",le=\"%" PRIu64 ".%06" PRIu64 "\"} %" PRIu64 "\n",
				    op_names[op], us / 1000000, us % 1000000, cum);
			}
			cum += h->count[OBS_HISTO_BOUNDS];
			obs_buf_printf(b, "%s_bucket{lun=", n);
			label(b, t->luns[i].name);
			obs_buf_printf(b, ",op=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", op_names[op],
				       cum);
			obs_buf_printf(b, "%s_sum{lun=", n);
			label(b, t->luns[i].name);
			obs_buf_printf(b, ",op=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n", op_names[op],
				       h->sum_us / 1000000, h->sum_us % 1000000);
			obs_buf_printf(b, "%s_count{lun=", n);
			label(b, t->luns[i].name);
			obs_buf_printf(b, ",op=\"%s\"} %" PRIu64 "\n", op_names[op], cum);
		}
	}
}

static void lun_metrics(struct obs_buf *b, const struct obs_target *t)
{
	family(
	    b, "ringsan_lun_commands_total", "counter",
	    "SCSI commands answered, by kind: read and write move disk data, other is the rest.");
	for (unsigned i = 0; i < t->nluns; i++)
		for (unsigned op = 0; op < OBS_OPS; op++) {
			obs_buf_add(b, "ringsan_lun_commands_total{lun=", 31);
			label(b, t->luns[i].name);
			obs_buf_printf(b, ",op=\"%s\"} %" PRIu64 "\n", op_names[op],
				       t->luns[i].total.ops[op]);
		}
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
	    {"ringsan_lun_read_bytes_total", "counter", "Bytes of disk data read by initiators."},
	    {"ringsan_lun_written_bytes_total", "counter",
	     "Bytes of disk data written by initiators (acknowledged once in the file)."},
	    {"ringsan_lun_command_errors_total", "counter",
	     "Commands answered with a status other than GOOD."},
	    {"ringsan_lun_sessions", "gauge", "Sessions logged in to the LUN."},
	    {"ringsan_lun_size_bytes", "gauge", "The LUN's size."},
	    {"ringsan_lun_used_bytes", "gauge",
	     "Bytes the LUN's files hold on disk (thin usage); absent for NBD and RBD LUNs."},
	};
	for (unsigned f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		family(b, fam[f].name, fam[f].type, fam[f].help);
		for (unsigned i = 0; i < t->nluns; i++) {
			const struct obs_lun *l = &t->luns[i];
			uint64_t v[] = {l->total.bytes_read, l->total.bytes_written,
					l->total.errors,     l->sessions,
					l->size_bytes,	     l->used_bytes};
			if (v[f] != OBS_USED_UNKNOWN)
				lun_value(b, fam[f].name, l->name, v[f]);
		}
	}
	lun_histograms(b, t);
}

void obs_render_metrics(const struct obs_target *t, struct obs_buf *b)
{
	unsigned sess[2] = {0, 0};

	for (unsigned i = 0; i < t->nsessions; i++)
		sess[t->sessions[i].discovery]++;
	family(b, "ringsan_start_time_seconds", "gauge", "When the target started (Unix time).");
	obs_buf_printf(b, "ringsan_start_time_seconds %" PRIu64 ".%03" PRIu64 "\n",
		       t->start_unix_ms / 1000, t->start_unix_ms % 1000);
	family(b, "ringsan_sessions", "gauge", "Sessions logged in, by type.");
	obs_buf_printf(b, "ringsan_sessions{type=\"normal\"} %u\n", sess[0]);
	obs_buf_printf(b, "ringsan_sessions{type=\"discovery\"} %u\n", sess[1]);
	family(b, "ringsan_logins_total", "counter", "Logins completed, by session type.");
	obs_buf_printf(b, "ringsan_logins_total{type=\"normal\"} %" PRIu64 "\n", t->logins[0]);
	obs_buf_printf(b, "ringsan_logins_total{type=\"discovery\"} %" PRIu64 "\n", t->logins[1]);
	family(b, "ringsan_login_failures_total", "counter", "Logins refused, by reason.");
	for (unsigned f = 0; f < OBS_FAIL_COUNT; f++)
		obs_buf_printf(b, "ringsan_login_failures_total{reason=\"%s\"} %" PRIu64 "\n",
			       obs_fail_slug(f), t->login_failures[f]);
	family(b, "ringsan_admission_refusals_total", "counter",
	       "Connections turned away before login by admission control, by reason.");
	for (unsigned a = 0; a < OBS_ADMIT_COUNT; a++)
		obs_buf_printf(b, "ringsan_admission_refusals_total{reason=\"%s\"} %" PRIu64 "\n",
			       obs_admit_slug(a), t->admission[a]);
	family(b, "ringsan_chap_delays_total", "counter",
	       "Logins whose CHAP answer was held back after earlier CHAP failures.");
	obs_buf_printf(b, "ringsan_chap_delays_total %" PRIu64 "\n", t->chap_delays);
	lun_metrics(b, t);
}

/* ---- the same for people (`ringsan status`) ---- */

static void age(char *buf, size_t len, uint64_t s)
{
	if (s < 60)
		snprintf(buf, len, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, len, "%ud%02uh", (unsigned)(s / 86400), (unsigned)(s / 3600 % 24));
}

static void text_luns(const struct obs_target *t, struct obs_buf *b)
{
	obs_buf_printf(b, "%-20s %9s %9s %-7s %4s %8s %8s %9s %9s %7s %7s %7s\n", "LUN", "SIZE",
		       "USED", "KIND", "SESS", "READ/s", "WRITE/s", "READ B/s", "WRITE B/s",
		       "P50 us", "P90 us", "P99 us");
	for (unsigned i = 0; i < t->nluns; i++) {
		const struct obs_lun *l = &t->luns[i];
		const struct obs_io *w = &l->window;
		struct obs_histo rw = w->lat[OBS_OP_READ];
		char size[SIZE_FORMAT_MAX], used[SIZE_FORMAT_MAX], rb[SIZE_FORMAT_MAX],
		    wb[SIZE_FORMAT_MAX];

		obs_histo_add(&rw, &w->lat[OBS_OP_WRITE]);
		size_format(l->size_bytes, size);
		if (l->used_bytes == OBS_USED_UNKNOWN)
			snprintf(used, sizeof(used), "-");
		else
			size_format(l->used_bytes, used);
		size_format((uint64_t)per_s(w->bytes_read, l->window_ms), rb);
		size_format((uint64_t)per_s(w->bytes_written, l->window_ms), wb);
		obs_buf_printf(b,
			       "%-20s %9s %9s %-7s %4u %8.0f %8.0f %9s %9s %7" PRIu64 " %7" PRIu64
			       " %7" PRIu64 "\n",
			       l->name, size, used, l->kind, l->sessions,
			       per_s(w->ops[OBS_OP_READ], l->window_ms),
			       per_s(w->ops[OBS_OP_WRITE], l->window_ms), rb, wb,
			       obs_histo_quantile_us(&rw, 0.5), obs_histo_quantile_us(&rw, 0.9),
			       obs_histo_quantile_us(&rw, 0.99));
	}
}

static void text_sessions(const struct obs_target *t, struct obs_buf *b)
{
	obs_buf_printf(b, "%5s %-36s %-21s %-16s %7s %5s %9s %9s %9s %9s %6s\n", "ID", "INITIATOR",
		       "ADDRESS", "LUN", "LOGIN", "QUEUE", "READS", "WRITES", "READ", "WRITTEN",
		       "ERRORS");
	for (unsigned i = 0; i < t->nsessions; i++) {
		const struct obs_session *s = &t->sessions[i];
		char since[16], rd[SIZE_FORMAT_MAX], wr[SIZE_FORMAT_MAX];
		age(since, sizeof(since),
		    t->now_unix_ms > s->login_unix_ms ? (t->now_unix_ms - s->login_unix_ms) / 1000
						      : 0);
		size_format(s->io.bytes_read, rd);
		size_format(s->io.bytes_written, wr);
		obs_buf_printf(b,
			       "%5u %-36s %-21s %-16s %7s %5" PRIu64 " %9" PRIu64 " %9" PRIu64
			       " %9s %9s %6" PRIu64 "\n",
			       s->id, s->initiator, s->address,
			       s->discovery ? "(discovery)" : s->lun, since, s->in_flight,
			       s->io.ops[OBS_OP_READ], s->io.ops[OBS_OP_WRITE], rd, wr,
			       s->io.errors);
	}
}

void obs_render_status_text(const struct obs_target *t, struct obs_buf *b)
{
	char up[16];

	age(up, sizeof(up), t->uptime_s);
	obs_buf_printf(
	    b, "ringsan %s, pid %ld, up %s: %u LUN%s, %u session%s (rates over the last %s)\n\n",
	    t->version ? t->version : "", t->pid, up, t->nluns, t->nluns == 1 ? "" : "s",
	    t->nsessions, t->nsessions == 1 ? "" : "s", "10 s");
	if (t->nluns)
		text_luns(t, b);
	else
		obs_buf_printf(b, "no LUNs served (ringsan lun create NAME --size SIZE)\n");
	obs_buf_add(b, "\n", 1);
	if (t->nsessions)
		text_sessions(t, b);
	else
		obs_buf_printf(b, "no sessions\n");
}

/* The status JSON as obs_render_status writes it: each LUN object starts with {"name":"NAME",
 * and holds "sessions":N before its closing brace. */
int obs_status_lun_sessions(const char *json, size_t len, const char *lun)
{
	char key[96];
	int n = snprintf(key, sizeof(key), "{\"name\":\"%s\",", lun);
	const char *end = json + len;

	if (n < 0 || (size_t)n >= sizeof(key))
		return -1;
	for (const char *p = json; p + n <= end; p++) {
		if (memcmp(p, key, (size_t)n) != 0)
			continue;
		static const char field[] = "\"sessions\":";
		for (const char *q = p + n; q + sizeof(field) - 1 < end && *q != '}'; q++) {
			if (memcmp(q, field, sizeof(field) - 1) != 0)
				continue;
			long v = 0;
			const char *d = q + sizeof(field) - 1;
			if (d >= end || *d < '0' || *d > '9')
				return -1;
			for (; d < end && *d >= '0' && *d <= '9' && v < 1000000; d++)
				v = v * 10 + (*d - '0');
			return (int)v;
		}
		return -1;
	}
	return -1;
}
