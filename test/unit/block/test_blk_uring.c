/* test_blk_uring.c: the io_uring backend on real files: buffered writes written inline still
 * complete from the loop (never inside submit) and put every byte in the file; FUA and errors;
 * cache = direct (blk_direct.c): aligned requests bypass the page cache, unaligned ones (here
 * forced with a larger alignment than the file system's) go through it, the data is the same
 * either way; a file system that refuses O_DIRECT is said so; the alignment rule itself. Reads
 * of a file on tmpfs are read inline (and complete from the loop all the same), the end of the
 * file reading as zeroes; reads elsewhere go through io_uring.
 *
 * The files live in a directory on a file system with direct I/O: /var/tmp or /tmp, whichever
 * takes O_DIRECT (the test skips when neither does). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "target/block/blk_direct.h"
#include "target/block/blk_uring.h"
#include "test/unit/check.h"

#define SIZE (1u << 20)

static char path[256];
static struct loop lp;
static struct blk_uring_queue bq;
static unsigned completions;

static void on_done(struct blk_io *io)
{
	(void)io;
	completions++;
}

/* Submits io and runs the loop until it completes; checks it did not complete inside submit. */
static int64_t run(struct blk_dev *dev, enum blk_op op, uint32_t flags, uint64_t off, void *buf,
		   uint64_t len)
{
	struct blk_io io = {.op = op, .flags = flags, .dev = dev, .off = off, .done = on_done};
	unsigned before = completions;

	blk_io_set_buf(&io, buf, len);
	blk_submit(&bq.q, &io);
	CHECK_EQ(completions, before); /* blk.h: never synchronously */
	for (int i = 0; i < 1000 && completions == before; i++)
		loop_run_once(&lp, 1000);
	CHECK_EQ(completions, before + 1);
	return io.res;
}

/* Pages of [off, off + len) of the file in the page cache. */
static unsigned resident(int fd, uint64_t off, uint64_t len)
{
	unsigned char vec[SIZE / 4096];
	unsigned n = 0;
	void *map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return 0;
	if (mincore(map, SIZE, vec) == 0)
		for (uint64_t p = off / 4096; p < (off + len + 4095) / 4096; p++)
			n += vec[p] & 1;
	munmap(map, SIZE);
	return n;
}

static bool file_has(int fd, uint64_t off, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);
	bool same =
	    got && pread(fd, got, len, (off_t)off) == (ssize_t)len && memcmp(got, want, len) == 0;
	free(got);
	return same;
}

static void test_buffered(int fd)
{
	struct blk_dev dev = {.fd = fd, .size = SIZE, .block_size = 512};
	uint8_t *buf = malloc(65536);

	memset(buf, 0xa5, 65536);
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 4096, buf, 4096), 4096);
	CHECK(file_has(fd, 4096, buf, 4096));
	CHECK(dev.write_nowait != BLK_NOWAIT_UNKNOWN); /* learnt at the first write */
	CHECK_EQ(run(&dev, BLK_READ, 0, 4096, buf + 4096, 4096), 4096);
	CHECK(memcmp(buf, buf + 4096, 4096) == 0);
	CHECK_EQ(dev.read_inline, BLK_NOWAIT_NO); /* not a memory file system */
	/* a 512-byte write in the middle of a page, and a long one */
	memset(buf, 0x3c, 512);
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 8192 + 1024, buf, 512), 512);
	CHECK(file_has(fd, 8192 + 1024, buf, 512));
	memset(buf, 0x77, 65536);
	CHECK_EQ(run(&dev, BLK_WRITE, BLK_F_FUA, 65536, buf, 65536), 65536);
	CHECK(file_has(fd, 65536, buf, 65536));
	CHECK_EQ(run(&dev, BLK_FLUSH, 0, 0, NULL, 0), 0);
	/* an error comes back through the completion too */
	int ro = open(path, O_RDONLY | O_CLOEXEC);
	struct blk_dev rodev = {.fd = ro, .size = SIZE, .block_size = 512};
	CHECK_EQ(run(&rodev, BLK_WRITE, 0, 0, buf, 4096), -EBADF);
	close(ro);
	free(buf);
}

