/* luns.c: see luns.h. */
#include "target/daemon/luns.h"

#include <errno.h>
#include <stdalign.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "target/block/blk_direct.h"
#include "target/block/blk_backend.h"
#include "target/block/blk_ovl.h"
#include "target/block/blk_sync.h"
#include "target/daemon/luns_bg.h"
#include "target/daemon/luns_open.h"
#include "target/daemon/luns_state.h"

void luns_init(struct lun_table *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->bg_cond, NULL);
	atomic_init(&t->bg_stop, false);
}

static void acl_free(struct lun_entry *e)
{
	for (unsigned i = 0; i < e->acl_count; i++)
		free(e->acl[i]);
	free(e->acl);
	e->acl = NULL;
	e->acl_count = 0;
}

static void entry_free(struct lun_entry *e)
{
	free(e->shards);
	free(e->window);
	if (e->lu)
		scsi_lu_free(e->lu);
	blk_ovl_close(e->dev.ovl);
	blk_direct_close(&e->dev);
	blk_backend_close(e->dev.be);
	lunfile_close(&e->lf);
	acl_free(e);
	free(e);
}

struct lun_entry *luns_find_locked(struct lun_table *t, const char *iqn)
{
	for (struct lun_entry *e = t->head; e; e = e->next)
		if (!e->removed && strcmp(e->iqn, iqn) == 0)
			return e;
	return NULL;
}

