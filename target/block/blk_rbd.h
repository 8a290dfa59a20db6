/* blk_rbd.h: a LUN on a Ceph RBD image (librbd's asynchronous API).
 *
 * One cluster connection and one open image per LUN while it has sessions. Workers call
 * rbd_aio_* from submit (librbd queues them; nothing waits), and librbd's completion callback,
 * on one of its own threads, posts the request back to the worker that submitted it (blk.h
 * blk_post_fn: an eventfd the worker's io_uring loop reads).
 *
 * Mapping: READ/WRITE are rbd_aio_readv/writev; librbd's client cache is turned off
 * (rbd_cache = false), so an acknowledged write is in RADOS (committed by every replica) and
 * FUA needs nothing more; FLUSH is rbd_aio_flush; PUNCH is rbd_aio_write_zeroes (whole objects
 * are removed, partial ones zeroed: reads return zeroes, as LBPRZ promises); SEEK_* walk
 * rbd_diff_iterate2's allocated objects (this one waits: blk_uring runs it on its helper
 * thread). WRITE SAME and COMPARE AND WRITE are done by the SCSI layer with READ/WRITE under
 * its range lock, which is atomic because of the exclusive lock below.
 *
 * Exclusive lock: the image is opened with rbd_lock_acquire(EXCLUSIVE), which holds RBD's
 * exclusive lock and refuses to hand it over while the LUN has sessions, so a second node (or
 * any other librbd client) cannot write the image unknowingly: its open fails or its writes
 * are refused. An image without the exclusive-lock feature is refused. Opened with fence (a
 * shared LUN whose shared-dir lock this node holds), a lock held by another client is broken
 * instead, which blocklists that client (the node that served the LUN before and died).
 *
 * Outages: librados gives each operation half of [server] ceph_op_timeout (a request takes at
 * most two), so a request fails with -ETIMEDOUT instead of waiting for the cluster; a client
 * blocklisted by another node fails with -ENOTCONN. The first failure of an outage is logged,
 * and the first success after it. An image is closed on a thread of its own (closing talks to
 * the cluster), and an open of the same image waits for that close. */
#ifndef RINGSAN_BLOCK_BLK_RBD_H
#define RINGSAN_BLOCK_BLK_RBD_H

#include "target/block/blk_backend.h"

/* spec: "POOL/IMAGE". fence: see blk_backend_open. */
int blk_rbd_open(const char *spec, const char *lun, uint64_t size, bool fence,
		 struct blk_backend **out, struct blk_backend_info *info, char *err, size_t errlen);
/* For the CLI: image POOL/IMAGE exists with at least size bytes afterwards: created (size
 * must be given) when create is set and it is missing, grown when smaller. *info: the image. */
int blk_rbd_prepare(const char *spec, uint64_t size, bool create, struct blk_backend_info *info,
		    char *err, size_t errlen);
/* For the CLI: makes image POOL/CHILD a copy-on-write clone of spec's image at a new protected
 * snapshot snap (RBD layering): instant, the two share data until written. -EEXIST when CHILD
 * exists; the image must not be in use (its exclusive lock held elsewhere). */
int blk_rbd_clone(const char *spec, const char *snap, const char *child, char *err, size_t errlen);

#endif
