/* blk_backend.c: see blk_backend.h. */
#include "target/block/blk_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifdef RINGSAN_HAVE_NBD
#include "target/block/blk_nbd.h"
#endif

static int unsupported(const char *spec, const char *lib, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "backend '%.64s': this ringsan was built without %.3s support (%s was missing "
		 "at build time): install %s-dev and build again",
		 spec, spec, lib, lib);
	return -ENOTSUP;
}

int blk_backend_open(const char *spec, const char *lun, uint64_t size, struct blk_backend **out,
		     struct blk_backend_info *info, char *err, size_t errlen)
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
	if (strncmp(spec, "rbd:", 4) == 0)
		return unsupported(spec, "librbd", err, errlen);
	snprintf(err, errlen, "backend '%.64s': unknown kind (nbd: or rbd:)", spec);
	return -EINVAL;
}

int blk_backend_probe(const char *spec, struct blk_backend_info *info, char *err, size_t errlen)
{
	struct blk_backend *be;
	int ret = blk_backend_open(spec, NULL, 0, &be, info, err, errlen);

	if (ret == 0)
		blk_backend_close(be);
	return ret;
}

void blk_backend_close(struct blk_backend *be)
{
	if (be)
		be->ops->close(be);
}

const char *blk_backend_kinds(void)
{
#ifdef RINGSAN_HAVE_NBD
	return "nbd";
#else
	return "";
#endif
}
