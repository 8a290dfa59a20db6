/* blk_rbd.c: see blk_rbd.h. */
#include "target/block/blk_rbd.h"

#include <errno.h>
#include <limits.h>
#include <rados/librados.h>
#include <rbd/features.h>
#include <rbd/librbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lunfile.h"

#define RBD_POOL_MAX 128

struct blk_rbd {
	struct blk_backend be;
	rados_t cluster;
	rados_ioctx_t ioctx;
	rbd_image_t image;
	uint64_t size; /* bytes served */
};

/* A request's state while librbd holds it (blk_io.remote_priv). */
struct rbd_req {
	blk_post_fn *post;
	void *ctx;
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

static void rbd_done(rbd_completion_t c, void *arg)
{
	struct blk_io *io = arg;
	struct rbd_req *r = req_of(io);
	ssize_t ret = rbd_aio_get_return_value(c);

	rbd_aio_release(c);
	if (ret < 0)
		r->post(r->ctx, io, ret == -EROFS ? -EROFS : -EIO);
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

static int64_t rbd_seek(struct blk_rbd *b, const struct blk_io *io)
{
	struct seek_walk w = {.pos = io->off, .found = -1, .want_data = io->op == BLK_SEEK_DATA};

	if (io->off >= b->size)
		return (int64_t)b->size;
	int ret =
	    rbd_diff_iterate2(b->image, NULL, io->off, b->size - io->off, 1, 1, seek_extent, &w);
	if (ret < 0 && ret != -EEXIST)
		return -EIO;
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
		post(ctx, io, ret == -EROFS ? -EROFS : -EIO);
	}
}

static void rbd_free(struct blk_rbd *b)
{
	if (b->image)
		rbd_close(b->image); /* releases the exclusive lock */
	if (b->ioctx)
		rados_ioctx_destroy(b->ioctx);
	if (b->cluster)
		rados_shutdown(b->cluster);
	free(b);
}

static void rbd_backend_close(struct blk_backend *be)
{
	rbd_free((struct blk_rbd *)(void *)be);
}

static const struct blk_backend_ops rbd_ops = {
    .kind = "rbd",
    .submit = rbd_submit,
    .close = rbd_backend_close,
};

/* Opens the image of spec and fills info; err names lun (or the spec). */
static int open_image(const char *spec, struct blk_rbd *b, struct blk_backend_info *info, char *err,
		      size_t errlen)
{
	char pool[RBD_POOL_MAX], why[1024];
	const char *name;
	int ret = split_spec(spec, pool, &name, err, errlen);

	if (ret)
		return ret;
	ret = connect_pool(pool, &b->cluster, &b->ioctx, why, sizeof(why));
	if (ret) {
		b->cluster = NULL;
		snprintf(err, errlen, "rbd:%.200s: %s", spec, why);
		return ret;
	}
	ret = rbd_open(b->ioctx, name, &b->image, NULL);
	if (ret < 0) {
		b->image = NULL;
		snprintf(err, errlen, "rbd:%s: %s", spec,
			 ret == -ENOENT ? "no such image (rbd ls shows the pool's images)"
					: strerror(-ret));
		return ret;
	}
	fill_info(b->image, info);
	return 0;
}

int blk_rbd_open(const char *spec, const char *lun, uint64_t size, struct blk_backend **out,
		 struct blk_backend_info *info, char *err, size_t errlen)
{
	struct blk_rbd *b = calloc(1, sizeof(*b));
	char why[1536];
	int ret;

	if (!b)
		return -ENOMEM;
	b->be.ops = &rbd_ops;
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
	ret = rbd_lock_acquire(b->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (ret < 0) {
		snprintf(why, sizeof(why), "rbd:%s: cannot take its exclusive lock: %s", spec,
			 ret == -EINVAL ? "the image lacks the exclusive-lock feature (rbd feature "
					  "enable POOL/IMAGE exclusive-lock)"
			 : ret == -EROFS || ret == -EBUSY
			     ? "another client holds it (another ringsan node, or a VM): stop that "
			       "one first"
			     : strerror(-ret));
		goto out_free;
	}
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
	char pool[RBD_POOL_MAX], why[1024];
	const char *name;
	int order = 0, ret = split_spec(spec, pool, &name, err, errlen);

	if (ret)
		return ret;
	ret = connect_pool(pool, &b.cluster, &b.ioctx, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "rbd:%.200s: %s", spec, why);
		return ret;
	}
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
	if (b.image)
		rbd_close(b.image);
	rados_ioctx_destroy(b.ioctx);
	rados_shutdown(b.cluster);
	return ret < 0 ? ret : 0;
}
