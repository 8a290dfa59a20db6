/* blk_ovl.c: the overlay backend (see blk_ovl.h). */
#include "target/block/blk_ovl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ovlmap.h"

#define MAP_PAGE 4096u /* map entries written per dirty page */

/* One open file per base image in the process, shared by its overlays. */
struct ovl_base {
	struct ovl_base *next;
	dev_t dev;
	ino_t ino;
	int fd;
	unsigned refs;
};

static pthread_mutex_t bases_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ovl_base *bases;

struct blk_ovl {
	struct ovl_base *base;
	int data_fd, map_fd;
	uint64_t size, clusters;
	char name[NAME_MAX_LEN + 1];
	pthread_mutex_t lock;	    /* state, dirty */
	pthread_mutex_t alloc_lock; /* one copy-up at a time */
	pthread_mutex_t flush_lock; /* one map write at a time */
	uint8_t *state;		    /* enum ovlmap_state per cluster, as served */
	uint8_t *dirty;		    /* per map page: changed since the last flush */
	uint64_t pages;
};

/* Registers base_fd (taking it over) or returns the shared file of the same inode. */
static struct ovl_base *base_get(int fd)
{
	struct ovl_base *b;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return NULL;
	pthread_mutex_lock(&bases_lock);
	for (b = bases; b; b = b->next)
		if (b->dev == st.st_dev && b->ino == st.st_ino)
			break;
	if (b) {
		b->refs++;
		close(fd);
	} else if ((b = calloc(1, sizeof(*b)))) {
		b->dev = st.st_dev;
		b->ino = st.st_ino;
		b->fd = fd;
		b->refs = 1;
		b->next = bases;
		bases = b;
	}
	pthread_mutex_unlock(&bases_lock);
	return b;
}

static void base_put(struct ovl_base *b)
{
	pthread_mutex_lock(&bases_lock);
	if (--b->refs == 0) {
		for (struct ovl_base **pp = &bases; *pp; pp = &(*pp)->next) {
			if (*pp == b) {
				*pp = b->next;
				break;
			}
		}
		close(b->fd);
		free(b);
	}
	pthread_mutex_unlock(&bases_lock);
}

static int ovl_open_base(const char *data_dir, const struct lunfile *lf, struct blk_ovl *o,
			 char *err, size_t errlen)
{
	struct lunfile base;
	char why[512];
	int ret = lunfile_open(data_dir, lf->base, LUNFILE_NOLOCK, true, &base, why, sizeof(why));

	if (ret) {
		snprintf(err, errlen,
			 "LUN '%s' is an overlay of image '%s', which %s: restore the image, or "
			 "remove the overlay (ringsan lun rm %s)",
			 lf->name, lf->base, ret == -ENOENT ? "is missing" : "cannot be opened",
			 lf->name);
		return ret;
	}
	if (memcmp(base.uuid, lf->base_uuid, 16) != 0 || base.size != lf->size ||
	    lunfile_is_overlay(&base)) {
		snprintf(err, errlen,
			 "LUN '%s' is an overlay of image '%s', but that image is not the one it "
			 "was made on (another identity or size): not served; restore the image",
			 lf->name, lf->base);
		lunfile_close(&base);
		return -ESTALE;
	}
	o->base = base_get(base.fd);
	base.fd = -1;
	if (!o->base) {
		snprintf(err, errlen, "LUN '%s': out of memory", lf->name);
		return -ENOMEM;
	}
	return 0;
}

int blk_ovl_open(const char *data_dir, const struct lunfile *lf, struct blk_ovl **out, char *err,
		 size_t errlen)
{
	struct ovlmap_header h;
	char path[PATH_MAX + 16];
	struct blk_ovl *o = calloc(1, sizeof(*o));
	int ret, flags = fcntl(lf->fd, F_GETFL);

	if (!o)
		return -ENOMEM;
	o->map_fd = -1;
	o->data_fd = lf->fd;
	snprintf(o->name, sizeof(o->name), "%s", lf->name);
	ret = lunfile_map_load(lf, &h, &o->state, err, errlen);
	if (ret)
		goto out_free;
	if (strcmp(h.base, lf->base) != 0 || h.size != lf->size) {
		snprintf(err, errlen, "LUN '%s': its overlay map changed while it was opened",
			 lf->name);
		ret = -ESTALE;
		goto out_free;
	}
	o->size = h.size;
	o->clusters = h.clusters;
	o->pages = (o->clusters + MAP_PAGE - 1) / MAP_PAGE;
	o->dirty = calloc(o->pages ? o->pages : 1, 1);
	snprintf(path, sizeof(path), "%s/" OVLMAP_FILE, lf->dir);
	o->map_fd = open(path, ((flags & O_ACCMODE) == O_RDONLY ? O_RDONLY : O_RDWR) | O_CLOEXEC |
				   O_NOFOLLOW);
	if (!o->dirty || o->map_fd < 0) {
		ret = o->dirty ? -errno : -ENOMEM;
		snprintf(err, errlen, "LUN '%s': cannot open %s: %s", lf->name, path,
			 strerror(-ret));
		goto out_free;
	}
	ret = ovl_open_base(data_dir, lf, o, err, errlen);
	if (ret)
		goto out_free;
	pthread_mutex_init(&o->lock, NULL);
	pthread_mutex_init(&o->alloc_lock, NULL);
	pthread_mutex_init(&o->flush_lock, NULL);
	*out = o;
	return 0;
out_free:
	if (o->map_fd >= 0)
		close(o->map_fd);
	free(o->dirty);
	free(o->state);
	free(o);
	return ret;
}