static void test_direct(int fd)
{
	struct blk_dev dev = {.fd = fd, .size = SIZE, .block_size = 512};
	char why[256] = "";
	uint8_t *buf = aligned_alloc(4096, 65536), *back = aligned_alloc(4096, 65536);

	CHECK_EQ(blk_direct_open(&dev, path, false, why, sizeof(why)), 0);
	CHECK(dev.direct);
	CHECK(dev.dio_off_align >= 1 && dev.dio_off_align <= 4096);
	posix_fadvise(fd, 0, SIZE, POSIX_FADV_DONTNEED);
	for (unsigned i = 0; i < 65536; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	/* aligned: O_DIRECT, the page cache stays empty, the file has it */
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 131072, buf, 65536), 65536);
	CHECK_EQ(resident(fd, 131072, 65536), 0);
	CHECK_EQ(run(&dev, BLK_READ, 0, 131072, back, 65536), 65536);
	CHECK(memcmp(back, buf, 65536) == 0);
	CHECK_EQ(resident(fd, 131072, 65536), 0);
	CHECK_EQ(run(&dev, BLK_WRITE, BLK_F_FUA, 262144, buf, 8192), 8192);
	CHECK_EQ(run(&dev, BLK_FLUSH, 0, 0, NULL, 0), 0);
	CHECK(file_has(fd, 262144, buf, 8192));
	/* A file system that needs 4096: 512-byte requests go through the page cache. */
	dev.dio_off_align = 4096;
	posix_fadvise(fd, 0, SIZE, POSIX_FADV_DONTNEED);
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 393216 + 512, buf + 512, 1024), 1024);
	CHECK_EQ(resident(fd, 393216, 4096), 1);
	CHECK(file_has(fd, 393216 + 512, buf + 512, 1024));
	/* then a direct read of the page sees it (the kernel writes the cached page back first) */
	CHECK_EQ(run(&dev, BLK_READ, 0, 393216, back, 4096), 4096);
	CHECK(memcmp(back + 512, buf + 512, 1024) == 0);
	/* and a direct write over it leaves no stale cached copy behind */
	memset(buf, 0xee, 4096);
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 393216, buf, 4096), 4096);
	memset(back, 0, 4096);
	CHECK_EQ(run(&dev, BLK_READ, 0, 393216 + 512, back, 512), 512); /* buffered read */
	CHECK(memcmp(back, buf, 512) == 0);
	/* an unaligned buffer goes through the page cache as well */
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 409600, buf + 16, 4096), 4096);
	CHECK(file_has(fd, 409600, buf + 16, 4096));
	blk_direct_close(&dev);
	CHECK(!dev.direct);
	free(buf);
	free(back);
}

static void test_aligned_rule(void)
{
	struct blk_dev dev = {.direct = true, .dio_off_align = 512, .dio_mem_align = 512};
	static _Alignas(4096) uint8_t b[8192];
	struct iovec one = {b, 4096}, odd_len = {b, 1000}, odd_base = {b + 8, 512};
	struct iovec two[2] = {{b, 512}, {b + 4096, 1024}};

	CHECK(blk_direct_aligned(&dev, 0, &one, 1));
	CHECK(blk_direct_aligned(&dev, 512, two, 2));
	CHECK(!blk_direct_aligned(&dev, 100, &one, 1));
	CHECK(!blk_direct_aligned(&dev, 0, &odd_len, 1));
	CHECK(!blk_direct_aligned(&dev, 0, &odd_base, 1));
	dev.dio_off_align = 4096;
	CHECK(!blk_direct_aligned(&dev, 512, &one, 1));
	CHECK(!blk_direct_aligned(&dev, 0, two, 2));
	dev.direct = false;
	CHECK(!blk_direct_aligned(&dev, 0, &one, 1));
}

