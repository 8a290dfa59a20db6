/* luns_bg.c: see luns_bg.h. */
#include "target/daemon/luns_bg.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "target/block/blk_sync.h"

/* [lun] sanitize_rate: sleeps (in slices, so a shutdown is not kept waiting) until `written`
 * bytes since `start` are within the rate. */
static void pace(struct lun_entry *e, uint64_t start, uint64_t written)
{
	uint32_t rate = atomic_load(&e->sanitize_rate);
	if (!rate)
		return;
	uint64_t due = start + (uint64_t)((double)written / rate * 1e9);
	for (uint64_t now = clock_mono_ns(); now < due && !atomic_load(&e->table->bg_stop);
	     now = clock_mono_ns()) {
		uint64_t ns = due - now < 100000000u ? due - now : 100000000u;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ns};
		nanosleep(&ts, NULL);
	}
}

/* Runs the LU's background jobs (scsi.h start_bg) one after the other, with plain system
 * calls: a sanitize must not stall a worker's event loop. */
static void *bg_main(void *arg)
{
	struct lun_entry *e = arg;
	struct lun_table *t = e->table;
	struct blk_io io;

	for (;;) {
		uint64_t start = clock_mono_ns(), written = 0;
		int failed = 0;
		bool ran = false;
		while (!atomic_load(&t->bg_stop) && sanitize_bg_next(e->lu, &io)) {
			ran = true;
			if (blk_sync_execute(&io) < 0 && !failed)
				failed = (int)io.res;
			if (io.op == BLK_WRITE && io.res > 0) {
				written += io.len;
				pace(e, start, written);
			}
			sanitize_bg_done(e->lu, &io);
		}
		double secs = (double)(clock_mono_ns() - start) / 1e9;
		if (atomic_load(&t->bg_stop) && ran)
			log_notice("LUN %s: sanitize interrupted by the shutdown; it starts again "
				   "at the next start",
				   e->lf.name);
		else if (failed)
			log_err("LUN %s: sanitize failed after %.1f s: %s; the LUN is in sanitize "
				"failure mode",
				e->lf.name, secs, strerror(-failed));
		else if (ran)
			log_info("LUN %s: sanitize done in %.1f s (%llu MiB written)", e->lf.name,
				 secs, (unsigned long long)(written >> 20));
		pthread_mutex_lock(&t->lock);
		if (e->bg_again && !atomic_load(&t->bg_stop)) {
			e->bg_again = false;
			pthread_mutex_unlock(&t->lock);
			continue;
		}
		e->bg_running = false;
		pthread_mutex_unlock(&t->lock);
		luns_put(t, e); /* e may be gone now */
		pthread_mutex_lock(&t->lock);
		t->bg_threads--;
		pthread_cond_broadcast(&t->bg_cond);
		pthread_mutex_unlock(&t->lock);
		return NULL;
	}
}

/* Caller holds the table's lock. */
int luns_bg_start_locked(struct lun_entry *e)
{
	struct lun_table *t = e->table;
	pthread_attr_t attr;
	pthread_t th;

	if (atomic_load(&t->bg_stop))
		return -ESHUTDOWN;
	if (e->bg_running) { /* its thread is ending: it goes round once more */
		e->bg_again = true;
		return 0;
	}
	if (luns_use_locked(e) != 0)
		return -EBUSY;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int ret = pthread_create(&th, &attr, bg_main, e);
	pthread_attr_destroy(&attr);
	if (ret) {
		luns_put_locked(t, e);
		return -ret;
	}
	e->bg_running = true;
	e->bg_again = false;
	t->bg_threads++;
	uint32_t rate = atomic_load(&e->sanitize_rate);
	if (rate)
		log_info("LUN %s: sanitize running in the background, writing at most %.1f MiB/s "
			 "([lun] sanitize_rate)",
			 e->lf.name, rate / 1048576.0);
	else
		log_info("LUN %s: sanitize running in the background", e->lf.name);
	return 0;
}

int luns_bg_start(void *ctx)
{
	struct lun_entry *e = ctx;
	pthread_mutex_lock(&e->table->lock);
	int ret = luns_bg_start_locked(e);
	pthread_mutex_unlock(&e->table->lock);
	return ret;
}
