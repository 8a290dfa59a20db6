/* blk_ovl.h: the overlay block backend. An overlay LUN is two files: a read-only base (one open
 * file per base image, shared by every overlay of it in the process, so all of them read
 * through one page cache) and the overlay's own sparse disk.img + allocation map (ovlmap.h),
 * one state per 64 KiB cluster: from the base, in the overlay, zero.
 *
 * Requests run synchronously (blk_sync_execute) on a thread that may block: blk_uring hands them
 * to its helper thread, blk_sync runs them in place; only a READ that one file serves whole is
 * read by blk_uring directly from that file (blk_ovl_read_fd). The SCSI layer does not know.
 *
 * Write path: a write into a cluster the overlay does not hold writes the whole cluster (the
 * base's bytes, or zeroes for an unmapped one, merged with the new data), then marks it held in
 * memory. A flush (and a FUA write) fdatasyncs disk.img first, then writes the changed map pages
 * and fdatasyncs the map: the map never names a cluster whose data is not on stable storage.
 * UNMAP makes whole clusters "zero" (and punches them); partial clusters are punched in the
 * overlay's copy, so nothing of the base shows through again (LBPRZ). GET LBA STATUS sees the
 * base's holes under "from base" clusters, the overlay's under held ones, and zero clusters as
 * deallocated. */
#ifndef RINGSAN_BLOCK_BLK_OVL_H
#define RINGSAN_BLOCK_BLK_OVL_H

#include <stddef.h>
#include <stdint.h>

#include "common/lunfile.h"
#include "target/block/blk.h"

struct blk_ovl;

/* Opens the overlay side of lf (an overlay opened by lunfile_open; lf->fd is its disk.img and
 * stays lf's): its base in data_dir (checked: there, same identity and size) and its map
 * (checked whole). Changes nothing on disk. 0, or -errno with err naming the LUN and what to
 * do. */
int blk_ovl_open(const char *data_dir, const struct lunfile *lf, struct blk_ovl **out, char *err,
		 size_t errlen);
/* Persists the map (after an fdatasync) and frees; the base file closes with its last overlay. */
void blk_ovl_close(struct blk_ovl *o);

/* The requests, run by blk_sync_execute(): each returns what the completion of io carries (blk.h).
 * io->dev->ovl is the overlay; for COPY, io->src may be the overlay instead (or too). FLUSH is
 * blk_ovl_flush(). */
int64_t blk_ovl_rw(struct blk_io *io); /* READ or WRITE (FUA: flushed before it returns) */
int64_t blk_ovl_punch(struct blk_io *io);
int64_t blk_ovl_seek(struct blk_io *io); /* SEEK_DATA or SEEK_HOLE */
int64_t blk_ovl_copy(struct blk_io *io);
/* For a READ of [off, off + len) that one file serves whole (every cluster from the image, or
 * every cluster held by the overlay): that file's fd, so the caller may read it directly (an
 * io_uring read); -1 when the range mixes sources or holds zero clusters. */
int blk_ovl_read_fd(struct blk_ovl *o, uint64_t off, uint64_t len);
/* FLUSH: disk.img fdatasync, then the map. 0 or -errno. */
int blk_ovl_flush(struct blk_ovl *o);

/* Bytes of the overlay's clusters held in disk.img, for logs. */
uint64_t blk_ovl_held_bytes(struct blk_ovl *o);
/* The fd of the shared base file (tests: every overlay of one base has the same). */
int blk_ovl_base_fd(const struct blk_ovl *o);

#endif
