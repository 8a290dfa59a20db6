/* blk_rbd.c: see blk_rbd.h. */
#include "target/block/blk_rbd.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <rados/librados.h>
#include <stdatomic.h>
#include <rbd/features.h>
#include <rbd/librbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/lunfile.h"

#define RBD_POOL_MAX	 128
#define RBD_OWNERS_MAX	 8
#define RBD_CLOSE_WAIT_S 10 /* an open waits this long for a close of the same image */

struct blk_rbd {
	struct blk_backend be;
	rados_t cluster;
	rados_ioctx_t ioctx;
	rbd_image_t image;
	uint64_t size;		/* bytes served */
	unsigned timeout;	/* [server] ceph_op_timeout when opened */
	atomic_int outage;	/* 0, or the errno of the failure logged for the outage under way */
	atomic_bool map_warned; /* the invalid object map was logged */
	char lun[128];		/* for the log */
	char spec[256];		/* POOL/IMAGE */
	struct blk_rbd *next_closing;
};

/* A request's state while librbd holds it (blk_io.remote_priv). */
struct rbd_req {
	blk_post_fn *post;
	void *ctx;
	struct blk_rbd *rbd;
};

_Static_assert(sizeof(struct rbd_req) <= sizeof(((struct blk_io *)0)->remote_priv),
	       "blk_io.remote_priv too small");

static struct rbd_req *req_of(struct blk_io *io)
{
	return (struct rbd_req *)(void *)io->remote_priv;
}

/* "POOL/IMAGE" into its parts; -EINVAL with err set. */
static int split_spec(const char *spec, char pool[RBD_POOL_MAX], const char **image, char *err,
		      size_t errlen)
{
	const char *slash = strchr(spec, '/');

	if (!slash || slash == spec || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - spec) >= RBD_POOL_MAX) {
		snprintf(err, errlen, "backend 'rbd:%.64s': use rbd:POOL/IMAGE", spec);
		return -EINVAL;
	}
	memcpy(pool, spec, (size_t)(slash - spec));
	pool[slash - spec] = '\0';
	*image = slash + 1;
	return 0;
}

/* Connects to the cluster of [server] ceph_* and opens pool's I/O context. */
static int connect_pool(const char *pool, rados_t *cluster, rados_ioctx_t *ioctx, char *err,
			size_t errlen)
{
	struct blk_ceph_env env;
	int ret;

	blk_backend_get_ceph(&env);
	ret = rados_create(cluster, env.user);
	if (ret < 0) {
		snprintf(err, errlen, "cannot start librados: %s", strerror(-ret));
		return ret;
	}
	ret = rados_conf_read_file(*cluster, env.conf);
	if (ret < 0) {
		snprintf(err, errlen,
			 "cannot read the Ceph config %.200s: %s; set [server] ceph_conf to the "
			 "cluster's ceph.conf",
			 env.conf, strerror(-ret));
		goto out_shutdown;
	}
	if (env.keyring[0])
		rados_conf_set(*cluster, "keyring", env.keyring);
	rados_conf_set(*cluster, "client_mount_timeout", "10");
	if (env.op_timeout) { /* else librados waits for the cluster as long as it takes */
		char secs[16];
		/* A write to an object not yet written takes two OSD round trips (the object map's
		 * update, then the data), each timed on its own: half the time for each keeps the
		 * request within ceph_op_timeout. */
		snprintf(secs, sizeof(secs), "%u", env.op_timeout > 1 ? env.op_timeout / 2 : 1);
		rados_conf_set(*cluster, "rados_osd_op_timeout", secs);
		snprintf(secs, sizeof(secs), "%u", env.op_timeout);
		rados_conf_set(*cluster, "rados_mon_op_timeout", secs);
	}
	rados_conf_set(*cluster, "rbd_cache", "false");
	ret = rados_connect(*cluster);
	if (ret < 0) {
		snprintf(err, errlen,
			 "cannot connect to the Ceph cluster of %.200s as client.%.64s (keyring "
			 "%.200s): %s; "
			 "check that its monitors answer and [server] ceph_user / ceph_keyring",
			 env.conf, env.user, env.keyring[0] ? env.keyring : "librados' default",
			 ret == -ETIMEDOUT ? "no monitor answered within 10 s" : strerror(-ret));
		goto out_shutdown;
	}
	ret = rados_ioctx_create(*cluster, pool, ioctx);
	if (ret < 0) {
		snprintf(err, errlen, "Ceph pool '%s': %s", pool,
			 ret == -ENOENT ? "no such pool (ceph osd pool create)" : strerror(-ret));
		goto out_shutdown;
	}
	return 0;
out_shutdown:
	rados_shutdown(*cluster);
	return ret;
}

