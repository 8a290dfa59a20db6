/* blk_sync.h: block requests run synchronously on the calling thread, with plain system calls,
 * for threads that may block (the LU's background job, sanitize) and for the requests io_uring
 * has no opcode for (SEEK_DATA / SEEK_HOLE, COPY), which blk_uring.c runs at submission. */
#ifndef RINGSAN_BLOCK_BLK_SYNC_H
#define RINGSAN_BLOCK_BLK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "target/block/blk.h"

/* Runs io on io->dev->fd and returns what its completion would carry (blk.h: len, 0, the offset
 * found, or -errno); also sets io->res. Never calls io->done. READ/WRITE are retried on short
 * transfers and EINTR; FUA writes use RWF_DSYNC. */
int64_t blk_sync_execute(struct blk_io *io);
/* Whether io goes to a backend LUN (blk.h struct blk_backend): its device or a COPY's source;
 * blk_sync_execute then waits for the backend's completion (a COPY goes through a bounce
 * buffer). */
bool blk_sync_is_remote(const struct blk_io *io);
/* Whether io goes to the overlay backend (its device, or a COPY's source, is an overlay). */
bool blk_sync_is_overlay(const struct blk_io *io);
/* fdatasync of a device as a whole (an overlay's map too): 0 or -errno. */
int blk_sync_flush(struct blk_dev *dev);

#endif