static struct lun_entry *find_name(struct lun_table *t, const char *name)
{
	for (struct lun_entry *e = t->head; e; e = e->next)
		if (!e->removed && strcmp(e->lf.name, name) == 0)
			return e;
	return NULL;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Options of [lun NAME] that may change on reload: ACL and CHAP. */
static int apply_options(struct lun_entry *e, const struct config_lun *cl)
{
	acl_free(e);
	memset(&e->auth, 0, sizeof(e->auth));
	atomic_store(&e->sanitize_rate, cl ? cl->sanitize_rate : CONFIG_DEFAULT_SANITIZE_RATE);
	if (!cl)
		return 0;
	if (cl->allowed_initiators.count) {
		e->acl = calloc(cl->allowed_initiators.count, sizeof(char *));
		if (!e->acl)
			return -ENOMEM;
		for (unsigned i = 0; i < cl->allowed_initiators.count; i++) {
			e->acl[i] = strdup(cl->allowed_initiators.items[i]);
			if (!e->acl[i])
				return -ENOMEM;
			e->acl_count++;
		}
	}
	e->auth.chap_required = cl->chap_user[0] != 0;
	copy_text(e->auth.chap_user, sizeof(e->auth.chap_user), cl->chap_user);
	copy_text(e->auth.chap_secret, sizeof(e->auth.chap_secret), cl->chap_secret);
	copy_text(e->auth.mutual_user, sizeof(e->auth.mutual_user), cl->mutual_chap_user);
	copy_text(e->auth.mutual_secret, sizeof(e->auth.mutual_secret), cl->mutual_chap_secret);
	return 0;
}

static struct scsi_lu *find_lu(void *ctx, const uint8_t *naa, size_t len, const char *initiator,
			       void **ref);
static void put_lu(void *ctx, void *ref);

static void abort_nexus(void *ctx, struct scsi_nexus *nx)
{
	struct lun_entry *e = ctx;
	if (e->table->abort_nexus)
		e->table->abort_nexus(e->table->abort_ctx, nx);
}

/* [lun] physical_block_size, checked against the logical block size only the file knows;
 * 0 = the logical block size. */
static uint32_t physical_block(const struct config_lun *cl, const struct lunfile *lf)
{
	if (!cl || !cl->physical_block_size)
		return 0;
	if (cl->physical_block_size < lf->block_size) {
		log_warn("LUN %s: physical_block_size %u is below its %u-byte logical blocks; "
			 "using %u",
			 lf->name, cl->physical_block_size, lf->block_size, lf->block_size);
		return 0;
	}
	return cl->physical_block_size;
}

/* [lun] cache = direct: O_DIRECT where the file system allows it, else the page cache, said. */
static void open_direct(struct lun_entry *e)
{
	char why[256];

	if (lunfile_is_overlay(&e->lf)) {
		log_notice("LUN %s: cache = direct does not apply to overlays: served through the "
			   "page cache",
			   e->lf.name);
		return;
	}
	if (blk_direct_open(&e->dev, e->lf.path, e->read_only, why, sizeof(why)) < 0) {
		log_warn("LUN %s: cache = direct, but %s (%s): served through the page cache "
			 "instead; put the data dir on a file system with direct I/O (ext4, XFS, "
			 "btrfs) or set cache = buffered to silence this",
			 e->lf.name, why, e->lf.path);
		return;
	}
	if (e->dev.block_size % e->dev.dio_off_align)
		log_warn("LUN %s: cache = direct, but its %u-byte blocks are smaller than the "
			 "%u-byte alignment of direct I/O on this file system (or assumed where it "
			 "does not say): requests not aligned to it go through the page cache",
			 e->lf.name, e->dev.block_size, e->dev.dio_off_align);
}

static struct lun_entry *entry_new(struct lun_table *t, const struct config *cfg, const char *name,
				   bool is_base)
{
	const struct config_lun *cl = config_find_lun(cfg, name);
	struct scsi_lu_config lc = {0};
	char err[512];
	struct lun_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	snprintf(e->iqn, sizeof(e->iqn), "%s:%s", t->base_iqn, name);
	if (strlen(e->iqn) > IQN_MAX_LEN) {
		log_warn("LUN '%s' is not served: its target name %s is longer than the %d bytes "
			 "iSCSI allows; use a shorter LUN name or base_iqn",
			 name, e->iqn, IQN_MAX_LEN);
		free(e);
		return NULL;
	}
	e->read_only = (cl && cl->read_only) || is_base;
	e->as_base = is_base;
	if (lunfile_open(t->data_dir, name, LUNFILE_NOLOCK, e->read_only, &e->lf, err,
			 sizeof(err)) < 0) {
		log_warn("LUN '%s' is not served: %s", name, err);
		free(e);
		return NULL;
	}
	if (!luns_overlay_servable(t->data_dir, &e->lf)) {
		lunfile_close(&e->lf);
		free(e);
		return NULL;
	}
	e->dev.fd = e->lf.fd;
	e->dev.size = e->lf.size;
	e->dev.block_size = e->lf.block_size;
	if (cl && cl->cache == LUN_CACHE_DIRECT)
		open_direct(e);
	copy_text(lc.name, sizeof(lc.name), name);
	copy_text(lc.target_iqn, sizeof(lc.target_iqn), e->iqn);
	copy_text(lc.description, sizeof(lc.description),
		  cl && cl->description[0] ? cl->description : e->lf.description);
	memcpy(lc.uuid, e->lf.uuid, sizeof(lc.uuid));
	lc.block_size = e->lf.block_size;
	lc.read_only = e->read_only;
	lc.write_cache = cl ? cl->write_cache : true;
	lc.thin = cl ? cl->thin : true;
	lc.physical_block_size = e->physical_block_size = physical_block(cl, &e->lf);
	lc.rel_port_id = 1;
	lc.tpgt = ISCSI_PORTAL_GROUP_TAG;
	lc.ctx = e;
	lc.save_pr = luns_state_save_pr;
	lc.abort_nexus = abort_nexus;
	lc.find_lu = find_lu;
	lc.put_lu = put_lu;
	lc.start_bg = luns_bg_start;
	lc.save_bg = luns_state_save_bg;
	e->table = t;
	e->lu = scsi_lu_new(&lc, &e->dev);
	e->nshards = t->nshards ? t->nshards : 1;
	e->shards = aligned_alloc(alignof(struct stats_io), e->nshards * sizeof(*e->shards));
	e->window = calloc(1, sizeof(*e->window));
	if (e->shards)
		memset(e->shards, 0, e->nshards * sizeof(*e->shards));
	if (!e->lu || !e->shards || !e->window || apply_options(e, cl) < 0) {
		log_err("LUN '%s' is not served: out of memory", name);
		entry_free(e);
		return NULL;
	}
	luns_state_restore_pr(e);
	e->refs = 1;
	return e;
}

struct sync_walk {
	struct lun_table *t;
	struct luns_bases bases; /* images some overlay refers to */
	const struct config *cfg;
	struct lun_entry **seen; /* entries found in the data dir */
	unsigned nseen, cap;
	int served;
};

static void drop_ref(struct lun_table *t, struct lun_entry *e);

/* An idle LUN that became a base (served read-only from now) or stopped being one is opened
 * again. */
static struct lun_entry *reopen_if_base_changed(struct sync_walk *w, struct lun_entry *e)
{
	bool is_base = luns_bases_has(&w->bases, e->lf.name);