static void fill_info(rbd_image_t image, struct blk_backend_info *info)
{
	uint64_t size = 0, features = 0;

	rbd_get_size(image, &size);
	rbd_get_features(image, &features);
	memset(info, 0, sizeof(*info));
	info->size = size;
	info->can_flush = true;
	info->can_fua = true;
	info->can_zero = true;
	snprintf(info->detail, sizeof(info->detail), "RBD%s%s",
		 (features & RBD_FEATURE_EXCLUSIVE_LOCK) ? ", exclusive-lock" : "",
		 (features & RBD_FEATURE_OBJECT_MAP) ? ", object-map" : "");
}

/* librbd's failure as a request's result: -ETIMEDOUT (the cluster did not answer within
 * ceph_op_timeout) and -ENOTCONN (this client was blocklisted) become ABORTED COMMAND, which an
 * initiator retries (sense.c sense_io_error); -EROFS write-protected; the rest a medium error.
 * The first failure of an outage is logged, and the first success after it of a request that
 * reached the cluster (a flush with nothing to flush does not). Any thread. */
static int64_t rbd_result(struct blk_rbd *b, enum blk_op op, int64_t ret)
{
	int64_t res = ret == -ETIMEDOUT	  ? -ETIMEDOUT
		      : ret == -ESHUTDOWN ? -ENOTCONN /* librados: blocklisted */
		      : ret == -EROFS	  ? -EROFS
					  : -EIO;
	int was = 0;

	if (ret >= 0) {
		if (op != BLK_FLUSH && atomic_load_explicit(&b->outage, memory_order_relaxed) &&
		    atomic_exchange(&b->outage, 0))
			log_notice("LUN %s: Ceph answers again for rbd:%s: its requests succeed",
				   b->lun, b->spec);
		return ret;
	}
	if (res == -EIO || !atomic_compare_exchange_strong(&b->outage, &was, (int)-res))
		return res;
	if (res == -ETIMEDOUT)
		log_err("LUN %s: Ceph did not answer a request on rbd:%s within %u s ([server] "
			"ceph_op_timeout): requests fail (ABORTED COMMAND, which initiators retry) "
			"until it does; check `ceph -s` (monitors in quorum, OSDs up, placement "
			"groups active) and the network to the cluster",
			b->lun, b->spec, b->timeout);
	else
		log_err("LUN %s: Ceph refuses this node's requests on rbd:%s (%s): another node "
			"took the image over and blocklisted this one, or its lock was broken by "
			"hand (ceph osd blocklist ls); log in again to be sent to the node that "
			"serves it",
			b->lun, b->spec, strerror((int)-ret));
	return res;
}

static void rbd_done(rbd_completion_t c, void *arg)
{
	struct blk_io *io = arg;
	struct rbd_req *r = req_of(io);
	ssize_t ret = rbd_aio_get_return_value(c);

	rbd_aio_release(c);
	ret = rbd_result(r->rbd, io->op, ret);
	if (ret < 0)
		r->post(r->ctx, io, ret);
	else
		r->post(r->ctx, io,
			io->op == BLK_READ || io->op == BLK_WRITE ? (int64_t)io->len : 0);
}

