/* blk_nbd.h: a LUN on an NBD export (the NBD protocol, through libnbd's asynchronous API).
 *
 * One connection per LUN, driven by one thread of its own: it takes the workers' requests from
 * a queue (woken by an eventfd), issues them as NBD commands (nbd_aio_*), polls the socket and
 * posts each request's completion back to the worker that submitted it (blk.h blk_post_fn), so
 * a worker never waits on the network. A request larger than the server's maximum, or spread
 * over several buffers, is several commands.
 *
 * Mapping (NBD protocol, "Request types"): READ/WRITE are NBD_CMD_READ/WRITE; FUA is
 * NBD_CMD_FLAG_FUA when the server takes it, else the write is followed by NBD_CMD_FLUSH;
 * FLUSH is NBD_CMD_FLUSH (nothing when the server has no cache to flush); PUNCH is
 * NBD_CMD_WRITE_ZEROES without NO_HOLE (the server may deallocate; reads return zeroes), or
 * plain writes of zeroes when the server lacks it; SEEK_* report everything as data.
 *
 * When the server goes away, libnbd fails the commands in flight: their requests complete with
 * an error (-ENOTCONN when libnbd says the connection is gone: ABORTED COMMAND, which initiators
 * retry; never a hang). The next request reconnects (at most one attempt a second; requests
 * meanwhile fail at once with -ENOTCONN), and the LUN goes
 * on where it was if the export is still there with at least the LUN's size. */
#ifndef RINGSAN_BLOCK_BLK_NBD_H
#define RINGSAN_BLOCK_BLK_NBD_H

#include "target/block/blk_backend.h"

/* uri: nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH (libnbd's URI forms). */
int blk_nbd_open(const char *uri, const char *lun, uint64_t size, struct blk_backend **out,
		 struct blk_backend_info *info, char *err, size_t errlen);

#endif
