/* lunfile_promote.c: reading a whole overlay map, checking it against the files, and promoting
 * an overlay into a new image (see lunfile.h). */
#include "common/lunfile_impl.h"
#include "common/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ovlmap.h"

#define PROMOTE_CHUNK (16u << 20) /* bytes per copy call: the progress granularity */

int lunfile_map_load(const struct lunfile *lf, struct ovlmap_header *h, uint8_t **entries,
		     char *err, size_t errlen)
{
	char path[PATH_MAX + 16], why[128];
	uint8_t *buf = NULL;
	struct stat st;
	int fd, ret = -EBADMSG;

	*entries = NULL;
	snprintf(path, sizeof(path), "%s/" OVLMAP_FILE, lf->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = -errno;
		snprintf(err, errlen, "LUN '%s': cannot open its overlay map %s: %s", lf->name,
			 path, strerror(errno));
		goto out_close;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > OVLMAP_HEADER_LEN + (OVLMAP_MAX_SIZE >> 16)) {
		snprintf(why, sizeof(why), "%lld bytes is too large", (long long)st.st_size);
		goto out_bad;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "LUN '%s': out of memory reading its map", lf->name);
		goto out_close;
	}
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		ret = -EIO;
		snprintf(err, errlen, "LUN '%s': cannot read %s", lf->name, path);
		goto out_close;
	}
	if (ovlmap_parse(buf, (size_t)st.st_size, h, why, sizeof(why)) != 0)
		goto out_bad;
	*entries = malloc(h->clusters ? h->clusters : 1);
	if (!*entries) {
		ret = -ENOMEM;
		goto out_close;
	}
	memcpy(*entries, buf + OVLMAP_HEADER_LEN, h->clusters);
	ret = 0;
	goto out_close;
out_bad:
	snprintf(err, errlen,
		 "LUN '%s': its overlay map %s is damaged (%s); nothing was changed: restore the "
		 "file from a backup, or `ringsan lun rm %s` and create the overlay again",
		 lf->name, path, why, lf->name);
out_close:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Bytes of data disk.img holds under clusters the map does not read from it. */
static uint64_t stray_bytes(int fd, const uint8_t *e, uint64_t clusters)
{
	uint64_t bytes = 0;
	off_t pos = 0, data, hole;

	while ((data = lseek(fd, pos, SEEK_DATA)) >= 0 &&
	       (hole = lseek(fd, data, SEEK_HOLE)) > data) {
		for (uint64_t c = (uint64_t)data >> OVLMAP_SHIFT;
		     c < clusters && (off_t)(c << OVLMAP_SHIFT) < hole; c++) {
			uint64_t a = c << OVLMAP_SHIFT, b = a + OVLMAP_CLUSTER;
			if (e[c] == OVLMAP_OVERLAY)
				continue;
			a = a > (uint64_t)data ? a : (uint64_t)data;
			b = b < (uint64_t)hole ? b : (uint64_t)hole;
			bytes += b - a;
		}
		pos = hole;
	}
	return bytes;
}

int lunfile_overlay_check(const char *data_dir, const char *name, struct lunfile_check *r,
			  char *err, size_t errlen)
{
	struct ovlmap_header h;
	struct lunfile lf, base;
	uint8_t *e = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = lunfile_open(data_dir, name, LUNFILE_NOLOCK, true, &lf, err, errlen);
	if (ret)
		return ret;
	if (!lunfile_is_overlay(&lf)) {
		snprintf(err, errlen, "LUN '%s' is not an overlay (it has no overlay map)", name);
		ret = -EINVAL;
		goto out_close;
	}
	ret = lunfile_map_load(&lf, &h, &e, err, errlen);
	if (ret)
		goto out_close;
	r->clusters = h.clusters;
	for (uint64_t c = 0; c < h.clusters; c++) {
		r->in_overlay += e[c] == OVLMAP_OVERLAY;
		r->zero += e[c] == OVLMAP_ZERO;
	}
	r->from_base = h.clusters - r->in_overlay - r->zero;
	r->stray_bytes = stray_bytes(lf.fd, e, h.clusters);
	ret = lunfile_open(data_dir, h.base, LUNFILE_NOLOCK, true, &base, err, errlen);
	if (ret) {
		snprintf(err, errlen, "overlay '%s': its base image '%s' is missing", name, h.base);
		ret = -ENOENT;
		goto out_close;
	}
	if (memcmp(base.uuid, h.base_uuid, 16) != 0 || base.size != h.size) {
		snprintf(
		    err, errlen,
		    "overlay '%s': image '%s' is not the base it was made on (identity or size "
		    "changed)",
		    name, h.base);
		ret = -EBADMSG;
	}
	lunfile_close(&base);
out_close:
	free(e);
	lunfile_close(&lf);
	return ret;
}

struct promote_job {
	int base_fd, ovl_fd, out;
	uint64_t done, total;
	lunfile_progress_fn *progress;
	void *arg;
};