struct seek_walk {
	uint64_t pos;	/* SEEK_HOLE: where the data seen so far ends */
	int64_t found;	/* the answer, -1 while none */
	bool want_data; /* SEEK_DATA */
};

/* rbd_diff_iterate2's extents in order: allocated (exists) or not. */
static int seek_extent(uint64_t off, size_t len, int exists, void *arg)
{
	struct seek_walk *w = arg;

	if (w->want_data) {
		if (exists && off + len > w->pos) {
			w->found = (int64_t)(off > w->pos ? off : w->pos);
			return -EEXIST;
		}
		return 0;
	}
	if (off + len <= w->pos)
		return 0;
	if (!exists || off > w->pos) { /* a hole at pos */
		w->found = (int64_t)w->pos;
		return -EEXIST;
	}
	w->pos = off + len;
	return 0;
}

/* rbd_diff_iterate2 answers from the object map, which librbd flags invalid when an update of
 * it failed (a write that timed out during a Ceph outage): then it may call written objects
 * absent, and an initiator that trusts GET LBA STATUS (QEMU skips reading deallocated blocks
 * when LBPRZ is set) would read zeroes. So an invalid map makes everything data. */
static bool map_valid(struct blk_rbd *b)
{
	uint64_t flags = 0;

	if (rbd_get_flags(b->image, &flags) < 0)
		return false;
	if (!(flags & (RBD_FLAG_OBJECT_MAP_INVALID | RBD_FLAG_FAST_DIFF_INVALID)))
		return true;
	if (!atomic_exchange(&b->map_warned, true))
		log_warn("LUN %s: the object map of rbd:%s is flagged invalid (an update failed, "
			 "as during a Ceph outage): GET LBA STATUS reports all of it mapped until "
			 "it is rebuilt: rbd object-map rebuild %s",
			 b->lun, b->spec, b->spec);
	return false;
}

static int64_t rbd_seek(struct blk_rbd *b, const struct blk_io *io)
{
	struct seek_walk w = {.pos = io->off, .found = -1, .want_data = io->op == BLK_SEEK_DATA};

	if (io->off >= b->size)
		return (int64_t)b->size;
	if (!map_valid(b))
		return io->op == BLK_SEEK_DATA ? (int64_t)io->off : (int64_t)b->size;
	int ret =
	    rbd_diff_iterate2(b->image, NULL, io->off, b->size - io->off, 1, 1, seek_extent, &w);
	if (ret < 0 && ret != -EEXIST)
		return rbd_result(b, io->op, ret);
	if (w.found >= 0)
		return w.found < (int64_t)b->size ? w.found : (int64_t)b->size;
	return w.want_data ? (int64_t)b->size : (int64_t)(w.pos < b->size ? w.pos : b->size);
}

static void rbd_submit(struct blk_backend *be, struct blk_io *io, blk_post_fn *post, void *ctx)
{
	struct blk_rbd *b = (struct blk_rbd *)(void *)be;
	struct rbd_req *r = req_of(io);
	rbd_completion_t c;
	int ret;

	r->post = post;
	r->ctx = ctx;
	r->rbd = b;
	if (io->op == BLK_SEEK_DATA || io->op == BLK_SEEK_HOLE) {
		post(ctx, io, rbd_seek(b, io));
		return;
	}
	if (io->op != BLK_FLUSH && (io->off > b->size || io->len > b->size - io->off)) {
		post(ctx, io, -EINVAL);
		return;
	}
	ret = rbd_aio_create_completion(io, rbd_done, &c);
	if (ret < 0) {
		post(ctx, io, -ENOMEM);
		return;
	}
	switch (io->op) {
	case BLK_READ:
		ret = rbd_aio_readv(b->image, io->iov, (int)io->iov_cnt, io->off, c);
		break;
	case BLK_WRITE:
		ret = rbd_aio_writev(b->image, io->iov, (int)io->iov_cnt, io->off, c);
		break;
	case BLK_FLUSH:
		ret = rbd_aio_flush(b->image, c);
		break;
	case BLK_PUNCH:
		ret = rbd_aio_write_zeroes(b->image, io->off, io->len, c, 0, 0);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret < 0) { /* not queued: no callback comes */
		rbd_aio_release(c);
		post(ctx, io, rbd_result(b, io->op, ret));
	}
}