/* A file system without O_DIRECT (procfs here): refused with a reason, dev unchanged. */
static void test_refused(void)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct blk_dev dev = {.fd = fd, .size = 4096, .block_size = 512};
	char why[256] = "";

	CHECK(fd >= 0);
	CHECK_EQ(blk_direct_open(&dev, "/proc/self/status", true, why, sizeof(why)), -EINVAL);
	CHECK(!dev.direct);
	CHECK(strstr(why, "refuses O_DIRECT") != NULL);
	close(fd);
}

static int make_file(void)
{
	static const char *const dirs[] = {"/var/tmp", "/tmp"};
	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/ringsan-blkuring-XXXXXX", dirs[i]);
		int fd = mkstemp(path);
		if (fd < 0)
			continue;
		int dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (dfd >= 0 && ftruncate(fd, SIZE) == 0) {
			close(dfd);
			return fd;
		}
		if (dfd >= 0)
			close(dfd);
		close(fd);
		unlink(path);
	}
	return -1;
}

/* A file on tmpfs: reads inline; a read across the end of the file (shorter than the LUN, as
 * after a shrink) gets the data, then zeroes. */
static void test_memfs(void)
{
	char mpath[] = "/dev/shm/test_blk_uring.XXXXXX";
	int fd = mkstemp(mpath);
	struct statfs sf;
	uint8_t *buf = malloc(16384), *back = malloc(16384);

	if (fd < 0 || fstatfs(fd, &sf) != 0 || sf.f_type != TMPFS_MAGIC) {
		printf("test_memfs skipped: /dev/shm is not a tmpfs\n");
		if (fd >= 0) {
			close(fd);
			unlink(mpath);
		}
		free(buf);
		free(back);
		return;
	}
	struct blk_dev dev = {.fd = fd, .size = SIZE, .block_size = 512};
	for (unsigned i = 0; i < 16384; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	CHECK_EQ(run(&dev, BLK_WRITE, 0, 0, buf, 8192), 8192);
	CHECK(file_has(fd, 0, buf, 8192));
	CHECK_EQ(run(&dev, BLK_READ, 0, 0, back, 8192), 8192);
	CHECK_EQ(dev.read_inline, BLK_NOWAIT_YES);
	CHECK(memcmp(back, buf, 8192) == 0);
	memset(back, 0xee, 16384);
	CHECK_EQ(run(&dev, BLK_READ, 0, 4096, back, 8192), 8192); /* 4096 of data, then the end */
	CHECK(memcmp(back, buf + 4096, 4096) == 0);
	unsigned nonzero = 0;
	for (unsigned i = 4096; i < 8192; i++)
		nonzero += back[i] != 0;
	CHECK_EQ(nonzero, 0);
	memset(back, 0xee, 16384);
	CHECK_EQ(run(&dev, BLK_READ, 0, 65536, back, 4096), 4096); /* wholly past the end */
	nonzero = 0;
	for (unsigned i = 0; i < 4096; i++)
		nonzero += back[i] != 0;
	CHECK_EQ(nonzero, 0);
	close(fd);
	unlink(mpath);
	free(buf);
	free(back);
}

int main(void)
{
	test_aligned_rule();
	test_refused();
	int fd = make_file();
	if (fd < 0) {
		printf("SKIPPED: neither /var/tmp nor /tmp takes O_DIRECT\n");
		return 77;
	}
	int ret = loop_init(&lp, 64);
	if (ret < 0) {
		printf("SKIPPED: %s\n", loop_unavailable_hint(ret));
		close(fd);
		unlink(path);
		return 77;
	}
	blk_uring_queue_init(&bq, &lp);
	test_buffered(fd);
	test_direct(fd);
	test_memfs();
	loop_fini(&lp);
	blk_uring_queue_fini(&bq);
	close(fd);
	unlink(path);
	return CHECK_SUMMARY();
}
