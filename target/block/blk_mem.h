/* blk_mem.h: the in-memory block backend for tests and fuzzing. The disk is dev->mem (dev->size
 * bytes, zeroed at creation). Submitted requests wait in a FIFO until blk_mem_run() completes
 * them in submission order, so completion never happens inside submit (blk.h's contract).
 *
 * Holes: a 4 KiB-aligned block of zeroes counts as a hole for BLK_SEEK_DATA / BLK_SEEK_HOLE, the
 * way a sparse file reads back after PUNCH_HOLE. */
#ifndef RINGSAN_BLOCK_BLK_MEM_H
#define RINGSAN_BLOCK_BLK_MEM_H

#include <stdint.h>

#include "target/block/blk.h"

#define BLK_MEM_HOLE_GRAIN 4096u

struct blk_mem_queue {
	struct blk_queue q;	    /* first: blk_submit() works on &mq->q */
	struct blk_io *head, *tail; /* pending, linked through io->backend_priv[0] */
	/* Fault injection: the next fail_count requests (any op) complete with fail_res (-errno)
	 * instead of running. */
	int64_t fail_res;
	unsigned fail_count;
	/* Statistics for tests. */
	unsigned submitted, completed, flushes, fua_writes;
};

/* A memory disk of size bytes; fd is -1. Returns 0 or -ENOMEM. */
int blk_mem_dev_init(struct blk_dev *dev, uint64_t size, uint32_t block_size);
/* Grow or shrink the disk (new bytes read as zeroes). Returns 0 or -ENOMEM. */
int blk_mem_dev_resize(struct blk_dev *dev, uint64_t size);
void blk_mem_dev_fini(struct blk_dev *dev);

void blk_mem_queue_init(struct blk_mem_queue *mq);
/* The next `count` requests complete with res (a negative errno such as -EIO or -ENOSPC). */
void blk_mem_fail_next(struct blk_mem_queue *mq, int64_t res, unsigned count);
/* Completes every pending request in submission order, including ones submitted by completion
 * callbacks while it runs. Returns how many completed. */
unsigned blk_mem_run(struct blk_mem_queue *mq);
/* Runs one request synchronously (no queue): for a test transport that streams Data-In/Data-Out
 * itself. Sets io->res and does not call io->done. */
void blk_mem_execute(struct blk_io *io);

#endif