void blk_ovl_close(struct blk_ovl *o)
{
	if (!o)
		return;
	blk_ovl_flush(o);
	base_put(o->base);
	close(o->map_fd);
	pthread_mutex_destroy(&o->lock);
	pthread_mutex_destroy(&o->alloc_lock);
	pthread_mutex_destroy(&o->flush_lock);
	free(o->dirty);
	free(o->state);
	free(o);
}

int blk_ovl_base_fd(const struct blk_ovl *o)
{
	return o->base->fd;
}

uint64_t blk_ovl_held_bytes(struct blk_ovl *o)
{
	uint64_t n = 0;

	pthread_mutex_lock(&o->lock);
	for (uint64_t c = 0; c < o->clusters; c++)
		n += o->state[c] == OVLMAP_OVERLAY;
	pthread_mutex_unlock(&o->lock);
	return n << OVLMAP_SHIFT;
}

static uint8_t state_get(struct blk_ovl *o, uint64_t c)
{
	pthread_mutex_lock(&o->lock);
	uint8_t s = o->state[c];
	pthread_mutex_unlock(&o->lock);
	return s;
}

static void state_set(struct blk_ovl *o, uint64_t c, uint8_t s)
{
	pthread_mutex_lock(&o->lock);
	if (o->state[c] != s) {
		o->state[c] = s;
		o->dirty[c / MAP_PAGE] = 1;
	}
	pthread_mutex_unlock(&o->lock);
}

int blk_ovl_read_fd(struct blk_ovl *o, uint64_t off, uint64_t len)
{
	uint64_t first = off >> OVLMAP_SHIFT, last;
	uint8_t s;

	if (!len || off >= o->size || len > o->size - off)
		return -1;
	last = (off + len - 1) >> OVLMAP_SHIFT;
	pthread_mutex_lock(&o->lock);
	s = o->state[first];
	for (uint64_t c = first + 1; c <= last && s != OVLMAP_ZERO; c++)
		if (o->state[c] != s)
			s = OVLMAP_ZERO;
	pthread_mutex_unlock(&o->lock);
	return s == OVLMAP_BASE ? o->base->fd : s == OVLMAP_OVERLAY ? o->data_fd : -1;
}

