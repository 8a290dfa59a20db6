/* stats.c: see stats.h. */
#include "target/daemon/stats.h"

#include <string.h>
#include <time.h>

static uint64_t load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void stats_io_count(struct stats_io *s, const struct conn_cmd_stat *st, uint64_t lat_us)
{
	stats_bump(&s->finished, 1);
	if (st->kind == CONN_CMD_ABORTED)
		return;
	unsigned op = st->kind == CONN_CMD_READ	   ? OBS_OP_READ
		      : st->kind == CONN_CMD_WRITE ? OBS_OP_WRITE
						   : OBS_OP_OTHER;
	stats_bump(&s->ops[op], 1);
	if (op == OBS_OP_READ)
		stats_bump(&s->bytes_read, st->bytes);
	else if (op == OBS_OP_WRITE)
		stats_bump(&s->bytes_written, st->bytes);
	if (!st->good)
		stats_bump(&s->errors, 1);
	stats_bump(&s->lat[op][obs_histo_slot(lat_us)], 1);
	stats_bump(&s->lat_sum_us[op], lat_us);
}

void stats_io_read(const struct stats_io *s, struct obs_io *out)
{
	for (unsigned op = 0; op < OBS_OPS; op++) {
		out->ops[op] += load(&s->ops[op]);
		out->lat[op].sum_us += load(&s->lat_sum_us[op]);
		for (unsigned i = 0; i < OBS_HISTO_SLOTS; i++)
			out->lat[op].count[i] += load(&s->lat[op][i]);
	}
	out->bytes_read += load(&s->bytes_read);
	out->bytes_written += load(&s->bytes_written);
	out->errors += load(&s->errors);
}

uint64_t stats_io_in_flight(const struct stats_io *s)
{
	uint64_t done = load(&s->finished), started = load(&s->started);
	return started > done ? started - done : 0;
}

void stats_window_sample(struct stats_window *w, uint64_t now_ms, const struct obs_io *total)
{
	w->t_ms[w->next] = now_ms;
	w->io[w->next] = *total;
	w->next = (w->next + 1) % (STATS_WINDOW_S + 1);
	if (w->n < STATS_WINDOW_S + 1)
		w->n++;
}

void stats_window_get(const struct stats_window *w, uint64_t now_ms, const struct obs_io *total,
		      struct obs_io *delta, uint64_t *ms)
{
	memset(delta, 0, sizeof(*delta));
	*ms = 0;
	if (!w->n)
		return;
	/* The oldest sample still in the ring. */
	unsigned oldest = w->n < STATS_WINDOW_S + 1 ? 0 : w->next;
	obs_io_sub(delta, total, &w->io[oldest]);
	*ms = now_ms > w->t_ms[oldest] ? now_ms - w->t_ms[oldest] : 0;
}

uint64_t stats_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t stats_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