	if (is_base == e->as_base || e->sessions)
		return e;
	log_info("LUN %s %s", e->lf.name,
		 is_base ? "is now the base image of overlays: served read-only"
			 : "is no longer the base of any overlay");
	e->removed = true;
	drop_ref(w->t, e);
	return NULL;
}

/* A LUN directory that cannot be opened: said once per start or reload; the others are served. */
static void sync_bad(const char *name, const char *why, void *arg)
{
	(void)arg;
	log_err("LUN '%s' is not served: %s", name, why);
}

static int sync_one(const struct lunfile *lf, void *arg)
{
	struct sync_walk *w = arg;
	struct lun_entry *e = find_name(w->t, lf->name);

	if (e)
		e = reopen_if_base_changed(w, e);
	if (!e) {
		e = entry_new(w->t, w->cfg, lf->name, luns_bases_has(&w->bases, lf->name));
		if (!e)
			return 0;
		e->next = w->t->head;
		w->t->head = e;
		log_info("serving LUN %s as %s (%llu bytes, %u-byte blocks, %u-byte "
			 "physical%s%s%s%s%s%s)",
			 lf->name, e->iqn, (unsigned long long)e->dev.size, e->dev.block_size,
			 e->physical_block_size ? e->physical_block_size : e->dev.block_size,
			 e->dev.direct ? "; cache = direct (O_DIRECT)" : "",
			 e->as_base ? "; read-only: the base of overlays" : "",
			 lunfile_is_overlay(&e->lf) ? "; an overlay of " : "", e->lf.base,
			 lunfile_is_backend(&e->lf) ? "; on " : "", e->lf.backend);
		luns_state_restore_bg(e);
	} else {
		apply_options(e, config_find_lun(w->cfg, lf->name));
	}
	if (w->nseen == w->cap) {
		unsigned cap = w->cap ? w->cap * 2 : 64;
		struct lun_entry **n = realloc(w->seen, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		w->seen = n;
		w->cap = cap;
	}
	w->seen[w->nseen++] = e;
	w->served++;
	return 0;
}

/* Re-read the size of a LUN and announce a change to its sessions. Caller holds t->lock. */
void luns_refresh_size(struct lun_entry *e)
{
	uint64_t old = e->dev.size;
	if (lunfile_refresh(&e->lf) < 0 || e->lf.size == old)
		return;
	__atomic_store_n(&e->dev.size, e->lf.size, __ATOMIC_RELEASE);
	scsi_lu_set_size(e->lu, e->lf.size);
	log_info("LUN %s changed size: %llu -> %llu bytes", e->lf.name, (unsigned long long)old,
		 (unsigned long long)e->lf.size);
}

static void drop_ref(struct lun_table *t, struct lun_entry *e)
{
	if (--e->refs)
		return;
	for (struct lun_entry **pp = &t->head; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	entry_free(e);
}

int luns_sync(struct lun_table *t, const struct config *cfg, char *err, size_t errlen)
{
	struct sync_walk w = {.t = t, .cfg = cfg};
	int ret;

	pthread_mutex_lock(&t->lock);
	copy_text(t->data_dir, sizeof(t->data_dir),
		  t->fixed_dir[0] ? t->fixed_dir : cfg->server.data_dir);
	copy_text(t->base_iqn, sizeof(t->base_iqn), cfg->server.base_iqn);
	blk_backend_set_ceph(cfg->server.ceph_conf, cfg->server.ceph_user, cfg->server.ceph_keyring,
			     cfg->server.ceph_op_timeout);
	blk_backend_set_nbd_timeout(cfg->server.nbd_timeout * 1000u);
	memset(&t->discovery, 0, sizeof(t->discovery));
	t->discovery.chap_required = cfg->server.discovery_chap_user[0] != 0;
	copy_text(t->discovery.chap_user, sizeof(t->discovery.chap_user),
		  cfg->server.discovery_chap_user);
	copy_text(t->discovery.chap_secret, sizeof(t->discovery.chap_secret),
		  cfg->server.discovery_chap_secret);
	ret = luns_bases_collect(&w.bases, t->data_dir);
	if (ret >= 0)
		ret = lunfile_list_report(t->data_dir, sync_one, sync_bad, &w, err, errlen);
	if (ret < 0)
		goto out_unlock;
	for (struct lun_entry *e = t->head, *next; e; e = next) {
		next = e->next;
		bool seen = false;
		for (unsigned i = 0; i < w.nseen; i++)
			seen |= w.seen[i] == e;
		if (seen) {
			if (e->sessions)
				luns_refresh_size(e);
		} else if (!e->removed) {
			e->removed = true;
			log_info("LUN %s left the data dir: no new logins%s", e->lf.name,
				 e->sessions ? "; it closes when its sessions end" : "");
			drop_ref(t, e);
		}
	}
	ret = w.served;
out_unlock:
	pthread_mutex_unlock(&t->lock);
	free(w.seen);
	luns_bases_free(&w.bases);
	return ret;
}

int luns_reset_overlay(struct lun_table *t, const struct config *cfg, const char *name, char *err,
		       size_t errlen)
{
	struct lun_entry *e;
	int ret;

	pthread_mutex_lock(&t->lock);
	e = find_name(t, name);
	if (e && e->sessions) {
		pthread_mutex_unlock(&t->lock);
		snprintf(err, errlen, "LUN %s is in use", name);
		return -EBUSY;
	}
	ret = lunfile_overlay_reset(t->data_dir, name, err, errlen);
	if (ret == 0 && e) {
		/* Served afresh by the sync below: the reset may have moved it to another base. */
		e->removed = true;
		drop_ref(t, e);
	}
	pthread_mutex_unlock(&t->lock);
	if (ret == 0 && luns_sync(t, cfg, err, errlen) < 0)
		ret = -EIO;
	return ret;
}

void luns_fini(struct lun_table *t)
{
	pthread_mutex_lock(&t->lock);
	atomic_store(&t->bg_stop, true);
	while (t->bg_threads)
		pthread_cond_wait(&t->bg_cond, &t->lock);
	while (t->head) {
		struct lun_entry *e = t->head;
		t->head = e->next;
		if (!e->read_only)
			blk_sync_flush(&e->dev);
		entry_free(e);
	}
	pthread_mutex_unlock(&t->lock);
	pthread_cond_destroy(&t->bg_cond);
	pthread_mutex_destroy(&t->lock);
}

void luns_space_check(struct lun_table *t, bool low)
{
	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e; e = e->next) {
		if (!e->removed && scsi_lu_space_low(e->lu, low))
			log_warn(
			    "LUN %s: the file system under %s is low on space: initiators are "
			    "told (thin provisioning soft threshold); free space or writes will "
			    "fail with SPACE ALLOCATION FAILED",
			    e->lf.name, t->data_dir);
	}
	pthread_mutex_unlock(&t->lock);
}

bool luns_has(struct lun_table *t, const char *target_iqn)
{
	pthread_mutex_lock(&t->lock);
	bool found = luns_find_locked(t, target_iqn) != NULL;
	pthread_mutex_unlock(&t->lock);
	return found;
}

bool luns_visible(const struct lun_entry *e, const char *initiator)
{
	if (e->removed)
		return false;
	if (!e->acl_count)
		return true;
	for (unsigned i = 0; i < e->acl_count; i++)
		if (strcasecmp(e->acl[i], initiator) == 0)
			return true;
	return false;
}

int luns_authorize(struct lun_table *t, const char *target_iqn, const char *initiator,
		   struct login_target_info *out)
{
	int ret = 0;
	pthread_mutex_lock(&t->lock);
	struct lun_entry *e = luns_find_locked(t, target_iqn);
	if (!e)
		ret = ISCSI_LOGIN_STATUS_NOT_FOUND;
	else if (!luns_visible(e, initiator))
		ret = ISCSI_LOGIN_STATUS_NOT_AUTHORIZED;
	else
		*out = e->auth;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* A user of e (a session, or an EXTENDED COPY): the file stays open, locked and unchanged until
 * luns_put. Caller holds t->lock. */
int luns_use_locked(struct lun_entry *e)
{
	if (e->opening) /* its storage is not connected yet */
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	int ret = e->sessions == 0 ? luns_open_first(e) : 0;
	if (ret == 0) {
		e->sessions++;
		e->refs++;
		e->uses++;
	}
	return ret;
}

int luns_get(struct lun_table *t, const char *target_iqn, struct luns_wait *wait,
	     struct lun_entry **out)
{
	int ret;
	pthread_mutex_lock(&t->lock);
	struct lun_entry *e = luns_find_locked(t, target_iqn);
	if (!e)
		ret = ISCSI_LOGIN_STATUS_NOT_FOUND;
	else if (wait && (e->opening || (!e->sessions && lunfile_is_backend(&e->lf))))
		ret = luns_open_async(e, wait);
	else
		ret = luns_use_locked(e);
	if (ret == 0)
		*out = e;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* EXTENDED COPY between LUNs (scsi.h find_lu/put_lu): the other LU by its NAA designator, if
 * its ACL admits the initiator and it has a logged-in session (the scsi layer then checks that
 * one of those sessions is the initiator's own, and the LU's reservations). */
static struct scsi_lu *find_lu(void *ctx, const uint8_t *naa, size_t len, const char *initiator,
			       void **ref)
{
	struct lun_entry *self = ctx;
	struct lun_table *t = self->table;
	struct scsi_lu *found = NULL;
	uint8_t id[8];

	if (len != sizeof(id))
		return NULL;
	pthread_mutex_lock(&t->lock);
	for (struct lun_entry *e = t->head; e && !found; e = e->next) {
		if (!e->sessions || e->opening || !luns_visible(e, initiator))
			continue;
		scsi_lu_naa(e->lu, id);
		if (memcmp(id, naa, sizeof(id)) == 0 && luns_use_locked(e) == 0) {
			found = e->lu;
			*ref = e;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

static void put_lu(void *ctx, void *ref)
{
	struct lun_entry *self = ctx;
	luns_put(self->table, ref);
}

/* The end of a use_entry(): the last one flushes and unlocks the file. Caller holds t->lock;
 * e may be freed. */
void luns_put_locked(struct lun_table *t, struct lun_entry *e)
{
	if (--e->sessions == 0) {
		struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
		if (!e->read_only && !e->flushed)
			blk_sync_flush(&e->dev);
		luns_overlay_detach(e);
		fcntl(e->lf.fd, F_OFD_SETLK, &fl);
	}
	e->flushed = false;
	drop_ref(t, e);
}

/* luns_put: the last user flushes the file before it gives the lock up, but without the table's
 * lock held (a flush after many writes takes long, and every login on every worker waits for
 * that lock). It stays counted meanwhile, so a login finds the file in use and a CLI command
 * finds it locked; if someone came and went during the flush, their writes are flushed too. */
void luns_put(struct lun_table *t, struct lun_entry *e)
{
	pthread_mutex_lock(&t->lock);
	while (e->sessions == 1 && !e->read_only) {
		uint64_t uses = e->uses;
		pthread_mutex_unlock(&t->lock);
		blk_sync_flush(&e->dev);
		pthread_mutex_lock(&t->lock);
		if (e->uses == uses) {
			e->flushed = true;
			break;
		}
	}
	luns_put_locked(t, e);
	pthread_mutex_unlock(&t->lock);
}