/* pread of all len bytes; what lies past the end of the file reads as zeroes. */
static int read_full(int fd, uint8_t *buf, uint64_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(buf, 0, len);
			return 0;
		}
		buf += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static int write_full(int fd, const uint8_t *buf, uint64_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static uint64_t cluster_end(const struct blk_ovl *o, uint64_t c)
{
	uint64_t end = (c + 1) << OVLMAP_SHIFT;
	return end < o->size ? end : o->size;
}

/* Reads [off, off + len) into buf, run by run of equal states. */
static int ovl_read(struct blk_ovl *o, uint8_t *buf, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	while (off < end) {
		uint64_t c = off >> OVLMAP_SHIFT, stop = cluster_end(o, c);
		uint8_t s = state_get(o, c);
		while (stop < end && state_get(o, stop >> OVLMAP_SHIFT) == s)
			stop = cluster_end(o, stop >> OVLMAP_SHIFT);
		if (stop > end)
			stop = end;
		int ret = 0;
		if (s == OVLMAP_ZERO)
			memset(buf, 0, stop - off);
		else
			ret = read_full(s == OVLMAP_BASE ? o->base->fd : o->data_fd, buf,
					stop - off, off);
		if (ret)
			return ret;
		buf += stop - off;
		off = stop;
	}
	return 0;
}

/* Makes cluster c the overlay's: writes all of it (the base's bytes or zeroes, with
 * [off, off + len) from data merged in; data NULL = keep), then marks it held. */
static int ovl_copy_up(struct blk_ovl *o, uint64_t c, const uint8_t *data, uint64_t off,
		       uint64_t len)
{
	uint64_t start = c << OVLMAP_SHIFT, clen = cluster_end(o, c) - start;
	uint8_t *buf = NULL;
	int ret = 0;

	pthread_mutex_lock(&o->alloc_lock);
	uint8_t s = state_get(o, c);
	if (s == OVLMAP_OVERLAY) { /* someone else did it meanwhile */
		if (data)
			ret = write_full(o->data_fd, data, len, off);
		goto out_unlock;
	}
	if (data && off == start && len == clen) {
		ret = write_full(o->data_fd, data, len, off);
	} else {
		buf = malloc(clen);
		if (!buf) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		if (s == OVLMAP_BASE)
			ret = read_full(o->base->fd, buf, clen, start);
		else
			memset(buf, 0, clen);
		if (!ret && data)
			memcpy(buf + (off - start), data, len);
		if (!ret)
			ret = write_full(o->data_fd, buf, clen, start);
	}
	if (!ret)
		state_set(o, c, OVLMAP_OVERLAY);
out_unlock:
	pthread_mutex_unlock(&o->alloc_lock);
	free(buf);
	return ret;
}

static int ovl_write(struct blk_ovl *o, const uint8_t *buf, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	while (off < end) {
		uint64_t c = off >> OVLMAP_SHIFT, stop = cluster_end(o, c);
		if (stop > end)
			stop = end;
		int ret = state_get(o, c) == OVLMAP_OVERLAY
			      ? write_full(o->data_fd, buf, stop - off, off)
			      : ovl_copy_up(o, c, buf, off, stop - off);
		if (ret)
			return ret;
		buf += stop - off;
		off = stop;
	}
	return 0;
}

static int punch(int fd, uint64_t off, uint64_t len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) != 0)
		return -errno;
	return 0;
}

/* Deallocates [off, off + len): whole clusters become zero; in a partial one the overlay's copy
 * gets a hole (made first from the base if the overlay did not hold it). */
static int ovl_unmap(struct blk_ovl *o, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;

	while (off < end) {
		uint64_t c = off >> OVLMAP_SHIFT, start = c << OVLMAP_SHIFT;
		uint64_t stop = cluster_end(o, c);
		int ret = 0;
		if (off == start && stop <= end) {
			/* Not in the middle of a copy-up of the cluster (it would mark it held
			 * after this, with the image's bytes around its data). */
			pthread_mutex_lock(&o->alloc_lock);
			state_set(o, c, OVLMAP_ZERO);
			ret = punch(o->data_fd, start, stop - start);
			pthread_mutex_unlock(&o->alloc_lock);
		} else {
			if (stop > end)
				stop = end;
			uint8_t s = state_get(o, c);
			if (s == OVLMAP_BASE)
				ret = ovl_copy_up(o, c, NULL, 0, 0);
			if (!ret && s != OVLMAP_ZERO)
				ret = punch(o->data_fd, off, stop - off);
		}
		if (ret)
			return ret;
		off = stop;
	}
	return 0;
}

/* SEEK_DATA / SEEK_HOLE over the clusters' sources. */
static int64_t ovl_seek(struct blk_ovl *o, uint64_t off, bool data)
{
	while (off < o->size) {
		uint64_t c = off >> OVLMAP_SHIFT, stop = cluster_end(o, c);
		uint8_t s = state_get(o, c);
		while (stop < o->size && state_get(o, stop >> OVLMAP_SHIFT) == s)
			stop = cluster_end(o, stop >> OVLMAP_SHIFT);
		if (s == OVLMAP_ZERO) {
			if (!data)
				return (int64_t)off;
		} else {
			int fd = s == OVLMAP_BASE ? o->base->fd : o->data_fd;
			off_t r = lseek(fd, (off_t)off, data ? SEEK_DATA : SEEK_HOLE);
			if (r < 0 && errno != ENXIO)
				return -errno;
			if (r < 0 && !data)
				return (int64_t)off;
			if (r >= 0 && (uint64_t)r < stop)
				return r;
		}
		off = stop;
	}
	return (int64_t)o->size;
}

