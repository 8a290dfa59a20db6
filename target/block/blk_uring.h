/* blk_uring.h: the io_uring block backend, one queue per worker loop. */
#ifndef RINGSAN_BLOCK_BLK_URING_H
#define RINGSAN_BLOCK_BLK_URING_H

#include "common/loop.h"
#include "target/block/blk.h"

struct blk_uring_queue {
	struct blk_queue q;
	struct loop *loop;
	uint64_t inflight;
};

void blk_uring_queue_init(struct blk_uring_queue *bq, struct loop *loop);

#endif
