/* blk_backend.c: see blk_backend.h. */
#include "target/block/blk_backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#ifdef RINGSAN_HAVE_NBD
#include "target/block/blk_nbd.h"
#endif
#ifdef RINGSAN_HAVE_RBD
#include "target/block/blk_rbd.h"
#endif

static _Atomic uint32_t nbd_timeout_ms = 20000;

void blk_backend_set_nbd_timeout(uint32_t ms)
{
	atomic_store_explicit(&nbd_timeout_ms, ms, memory_order_relaxed);
}

uint32_t blk_backend_nbd_timeout(void)
{
	return atomic_load_explicit(&nbd_timeout_ms, memory_order_relaxed);
}

static pthread_mutex_t ceph_lock = PTHREAD_MUTEX_INITIALIZER;
static struct blk_ceph_env ceph_env = {"/etc/ceph/ceph.conf", "admin", "", 20};

void blk_backend_set_ceph(const char *conf, const char *user, const char *keyring,
			  unsigned op_timeout)
{
	pthread_mutex_lock(&ceph_lock);
	snprintf(ceph_env.conf, sizeof(ceph_env.conf), "%s", conf);
	snprintf(ceph_env.user, sizeof(ceph_env.user), "%s", user);
	snprintf(ceph_env.keyring, sizeof(ceph_env.keyring), "%s", keyring);
	ceph_env.op_timeout = op_timeout;
	pthread_mutex_unlock(&ceph_lock);
}

void blk_backend_get_ceph(struct blk_ceph_env *out)
{
	pthread_mutex_lock(&ceph_lock);
	*out = ceph_env;
	pthread_mutex_unlock(&ceph_lock);
}

__attribute__((unused)) static int unsupported(const char *spec, const char *lib, char *err,
					       size_t errlen)
{
	snprintf(err, errlen,
		 "backend '%.64s': this ringsan was built without %.3s support (%s was missing "
		 "at build time): install %s-dev and build again",
		 spec, spec, lib, lib);
	return -ENOTSUP;
}

int blk_backend_open(const char *spec, const char *lun, uint64_t size, bool fence,
		     struct blk_backend **out, struct blk_backend_info *info, char *err,
		     size_t errlen)
{
	memset(info, 0, sizeof(*info));
	*out = NULL;
	if (strncmp(spec, "nbd:", 4) == 0) {
#ifdef RINGSAN_HAVE_NBD
		return blk_nbd_open(spec + 4, lun, size, out, info, err, errlen);
#else
		(void)lun;
		(void)size;
		return unsupported(spec, "libnbd", err, errlen);
#endif
	}
	if (strncmp(spec, "rbd:", 4) == 0) {
#ifdef RINGSAN_HAVE_RBD
		return blk_rbd_open(spec + 4, lun, size, fence, out, info, err, errlen);
#else
		(void)fence;
		return unsupported(spec, "librbd", err, errlen);
#endif
	}
	snprintf(err, errlen, "backend '%.64s': unknown kind (nbd: or rbd:)", spec);
	return -EINVAL;
}

int blk_backend_prepare(const char *spec, uint64_t size, bool create, struct blk_backend_info *info,
			char *err, size_t errlen)
{
	struct blk_backend *be;
	int ret;

	if (strncmp(spec, "rbd:", 4) == 0) {
#ifdef RINGSAN_HAVE_RBD
		return blk_rbd_prepare(spec + 4, size, create, info, err, errlen);
#else
		(void)create;
		return unsupported(spec, "librbd", err, errlen);
#endif
	}
	ret = blk_backend_open(spec, NULL, 0, false, &be, info, err, errlen);
	if (ret)
		return ret;
	blk_backend_close(be);
	if (size > info->size) {
		snprintf(err, errlen,
			 "%.200s holds %llu bytes, fewer than %llu: give a size that fits, or grow "
			 "it first",
			 spec, (unsigned long long)info->size, (unsigned long long)size);
		return -EFBIG;
	}
	return 0;
}

int blk_backend_clone(const char *spec, const char *snap, const char *child, char *new_spec,
		      size_t new_len, char *err, size_t errlen)
{
	if (strncmp(spec, "rbd:", 4) != 0) {
		snprintf(
		    err, errlen,
		    "%.200s is an NBD export, which has no snapshots to clone from: copy the "
		    "export with its server's tools (qemu-img convert, nbdcopy) and make a LUN "
		    "of the copy with lun create --backend",
		    spec);
		return -EOPNOTSUPP;
	}
#ifdef RINGSAN_HAVE_RBD
	const char *slash = strchr(spec + 4, '/');
	int ret = blk_rbd_clone(spec + 4, snap, child, err, errlen);

	if (!ret)
		snprintf(new_spec, new_len, "rbd:%.*s/%s", slash ? (int)(slash - spec - 4) : 0,
			 spec + 4, child);
	return ret;
#else
	(void)snap;
	(void)child;
	(void)new_spec;
	(void)new_len;
	return unsupported(spec, "librbd", err, errlen);
#endif
}

void blk_backend_close(struct blk_backend *be)
{
	if (be)
		be->ops->close(be);
}

const char *blk_backend_kinds(void)
{
#if defined(RINGSAN_HAVE_NBD) && defined(RINGSAN_HAVE_RBD)
	return "nbd rbd";
#elif defined(RINGSAN_HAVE_NBD)
	return "nbd";
#elif defined(RINGSAN_HAVE_RBD)
	return "rbd";
#else
	return "";
#endif
}
