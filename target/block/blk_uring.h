/* blk_uring.h: the io_uring block backend, one queue per worker loop. */
#ifndef RINGSAN_BLOCK_BLK_URING_H
#define RINGSAN_BLOCK_BLK_URING_H

#include "common/loop.h"
#include "target/block/blk.h"

struct blk_offload;

struct blk_uring_queue {
	struct blk_queue q;
	struct loop *loop;
	uint64_t inflight;
	/* SEEK_DATA / SEEK_HOLE and COPY have no io_uring opcode: they run on a helper thread of
	 * the queue's (started at the first one), so a long copy_file_range never stalls the
	 * loop; their completions come back through an eventfd the loop reads. NULL until then,
	 * or when the thread cannot be started (they then run at submission, as before). */
	struct blk_offload *off;
	/* Buffered writes run inline on the worker (blk_uring.c); after one that took long (the
	 * kernel throttling dirty pages, a journal commit) they go through io_uring again until
	 * this time (clock_mono_ns), so a stalled file system does not stall the loop. */
	uint64_t punt_until_ns;
	/* The worker's voluntary context switches (it slept) as of the start of loop turn
	 * sleeps_turn: one getrusage per turn instead of two per write. */
	uint64_t sleeps_turn;
	long sleeps_base;
};

void blk_uring_queue_init(struct blk_uring_queue *bq, struct loop *loop);
/* Stops the helper thread; after loop_fini(), with nothing in flight. */
void blk_uring_queue_fini(struct blk_uring_queue *bq);

#endif