/* Copies [off, off + len) of fd into the new image at the same offsets, data extents only. */
static int promote_copy(struct promote_job *j, int fd, uint64_t off, uint64_t len)
{
	static char buf[1 << 20];
	uint64_t end = off + len;

	while (off < end) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA);
		if (data < 0 || (uint64_t)data >= end)
			break;
		off_t hole = lseek(fd, data, SEEK_HOLE);
		uint64_t stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		for (uint64_t at = (uint64_t)data; at < stop;) {
			size_t n = stop - at < sizeof(buf) ? (size_t)(stop - at) : sizeof(buf);
			ssize_t r = pread(fd, buf, n, (off_t)at);
			if (r <= 0)
				return r == 0 ? -EIO : -errno;
			if (pwrite(j->out, buf, (size_t)r, (off_t)at) != r)
				return -errno;
			at += (uint64_t)r;
		}
		off = stop;
	}
	return 0;
}

/* Runs of equal entries, each copied from where it lives. */
static int promote_data(struct promote_job *j, const uint8_t *e, uint64_t clusters)
{
	for (uint64_t c = 0, next; c < clusters; c = next) {
		for (next = c + 1; next < clusters && e[next] == e[c] &&
				   ((next - c) << OVLMAP_SHIFT) < PROMOTE_CHUNK;
		     next++)
			;
		uint64_t off = c << OVLMAP_SHIFT, len = (next - c) << OVLMAP_SHIFT;
		if (off + len > j->total)
			len = j->total - off;
		int ret =
		    e[c] == OVLMAP_ZERO
			? 0
			: promote_copy(j, e[c] == OVLMAP_BASE ? j->base_fd : j->ovl_fd, off, len);
		if (ret)
			return ret;
		j->done = off + len;
		if (j->progress)
			j->progress(j->done, j->total, j->arg);
	}
	return 0;
}

static int promote_build(const char *data_dir, struct lunfile *ovl, struct lunfile *base,
			 const uint8_t *e, const char *newimage, const char *description,
			 struct promote_job *j, char *err, size_t errlen)
{
	struct lunfile_build b;
	int ret = lunfile_build_begin(&b, data_dir, newimage, err, errlen);

	if (!ret && ftruncate(b.disk_fd, (off_t)ovl->size) != 0)
		ret = -errno;
	if (!ret) {
		j->out = b.disk_fd;
		j->base_fd = base->fd;
		j->ovl_fd = ovl->fd;
		ret = promote_data(j, e, ovlmap_clusters(ovl->size));
		if (ret)
			snprintf(err, errlen, "cannot promote '%s' to '%s': %s", ovl->name,
				 newimage, strerror(-ret));
	}
	if (!ret)
		ret = lunfile_build_commit(&b, data_dir, newimage, ovl->block_size, description,
					   err, errlen);
	lunfile_build_end(&b);
	return ret;
}

int lunfile_promote(const char *data_dir, const char *overlay, const char *newimage,
		    const char *description, lunfile_progress_fn *progress, void *arg, char *err,
		    size_t errlen)
{
	struct promote_job j = {.progress = progress, .arg = arg};
	struct lunfile ovl, base, names;
	struct ovlmap_header h;
	char text[64], path[PATH_MAX + 16];
	uint8_t *e = NULL;
	int ret;

	ret = lunfile_paths(&names, data_dir, newimage, err, errlen);
	if (!ret && description)
		ret = lunfile_check_description(description, err, errlen);
	if (!ret)
		ret = lunfile_open(data_dir, overlay, LUNFILE_EXCLUSIVE, false, &ovl, err, errlen);
	if (ret)
		return ret;
	if (!lunfile_is_overlay(&ovl)) {
		snprintf(err, errlen, "LUN '%s' is not an overlay: `ringsan lun clone` copies it",
			 overlay);
		ret = -EINVAL;
		goto out_ovl;
	}
	ret = lunfile_map_load(&ovl, &h, &e, err, errlen);
	if (ret)
		goto out_ovl;
	ret = lunfile_open(data_dir, h.base, LUNFILE_NOLOCK, true, &base, err, errlen);
	if (ret)
		goto out_ovl;
	j.total = ovl.size;
	ret = promote_build(data_dir, &ovl, &base, e, newimage,
			    description ? description : base.description, &j, err, errlen);
	if (ret)
		goto out_base;
	/* The old image is superseded: overlays move on at their reset. */
	snprintf(text, sizeof(text), "%s\n", newimage);
	snprintf(path, sizeof(path), "%s/%s", base.dir, LUNFILE_SUCCESSOR);
	ret = atomicfile_write(path, text, strlen(text), 0644);
	if (ret) {
		snprintf(err, errlen,
			 "image '%s' was made, but '%s' could not name it as its "
			 "successor: %s",
			 newimage, base.name, strerror(-ret));
		goto out_base;
	}
	/* The promoted overlay holds exactly the new image: it moves there now. */
	ret = lunfile_reset_held(data_dir, &ovl, err, errlen);
out_base:
	lunfile_close(&base);
out_ovl:
	free(e);
	lunfile_close(&ovl);
	return ret;
}
