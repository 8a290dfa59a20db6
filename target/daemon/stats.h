/* stats.h: the counters behind `ringsan status` and the metrics, kept where the work happens and
 * summed when someone asks. Each struct stats_io has one writer (a worker thread, with relaxed
 * atomic stores: plain moves on x86-64, no lock, no shared cache line between workers) and is
 * read by the main thread. A LUN has one per worker (its shards), a session one of its own. The
 * main thread samples each LUN's sum every second, so rates and latency percentiles are over the
 * last STATS_WINDOW_S seconds. */
#ifndef RINGSAN_DAEMON_STATS_H
#define RINGSAN_DAEMON_STATS_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#include "target/iscsi/conn.h"
#include "target/obs/obs_render.h"

#define STATS_WINDOW_S 10

struct stats_io {
	alignas(64) _Atomic uint64_t ops[OBS_OPS];
	_Atomic uint64_t bytes_read, bytes_written, errors;
	_Atomic uint64_t started, finished; /* commands: in flight = started - finished */
	_Atomic uint64_t lat_sum_us[OBS_OPS];
	_Atomic uint64_t lat[OBS_OPS][OBS_HISTO_SLOTS];
};

/* On the writer's thread. */
static inline void stats_bump(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* A command answered (or aborted) after lat_us microseconds. */
void stats_io_count(struct stats_io *s, const struct conn_cmd_stat *st, uint64_t lat_us);
/* Adds s's counters to out (any thread). */
void stats_io_read(const struct stats_io *s, struct obs_io *out);
uint64_t stats_io_in_flight(const struct stats_io *s);

/* A LUN's samples of its summed counters, one a second, for the rates over the last window. */
struct stats_window {
	uint64_t t_ms[STATS_WINDOW_S + 1];
	struct obs_io io[STATS_WINDOW_S + 1];
	unsigned next, n;
};

void stats_window_sample(struct stats_window *w, uint64_t now_ms, const struct obs_io *total);
/* The counters' growth since the oldest sample (about STATS_WINDOW_S seconds ago) and how long
 * that was; all zero before the first sample. */
void stats_window_get(const struct stats_window *w, uint64_t now_ms, const struct obs_io *total,
		      struct obs_io *delta, uint64_t *ms);

/* Wall-clock time, Unix milliseconds (events and status carry it, so the target's and the boot
 * service's events can be put on one time line); and a monotonic clock in microseconds for
 * latencies. */
uint64_t stats_unix_ms(void);
uint64_t stats_mono_us(void);

#endif