int blk_ovl_flush(struct blk_ovl *o)
{
	uint8_t *snap = NULL;
	uint64_t *idx = NULL, n = 0;
	int ret = 0;

	pthread_mutex_lock(&o->flush_lock);
	pthread_mutex_lock(&o->lock);
	for (uint64_t p = 0; p < o->pages; p++)
		n += o->dirty[p];
	if (n) {
		snap = malloc(n * MAP_PAGE);
		idx = malloc(n * sizeof(*idx));
	}
	if (n && (!snap || !idx)) {
		ret = -ENOMEM;
		n = 0;
	}
	for (uint64_t p = 0, i = 0; p < o->pages && i < n; p++) {
		if (!o->dirty[p])
			continue;
		uint64_t first = p * MAP_PAGE, cnt = o->clusters - first;
		memcpy(snap + i * MAP_PAGE, o->state + first, cnt < MAP_PAGE ? cnt : MAP_PAGE);
		o->dirty[p] = 0;
		idx[i++] = p;
	}
	pthread_mutex_unlock(&o->lock);
	/* Data first: every cluster the snapshot calls held was written before it was taken. */
	if (!ret && fdatasync(o->data_fd) != 0)
		ret = -errno;
	for (uint64_t i = 0; !ret && i < n; i++) {
		uint64_t first = idx[i] * MAP_PAGE, cnt = o->clusters - first;
		ret = write_full(o->map_fd, snap + i * MAP_PAGE, cnt < MAP_PAGE ? cnt : MAP_PAGE,
				 OVLMAP_HEADER_LEN + first);
	}
	if (!ret && n && fdatasync(o->map_fd) != 0)
		ret = -errno;
	if (ret) { /* try again at the next flush */
		pthread_mutex_lock(&o->lock);
		for (uint64_t i = 0; i < n; i++)
			o->dirty[idx[i]] = 1;
		pthread_mutex_unlock(&o->lock);
	}
	pthread_mutex_unlock(&o->flush_lock);
	free(snap);
	free(idx);
	return ret;
}

static void iov_gather(const struct blk_io *io, uint8_t *buf)
{
	for (unsigned i = 0; i < io->iov_cnt; i++) {
		memcpy(buf, io->iov[i].iov_base, io->iov[i].iov_len);
		buf += io->iov[i].iov_len;
	}
}

static void iov_scatter(const struct blk_io *io, const uint8_t *buf)
{
	for (unsigned i = 0; i < io->iov_cnt; i++) {
		memcpy(io->iov[i].iov_base, buf, io->iov[i].iov_len);
		buf += io->iov[i].iov_len;
	}
}

int64_t blk_ovl_rw(struct blk_io *io)
{
	struct blk_ovl *o = io->dev->ovl;
	uint8_t *buf;
	int ret;

	if (io->off > o->size || io->len > o->size - io->off)
		return -EINVAL;
	buf = malloc(io->len ? io->len : 1);
	if (!buf)
		return -ENOMEM;
	if (io->op == BLK_READ) {
		ret = ovl_read(o, buf, io->off, io->len);
		if (!ret)
			iov_scatter(io, buf);
	} else {
		iov_gather(io, buf);
		ret = ovl_write(o, buf, io->off, io->len);
		if (!ret && (io->flags & BLK_F_FUA))
			ret = blk_ovl_flush(o);
	}
	free(buf);
	return ret ? ret : (int64_t)io->len;
}

/* One side of a COPY: a plain LUN file or an overlay. */
static int copy_side(struct blk_dev *dev, enum blk_op op, uint8_t *buf, uint64_t off, uint64_t len)
{
	struct blk_io io = {.op = op, .dev = dev, .off = off};

	blk_io_set_buf(&io, buf, len);
	if (dev->ovl) {
		int64_t r = blk_ovl_rw(&io);
		return r < 0 ? (int)r : 0;
	}
	if (op == BLK_READ)
		return read_full(dev->fd, buf, len, off);
	return write_full(dev->fd, buf, len, off);
}

int64_t blk_ovl_copy(struct blk_io *io)
{
	const uint64_t chunk = 1u << 20;
	uint8_t *buf = malloc(chunk);
	uint64_t done = 0;
	int ret = buf ? 0 : -ENOMEM;

	while (!ret && done < io->len) {
		uint64_t n = io->len - done < chunk ? io->len - done : chunk;
		ret = copy_side(io->src, BLK_READ, buf, io->src_off + done, n);
		if (!ret)
			ret = copy_side(io->dev, BLK_WRITE, buf, io->off + done, n);
		done += n;
	}
	free(buf);
	return ret ? ret : (int64_t)io->len;
}

int64_t blk_ovl_punch(struct blk_io *io)
{
	struct blk_ovl *o = io->dev->ovl;
	if (io->off > o->size || io->len > o->size - io->off)
		return -EINVAL;
	return ovl_unmap(o, io->off, io->len);
}

int64_t blk_ovl_seek(struct blk_io *io)
{
	return ovl_seek(io->dev->ovl, io->off, io->op == BLK_SEEK_DATA);
}