static void rbd_disconnect(struct blk_rbd *b)
{
	if (b->image)
		rbd_close(b->image); /* releases the exclusive lock */
	if (b->ioctx)
		rados_ioctx_destroy(b->ioctx);
	if (b->cluster)
		rados_shutdown(b->cluster);
}

static void rbd_free(struct blk_rbd *b)
{
	rbd_disconnect(b);
	free(b);
}

/* Closing an image talks to the cluster (releasing the lock, the watch): while Ceph does not
 * answer that takes a timeout per step, or longer. The caller of close holds its LUN table's
 * lock, so each close runs on a thread of its own, and an open of the same image first waits
 * for it (its client still holds the image's lock). */
static pthread_mutex_t closing_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closing_done = PTHREAD_COND_INITIALIZER;
static struct blk_rbd *closing; /* a list through next_closing */

static void *close_main(void *arg)
{
	struct blk_rbd *b = arg;

	rbd_disconnect(b);
	pthread_mutex_lock(&closing_lock);
	for (struct blk_rbd **p = &closing; *p; p = &(*p)->next_closing)
		if (*p == b) {
			*p = b->next_closing;
			break;
		}
	pthread_cond_broadcast(&closing_done);
	pthread_mutex_unlock(&closing_lock);
	free(b);
	return NULL;
}

static void rbd_backend_close(struct blk_backend *be)
{
	struct blk_rbd *b = (struct blk_rbd *)(void *)be;
	pthread_attr_t attr;
	pthread_t tid;
	int ret;

	pthread_mutex_lock(&closing_lock);
	b->next_closing = closing;
	closing = b;
	pthread_mutex_unlock(&closing_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&tid, &attr, close_main, b);
	pthread_attr_destroy(&attr);
	if (ret != 0)
		close_main(b);
}

static bool is_closing(const char *spec)
{
	for (struct blk_rbd *b = closing; b; b = b->next_closing)
		if (strcmp(b->spec, spec) == 0)
			return true;
	return false;
}

/* At exit, the closes still running finish first (bounded), before librados' own teardown. */
__attribute__((destructor)) static void wait_all_closes(void)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RBD_CLOSE_WAIT_S;
	pthread_mutex_lock(&closing_lock);
	while (closing && pthread_cond_timedwait(&closing_done, &closing_lock, &until) == 0)
		;
	pthread_mutex_unlock(&closing_lock);
}

/* Waits at most secs for this process's closes of spec to end; false if one still runs. */
static bool wait_closes(const char *spec, unsigned secs)
{
	struct timespec until;
	bool busy;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&closing_lock);
	while (is_closing(spec) &&
	       pthread_cond_timedwait(&closing_done, &closing_lock, &until) == 0)
		;
	busy = is_closing(spec);
	pthread_mutex_unlock(&closing_lock);
	return !busy;
}

static const struct blk_backend_ops rbd_ops = {
    .kind = "rbd",
    .submit = rbd_submit,
    .close = rbd_backend_close,
};

/* split_spec, then connect_pool into b: 0, or -errno with err naming spec (b->cluster NULL). */
static int connect_spec(const char *spec, struct blk_rbd *b, char pool[RBD_POOL_MAX],
			const char **name, char *err, size_t errlen)
{
	char why[1024];
	int ret = split_spec(spec, pool, name, err, errlen);

	if (ret)
		return ret;
	ret = connect_pool(pool, &b->cluster, &b->ioctx, why, sizeof(why));
	if (ret) {
		b->cluster = NULL;
		snprintf(err, errlen, "rbd:%.200s: %s", spec, why);
	}
	return ret;
}

