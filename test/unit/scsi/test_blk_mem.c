/* test_blk_mem.c: the in-memory backend: ordering, never completing inside submit, every op,
 * holes at 4 KiB grain, fault injection. */
#include <errno.h>
#include <stdlib.h>

#include "target/block/blk_mem.h"
#include "test/unit/check.h"

static unsigned order[8], done_count;

static void on_done(struct blk_io *io)
{
	order[done_count++ % 8] = (unsigned)(uintptr_t)io->owner;
}

static struct blk_dev dev, src;
static struct blk_mem_queue mq;
static struct blk_io io[4];

static void test_queue(void)
{
	uint8_t buf[8192];
	CHECK_EQ(blk_mem_dev_init(&dev, 64 * 1024, 512), 0);
	CHECK_EQ(blk_mem_dev_init(&src, 8192, 512), 0);
	blk_mem_queue_init(&mq);
	memset(io, 0, sizeof(io));
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned i = 0; i < 4; i++) {
		io[i].dev = &dev;
		io[i].done = on_done;
		io[i].owner = (void *)(uintptr_t)(i + 1);
	}
	io[0].op = BLK_WRITE;
	io[0].off = 8192;
	blk_io_set_buf(&io[0], buf, 4096);
	io[1].op = BLK_SEEK_DATA;
	io[1].off = 0;
	io[2].op = BLK_SEEK_HOLE;
	io[2].off = 8192;
	io[3].op = BLK_FLUSH;
	for (unsigned i = 0; i < 4; i++)
		blk_submit(&mq.q, &io[i]);
	CHECK_EQ(done_count, 0); /* never inside submit */
	CHECK_EQ(blk_mem_run(&mq), 4);
	CHECK(order[0] == 1 && order[1] == 2 && order[2] == 3 && order[3] == 4);
	CHECK_EQ(io[0].res, 4096);
	CHECK_EQ(io[1].res, 8192);
	CHECK_EQ(io[2].res, 12288);
	CHECK_EQ(io[3].res, 0);
	CHECK_EQ(mq.flushes, 1);
	/* a hole in the middle of the data, and SEEK_DATA from inside data */
	io[0].op = BLK_PUNCH;
	io[0].off = 8192 + 512;
	io[0].len = 512;
	io[0].iov_cnt = 0;
	blk_submit(&mq.q, &io[0]);
	blk_mem_run(&mq);
	CHECK_EQ(io[0].res, 0);
	CHECK_EQ(((uint8_t *)dev.mem)[8192 + 600], 0);
	CHECK_EQ(((uint8_t *)dev.mem)[8192], 0x5a);
	io[1].off = 9000;
	blk_submit(&mq.q, &io[1]);
	io[2].off = 70000; /* past the end */
	io[2].op = BLK_SEEK_DATA;
	blk_submit(&mq.q, &io[2]);
	blk_mem_run(&mq);
	CHECK_EQ(io[1].res, 9000);
	CHECK_EQ(io[2].res, -ENXIO);
}

static void test_execute_and_faults(void)
{
	/* read back, out of range, copy */
	uint8_t rd[4096];
	io[0].op = BLK_READ;
	io[0].off = 8192;
	blk_io_set_buf(&io[0], rd, sizeof(rd));
	blk_mem_execute(&io[0]);
	CHECK_EQ(io[0].res, 4096);
	CHECK(rd[0] == 0x5a && rd[600] == 0 && rd[1100] == 0x5a);
	io[0].off = 64 * 1024 - 100;
	blk_mem_execute(&io[0]);
	CHECK_EQ(io[0].res, -EINVAL);
	memset(src.mem, 0x33, 8192);
	io[0].op = BLK_COPY;
	io[0].src = &src;
	io[0].src_off = 0;
	io[0].off = 0;
	io[0].len = 8192;
	blk_mem_execute(&io[0]);
	CHECK_EQ(io[0].res, 8192);
	CHECK_EQ(((uint8_t *)dev.mem)[8191], 0x33);
	/* fault injection: the next two fail, the third runs */
	blk_mem_fail_next(&mq, -ENOSPC, 2);
	io[3].op = BLK_FLUSH;
	blk_submit(&mq.q, &io[3]);
	blk_mem_run(&mq);
	CHECK_EQ(io[3].res, -ENOSPC);
	blk_submit(&mq.q, &io[3]);
	blk_mem_run(&mq);
	CHECK_EQ(io[3].res, -ENOSPC);
	blk_submit(&mq.q, &io[3]);
	blk_mem_run(&mq);
	CHECK_EQ(io[3].res, 0);
	/* resize keeps contents and zeroes the new part */
	CHECK_EQ(blk_mem_dev_resize(&dev, 128 * 1024), 0);
	CHECK_EQ(((uint8_t *)dev.mem)[8192], 0x5a);
	CHECK_EQ(((uint8_t *)dev.mem)[100 * 1024], 0);
}

int main(void)
{
	test_queue();
	test_execute_and_faults();
	blk_mem_dev_fini(&dev);
	blk_mem_dev_fini(&src);
	return CHECK_SUMMARY();
}
