/* luns_open.c: see luns_open.h. */
#include "target/daemon/luns_open.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/log.h"
#include "target/block/blk_backend.h"
#include "target/daemon/luns_shared.h"

/* The first use: take the shared lock (exclusive for a writable shared LUN), make sure the
 * file is still the LUN's. 0 or a login status (nothing held). */
static int lock_and_check(struct lun_entry *e)
{
	bool excl = e->table->exclusive && !e->read_only;
	struct flock fl = {.l_type = excl ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET};
	struct stat a, b;

	if (fcntl(e->lf.fd, F_OFD_SETLK, &fl) < 0) {
		if (e->table->exclusive)
			log_warn("shared LUN %s is in use elsewhere (another node serves it, or a "
				 "ringsan command holds it): login refused until it is let go",
				 e->lf.name);
		else
			log_warn("LUN %s is locked by a ringsan command (resize, rm or clone): "
				 "login refused until it finishes",
				 e->lf.name);
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	if (stat(e->lf.path, &a) < 0 || fstat(e->lf.fd, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		fl.l_type = F_UNLCK;
		fcntl(e->lf.fd, F_OFD_SETLK, &fl);
		log_warn(
		    "LUN %s was removed or replaced on disk: reload (SIGHUP) to serve the new one",
		    e->lf.name);
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	}
	luns_refresh_size(e);
	if (e->table->exclusive)
		luns_shared_claim(e);
	return 0;
}

int luns_open_first(struct lun_entry *e)
{
	int ret = lock_and_check(e);
	return ret ? ret : luns_overlay_attach(e);
}

/* What the storage said once connected. */
static void log_connected(const char *name, const char *spec, bool read_only,
			  const struct blk_backend_info *info)
{
	log_info("LUN %s: connected to %s (%llu bytes; %s)", name, spec,
		 (unsigned long long)info->size, info->detail);
	if (info->read_only && !read_only)
		log_warn("LUN %s: %s is read-only: writes fail as write-protected; set read_only "
			 "in [lun %s] to say so up front",
			 name, spec, name);
	if (!info->can_flush && !read_only)
		log_notice("LUN %s: %s has no cache to flush: a write is as durable as its server "
			   "makes it when it completes",
			   name, spec);
}

int luns_open_backend(struct lun_entry *e)
{
	struct blk_backend_info info;
	char err[1024];

	/* In a cluster's shared dir the table's lock on the LUN proves any other holder of the
	 * storage's own lock dead: fence it (RBD breaks and blocklists it). */
	if (blk_backend_open(e->lf.backend, e->lf.name, e->lf.size,
			     e->table->exclusive && !e->read_only, &e->dev.be, &info, err,
			     sizeof(err)) != 0) {
		log_err("%s; login refused", err);
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	log_connected(e->lf.name, e->lf.backend, e->read_only, &info);
	return 0;
}

/* A connect in the background: what it needs, copied under the table's lock. */
struct open_job {
	struct lun_entry *e;
	char spec[LUNFILE_BACKEND_MAX + 1];
	char name[NAME_MAX_LEN + 1];
	uint64_t size;
	bool read_only;
	bool fence; /* break a dead holder's storage lock (blk_backend_open) */
};

/* Hands the outcome to the waiters (each gets a use of its own on success) and ends the
 * connecting thread's use. Takes and drops the table's lock. */
static void open_finish(struct open_job *j, struct blk_backend *be, int status)
{
	struct lun_entry *e = j->e;
	struct lun_table *t = e->table;

	pthread_mutex_lock(&t->lock);
	struct luns_wait *list = e->waiters;
	e->waiters = NULL;
	e->opening = false;
	e->dev.be = be;
	for (struct luns_wait *w = list; w; w = w->next) {
		w->queued = false;
		w->status = status;
		w->entry = e;
		if (!status) {
			e->sessions++;
			e->refs++;
			e->uses++;
		}
	}
	if (status) {
		e->flushed = true; /* nothing was written: no flush to make */
		luns_put_locked(t, e);
	}
	pthread_mutex_unlock(&t->lock);
	for (struct luns_wait *w = list, *next; w; w = next) {
		next = w->next; /* w is the waiter's once done is called */
		w->done(w);
	}
	if (!status)
		luns_put(t, e);
	pthread_mutex_lock(&t->lock);
	t->bg_threads--;
	pthread_cond_broadcast(&t->bg_cond);
	pthread_mutex_unlock(&t->lock);
}

static void *open_main(void *arg)
{
	struct open_job *j = arg;
	struct blk_backend *be = NULL;
	struct blk_backend_info info;
	char err[1024];
	uint64_t start = clock_mono_ns();

	int ret =
	    blk_backend_open(j->spec, j->name, j->size, j->fence, &be, &info, err, sizeof(err));
	if (ret) {
		log_err("%s; login refused", err);
	} else {
		log_connected(j->name, j->spec, j->read_only, &info);
		log_debug("LUN %s: connected in %.2f s", j->name,
			  (double)(clock_mono_ns() - start) / 1e9);
	}
	open_finish(j, be, ret ? ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE : 0);
	free(j);
	return NULL;
}

/* Starts the connect of e's storage on a thread that holds a use of e. 0 when started;
 * -errno (nothing held) when the thread cannot be made. */
static int open_start(struct lun_entry *e)
{
	struct lun_table *t = e->table;
	struct open_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	pthread_t th;

	if (!j)
		return -ENOMEM;
	j->e = e;
	snprintf(j->spec, sizeof(j->spec), "%s", e->lf.backend);
	snprintf(j->name, sizeof(j->name), "%s", e->lf.name);
	j->size = e->lf.size;
	j->read_only = e->read_only;
	j->fence = t->exclusive && !e->read_only;
	e->opening = true;
	e->sessions++;
	e->refs++;
	e->uses++;
	t->bg_threads++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int ret = pthread_create(&th, &attr, open_main, j);
	pthread_attr_destroy(&attr);
	if (ret) {
		e->opening = false;
		e->sessions--;
		e->refs--;
		e->uses--;
		t->bg_threads--;
		free(j);
		return -ret;
	}
	log_info("LUN %s: connecting to %s in the background; its logins wait for it", e->lf.name,
		 e->lf.backend);
	return 0;
}

int luns_open_async(struct lun_entry *e, struct luns_wait *wait)
{
	if (!e->opening) {
		if (atomic_load(&e->table->bg_stop))
			return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
		int ret = lock_and_check(e);
		if (ret)
			return ret;
		if (open_start(e) < 0) { /* no thread: connect here, as without a wait */
			ret = luns_overlay_attach(e);
			if (!ret) {
				e->sessions++;
				e->refs++;
				e->uses++;
			}
			return ret;
		}
	}
	wait->table = e->table;
	wait->entry = e;
	wait->queued = true;
	wait->next = e->waiters;
	e->waiters = wait;
	return LUNS_PENDING;
}

bool luns_wait_cancel(struct luns_wait *wait)
{
	struct lun_table *t = wait->table;
	bool was_queued;

	pthread_mutex_lock(&t->lock);
	was_queued = wait->queued;
	if (was_queued) {
		for (struct luns_wait **pp = &wait->entry->waiters; *pp; pp = &(*pp)->next) {
			if (*pp == wait) {
				*pp = wait->next;
				break;
			}
		}
		wait->queued = false;
	}
	pthread_mutex_unlock(&t->lock);
	return was_queued;
}