/* Opens the image of spec and fills info; err names lun (or the spec). */
static int open_image(const char *spec, struct blk_rbd *b, struct blk_backend_info *info, char *err,
		      size_t errlen)
{
	char pool[RBD_POOL_MAX];
	const char *name;
	int ret = connect_spec(spec, b, pool, &name, err, errlen);

	if (ret)
		return ret;
	ret = rbd_open(b->ioctx, name, &b->image, NULL);
	if (ret < 0) {
		b->image = NULL;
		if (ret == -ETIMEDOUT)
			snprintf(
			    err, errlen,
			    "rbd:%s: Ceph did not answer within %u s ([server] ceph_op_timeout): "
			    "check `ceph -s` (OSDs up, placement groups active)",
			    spec, b->timeout);
		else
			snprintf(err, errlen, "rbd:%s: %s", spec,
				 ret == -ENOENT ? "no such image (rbd ls shows the pool's images)"
						: strerror(-ret));
		return ret;
	}
	fill_info(b->image, info);
	return 0;
}

/* The lock's owners (librbd names each by its client's address, "127.0.0.1:0/3757414747"), in
 * owners (to be cleaned up when *n > 0) and as text; "" when none could be listed. */
static void lock_owners(rbd_image_t image, rbd_lock_mode_t *mode, char *owners[RBD_OWNERS_MAX],
			size_t *n, char *text, size_t textlen)
{
	size_t used = 0;

	*n = RBD_OWNERS_MAX;
	text[0] = '\0';
	if (rbd_lock_get_owners(image, mode, owners, n) < 0) {
		*n = 0;
		return;
	}
	for (size_t i = 0; i < *n && used < textlen; i++)
		used +=
		    (size_t)snprintf(text + used, textlen - used, "%s%s", i ? ", " : "", owners[i]);
}

/* A shared LUN this node now holds: whoever else holds the image's lock served the LUN before
 * and is gone (the shared-dir lock says so), though Ceph keeps its lock until its watch times
 * out. Breaking the lock blocklists that client, so it can never write again even if only half
 * dead, then the lock is ours. */
