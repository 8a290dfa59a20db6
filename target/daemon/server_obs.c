/* server_obs.c: the server's side of observability (server.h): the event ring, login counters,
 * the one-second samples of each LUN's counters, and the snapshot that `status` and the metrics
 * both render. */
#include "target/daemon/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "target/daemon/worker.h"

void server_event(struct server *s, enum obs_event_kind kind, const char *initiator,
		  const char *address, const char *lun, const char *detail)
{
	uint64_t now = stats_unix_ms();
	pthread_mutex_lock(&s->ev_lock);
	obs_events_push(&s->events, now, kind, initiator, address, lun, detail);
	pthread_mutex_unlock(&s->ev_lock);
}

void server_login_failed(struct server *s, enum obs_fail why, const char *detail,
			 const char *initiator, const char *address, const char *target)
{
	atomic_fetch_add_explicit(&s->login_failures[why], 1, memory_order_relaxed);
	server_event(s, OBS_EV_LOGIN_FAILED, initiator, address,
		     target && target[0] ? server_lun_of(s, target) : "", detail);
}

const char *server_lun_of(const struct server *s, const char *target)
{
	size_t n = strlen(s->luns.base_iqn);
	if (n && strncmp(target, s->luns.base_iqn, n) == 0 && target[n] == ':' && target[n + 1])
		return target + n + 1;
	return target;
}

static void lun_total(const struct lun_entry *e, struct obs_io *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; e->shards && i < e->nshards; i++)
		stats_io_read(&e->shards[i], out);
}

static void sample_table(struct lun_table *t, uint64_t now)
{
	struct obs_io total;

	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e; e = e->next) {
		if (!e->window)
			continue;
		lun_total(e, &total);
		stats_window_sample(e->window, now, &total);
	}
	pthread_mutex_unlock(&t->lock);
}

void server_sample(struct server *s)
{
	uint64_t now = clock_mono_ms();

	sample_table(&s->luns, now);
	if (s->has_shared)
		sample_table(&s->shared, now);
}

static int snapshot_sessions(struct server *s, struct obs_target *t)
{
	pthread_mutex_lock(&s->sess_lock);
	t->sessions = calloc(s->nsessions ? s->nsessions : 1, sizeof(*t->sessions));
	if (!t->sessions) {
		pthread_mutex_unlock(&s->sess_lock);
		return -ENOMEM;
	}
	for (struct sess_entry *e = s->sessions; e && t->nsessions < s->nsessions; e = e->next) {
		struct obs_session *o = &t->sessions[t->nsessions++];
		*o = e->params;
		o->id = e->tsih;
		o->discovery = e->discovery;
		snprintf(o->initiator, sizeof(o->initiator), "%s", e->initiator);
		snprintf(o->address, sizeof(o->address), "%s", e->address);
		snprintf(o->target, sizeof(o->target), "%s", e->target);
		snprintf(o->lun, sizeof(o->lun), "%s", e->lun);
		o->login_unix_ms = e->login_unix_ms;
		o->in_flight = stats_io_in_flight(&e->io);
		memset(&o->io, 0, sizeof(o->io));
		stats_io_read(&e->io, &o->io);
	}
	pthread_mutex_unlock(&s->sess_lock);
	return 0;
}

static const char *lun_kind(const struct lun_entry *e)
{
	if (lunfile_is_backend(&e->lf))
		return strncmp(e->lf.backend, "rbd:", 4) == 0 ? "rbd" : "nbd";
	if (lunfile_is_overlay(&e->lf))
		return "overlay";
	return e->as_base ? "image" : "file";
}

static unsigned count_table(struct lun_table *t)
{
	unsigned n = 0;
	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e; e = e->next)
		n++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Appends t's LUNs to out, at most cap in all. */
static void snapshot_table(struct lun_table *t, struct obs_target *out, unsigned cap, uint64_t now)
{
	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e && out->nluns < cap; e = e->next) {
		if (e->removed)
			continue;
		struct obs_lun *l = &out->luns[out->nluns++];
		snprintf(l->name, sizeof(l->name), "%s", e->lf.name);
		l->kind = lun_kind(e);
		l->read_only = e->read_only;
		l->size_bytes = e->dev.size;
		/* What a LUN on NBD or RBD holds is the storage's to tell, not its placeholder
		 * file. */
		l->used_bytes =
		    lunfile_is_backend(&e->lf) ? OBS_USED_UNKNOWN : lunfile_allocated_bytes(&e->lf);
		lun_total(e, &l->total);
		if (e->window)
			stats_window_get(e->window, now, &l->total, &l->window, &l->window_ms);
	}
	pthread_mutex_unlock(&t->lock);
}

/* The data dir's LUNs, then a cluster's shared dir's. */
static int snapshot_luns(struct server *s, struct obs_target *t)
{
	uint64_t now = clock_mono_ms();
	/* A LUN added between the count and the copy waits for the next snapshot. */
	unsigned n = count_table(&s->luns) + (s->has_shared ? count_table(&s->shared) : 0);

	t->luns = calloc(n ? n : 1, sizeof(*t->luns));
	if (!t->luns)
		return -ENOMEM;
	snapshot_table(&s->luns, t, n, now);
	if (s->has_shared)
		snapshot_table(&s->shared, t, n, now);
	/* Sessions per LUN, from the session list already taken. */
	for (unsigned i = 0; i < t->nluns; i++)
		for (unsigned k = 0; k < t->nsessions; k++)
			if (!t->sessions[k].discovery &&
			    strcmp(t->sessions[k].lun, t->luns[i].name) == 0)
				t->luns[i].sessions++;
	return 0;
}

int server_snapshot(struct server *s, struct obs_target *t)
{
	memset(t, 0, sizeof(*t));
	t->version = RINGSAN_VERSION;
	t->pid = (long)getpid();
	t->now_unix_ms = stats_unix_ms();
	t->start_unix_ms = s->start_unix_ms;
	t->uptime_s = (clock_mono_ms() - s->start_mono_ms) / 1000;
	for (unsigned i = 0; i < 2; i++)
		t->logins[i] = atomic_load_explicit(&s->logins[i], memory_order_relaxed);
	for (unsigned i = 0; i < OBS_FAIL_COUNT; i++)
		t->login_failures[i] =
		    atomic_load_explicit(&s->login_failures[i], memory_order_relaxed);
	for (unsigned w = 0; w < s->nworkers; w++) {
		for (unsigned i = 0; i < OBS_ADMIT_COUNT; i++)
			t->admission[i] += atomic_load_explicit(&s->workers[w].admit_total[i],
								memory_order_relaxed);
		t->chap_delays +=
		    atomic_load_explicit(&s->workers[w].chap_delays, memory_order_relaxed);
	}
	if (snapshot_sessions(s, t) < 0 || snapshot_luns(s, t) < 0) {
		server_snapshot_free(t);
		return -ENOMEM;
	}
	return 0;
}

void server_snapshot_free(struct obs_target *t)
{
	free(t->sessions);
	free(t->luns);
	t->sessions = NULL;
	t->luns = NULL;
}