static int fence_and_lock(struct blk_rbd *b, char *why, size_t whylen)
{
	char *owners[RBD_OWNERS_MAX], text[512];
	rbd_lock_mode_t mode;
	size_t n;
	int ret = 0;

	lock_owners(b->image, &mode, owners, &n, text, sizeof(text));
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = rbd_lock_break(b->image, mode, owners[i]);
	if (n)
		rbd_lock_get_owners_cleanup(owners, n);
	if (ret < 0 && ret != -ENOENT) {
		snprintf(why, whylen,
			 "rbd:%s: cannot break the exclusive lock of %s, the node that served this "
			 "shared LUN before: %s (the Ceph user needs the right to blocklist: "
			 "mon 'profile rbd')",
			 b->spec, text[0] ? text : "its owner", strerror(-ret));
		return ret;
	}
	if (n)
		log_warn("LUN %s: rbd:%s was still locked by Ceph client %s, the node that served "
			 "this shared LUN before (it died or lost the shared dir): broke its lock "
			 "and blocklisted it (ceph osd blocklist ls), so it can never write to the "
			 "image again",
			 b->lun, b->spec, text);
	ret = rbd_lock_acquire(b->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (ret < 0)
		snprintf(why, whylen,
			 "rbd:%s: cannot take its exclusive lock after breaking %s's: %s", b->spec,
			 text[0] ? text : "its owner", strerror(-ret));
	return ret;
}

static int take_lock(struct blk_rbd *b, bool fence, char *why, size_t whylen)
{
	char *owners[RBD_OWNERS_MAX], text[512];
	rbd_lock_mode_t mode;
	size_t n = RBD_OWNERS_MAX;
	int ret;

	/* Asked for a lock whose owner is dead but still watches the image (until Ceph's watch
	 * timeout, 30 s), rbd_lock_acquire waits that long and then breaks it itself. */
	if (fence && rbd_lock_get_owners(b->image, &mode, owners, &n) >= 0 && n > 0) {
		rbd_lock_get_owners_cleanup(owners, n);
		return fence_and_lock(b, why, whylen);
	}
	ret = rbd_lock_acquire(b->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (ret == 0)
		return 0;
	if ((ret == -EROFS || ret == -EBUSY) && fence)
		return fence_and_lock(b, why, whylen);
	if (ret == -EINVAL) {
		snprintf(
		    why, whylen,
		    "rbd:%s: cannot take its exclusive lock: the image lacks the exclusive-lock "
		    "feature (rbd feature enable POOL/IMAGE exclusive-lock)",
		    b->spec);
		return ret;
	}
	if (ret != -EROFS && ret != -EBUSY) {
		snprintf(why, whylen, "rbd:%s: cannot take its exclusive lock: %s", b->spec,
			 strerror(-ret));
		return ret;
	}
	lock_owners(b->image, &mode, owners, &n, text, sizeof(text));
	if (n)
		rbd_lock_get_owners_cleanup(owners, n);
	snprintf(why, whylen,
		 "rbd:%s: cannot take its exclusive lock: another client%s%s holds it (another "
		 "ringsan node, or a VM): stop that one first",
		 b->spec, text[0] ? ", " : "", text);
	return ret;
}

int blk_rbd_open(const char *spec, const char *lun, uint64_t size, bool fence,
		 struct blk_backend **out, struct blk_backend_info *info, char *err, size_t errlen)
{
	struct blk_rbd *b = calloc(1, sizeof(*b));
	struct blk_ceph_env env;
	char why[1536];
	int ret;

	if (!b)
		return -ENOMEM;
	b->be.ops = &rbd_ops;
	blk_backend_get_ceph(&env);
	b->timeout = env.op_timeout;
	snprintf(b->lun, sizeof(b->lun), "%s", lun ? lun : "(new)");
	snprintf(b->spec, sizeof(b->spec), "%s", spec);
	if (!wait_closes(spec, RBD_CLOSE_WAIT_S)) {
		snprintf(why, sizeof(why),
			 "rbd:%s: this node is still closing the image after its last session (for "
			 "%u s: Ceph does not answer); check `ceph -s` and log in again",
			 spec, RBD_CLOSE_WAIT_S);
		ret = -EBUSY;
		goto out_free;
	}
	ret = open_image(spec, b, info, why, sizeof(why));
	if (ret)
		goto out_free;
	if (size > info->size) {
		snprintf(why, sizeof(why),
			 "rbd:%s holds %llu bytes, fewer than the LUN's %llu: grow it (ringsan lun "
			 "resize)",
			 spec, (unsigned long long)info->size, (unsigned long long)size);
		ret = -EFBIG;
		goto out_free;
	}
	ret = take_lock(b, fence, why, sizeof(why));
	if (ret < 0)
		goto out_free;
	b->size = size ? size : info->size;
	*out = &b->be;
	return 0;
out_free:
	snprintf(err, errlen, "%s%s%s", lun ? "LUN '" : "", lun ? lun : "", lun ? "': " : "");
	snprintf(err + strlen(err), errlen - strlen(err), "%s", why);
	rbd_free(b);
	return ret;
}

int blk_rbd_prepare(const char *spec, uint64_t size, bool create, struct blk_backend_info *info,
		    char *err, size_t errlen)
{
	struct blk_rbd b = {0};
	char pool[RBD_POOL_MAX];
	const char *name;
	int order = 0, ret = connect_spec(spec, &b, pool, &name, err, errlen);

	if (ret)
		return ret;
	ret = rbd_open(b.ioctx, name, &b.image, NULL);
	if (ret == -ENOENT && create && size) {
		ret = rbd_create(b.ioctx, name, size, &order);
		if (ret == 0)
			ret = rbd_open(b.ioctx, name, &b.image, NULL);
	}
	if (ret < 0) {
		b.image = NULL;
		snprintf(err, errlen, "rbd:%s: %s", spec,
			 ret == -ENOENT ? (create ? "no such image: give --size to create it"
						  : "no such image")
					: strerror(-ret));
		goto out;
	}
	fill_info(b.image, info);
	if (size > info->size) {
		ret = rbd_resize(b.image, size);
		if (ret < 0)
			snprintf(err, errlen, "rbd:%s: cannot grow it to %llu bytes: %s", spec,
				 (unsigned long long)size,
				 ret == -EROFS || ret == -EBUSY ? "in use by another client"
								: strerror(-ret));
		else
			fill_info(b.image, info);
	}
out:
	rbd_disconnect(&b);
	return ret < 0 ? ret : 0;
}

/* The clone steps on an open parent: snapshot, protect (clone format 1 needs it), clone. */
static int clone_at_snap(struct blk_rbd *b, const char *spec, const char *name, const char *snap,
			 const char *child, char *err, size_t errlen)
{
	rbd_image_options_t opts;
	int ret = rbd_snap_create(b->image, snap);

	if (ret < 0 && ret != -EEXIST) {
		snprintf(err, errlen, "rbd:%s: cannot take snapshot '%s': %s", spec, snap,
			 ret == -EROFS || ret == -EBUSY
			     ? "the image is in use by another client (a ringsan serving it, or a "
			       "VM): stop that one first"
			     : strerror(-ret));
		return ret;
	}
	ret = rbd_snap_protect(b->image, snap);
	if (ret < 0 && ret != -EBUSY) { /* -EBUSY: protected already */
		snprintf(err, errlen, "rbd:%s: cannot protect snapshot '%s': %s", spec, snap,
			 strerror(-ret));
		return ret;
	}
	rbd_image_options_create(&opts);
	ret = rbd_clone3(b->ioctx, name, snap, b->ioctx, child, opts);
	rbd_image_options_destroy(opts);
	if (ret < 0)
		snprintf(err, errlen, "rbd:%s: cannot clone snapshot '%s' to image '%s': %s%s",
			 spec, snap, child, strerror(-ret),
			 ret == -ENOSYS || ret == -EINVAL
			     ? " (the image needs the layering feature: rbd feature enable)"
			     : "");
	return ret;
}

int blk_rbd_clone(const char *spec, const char *snap, const char *child, char *err, size_t errlen)
{
	struct blk_rbd b = {0};
	char pool[RBD_POOL_MAX];
	const char *name;
	rbd_image_t existing;
	int ret = connect_spec(spec, &b, pool, &name, err, errlen);

	if (ret)
		return ret;
	if (rbd_open_read_only(b.ioctx, child, &existing, NULL) == 0) {
		rbd_close(existing);
		snprintf(err, errlen,
			 "image %s/%s exists already: pick another LUN name, or make a LUN of that "
			 "image with lun create NAME --backend rbd:%s/%s",
			 pool, child, pool, child);
		ret = -EEXIST;
		goto out;
	}
	ret = rbd_open(b.ioctx, name, &b.image, NULL);
	if (ret < 0) {
		b.image = NULL;
		snprintf(err, errlen, "rbd:%s: %s", spec,
			 ret == -ENOENT ? "no such image" : strerror(-ret));
		goto out;
	}
	ret = clone_at_snap(&b, spec, name, snap, child, err, errlen);
out:
	rbd_disconnect(&b);
	return ret < 0 ? ret : 0;
}
