/* test_blk_ovl.c: property tests of the overlay backend (blk_ovl.c) against an in-memory model,
 * on real files in a temporary directory; then threads copying up the same clusters at once.
 *
 * The LUN is 4 MiB and 37 blocks, so its last cluster is partial. Every 512-byte block carries a
 * tag: the id of the operation that wrote it and the block number
 * (base blocks: id 1; unmapped blocks read as zeroes, id 0). Random writes (often straddling
 * 64 KiB clusters), UNMAPs, flushes, GET LBA STATUS seeks, reopen and reset run on the overlay
 * and on the model; every block is compared after each round.
 *
 * Crash: the files as they are on disk at a moment (disk.img, and the map, which the backend
 * writes only inside a flush) are copied aside and opened. Each block must hold its value at the
 * last completed flush or one it took after it. A torn map (entries mixed from the map before
 * and after the last flush) must keep that promise relative to the flush before. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lunfile.h"
#include "common/ovlmap.h"
#include "target/block/blk_ovl.h"
#include "target/block/blk_sync.h"
#include "test/unit/check.h"

#define BLOCKS (8192u + 37u) /* 4 MiB and a partial last cluster */
#define SIZE   (BLOCKS * 512u)
#define FILLED (BLOCKS * 3 / 4) /* blocks of the image that hold data */
#define OPS    400
#define ROUNDS 6

static char dir[] = "/tmp/ringsan-blkovl-XXXXXX";
static char err[1024];
static uint32_t model[BLOCKS]; /* tag id per block: 0 zero, 1 base, else the op */
static uint32_t at_flush[BLOCKS], at_prev_flush[BLOCKS];
/* Values each block took since the last / the one before last completed flush. */
static uint32_t *since[BLOCKS], nsince[BLOCKS], *since_prev[BLOCKS], nsince_prev[BLOCKS];
static uint32_t op_id = 2;
static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(uint64_t n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed % n;
}

static void tag_block(uint8_t *b, uint32_t id, uint32_t block)
{
	for (int i = 0; i < 512; i += 8) {
		memcpy(b + i, &id, 4);
		memcpy(b + i + 4, &block, 4);
	}
}

/* The id a block holds, or UINT32_MAX if it is no valid tag of this block. */
static uint32_t block_id(const uint8_t *b, uint32_t block)
{
	static const uint8_t zero[512];
	uint8_t want[512];
	uint32_t id;

	if (memcmp(b, zero, 512) == 0)
		return 0;
	memcpy(&id, b, 4);
	tag_block(want, id, block);
	return memcmp(b, want, 512) == 0 ? id : UINT32_MAX;
}

static void note(uint32_t block, uint32_t id)
{
	model[block] = id;
	since[block] = realloc(since[block], (nsince[block] + 1) * sizeof(uint32_t));
	since[block][nsince[block]++] = id;
}

static void flushed(void)
{
	for (uint32_t b = 0; b < BLOCKS; b++) {
		at_prev_flush[b] = at_flush[b];
		at_flush[b] = model[b];
		free(since_prev[b]);
		since_prev[b] = since[b];
		nsince_prev[b] = nsince[b];
		since[b] = NULL;
		nsince[b] = 0;
	}
}

static int64_t run(struct blk_dev *dev, enum blk_op op, uint64_t off, uint64_t len, void *buf)
{
	struct blk_io io = {.op = op, .dev = dev, .off = off};
	if (buf)
		blk_io_set_buf(&io, buf, len);
	else
		io.len = len;
	return blk_sync_execute(&io);
}

static int open_dev(const char *name, struct lunfile *lf, struct blk_dev *dev)
{
	int ret = lunfile_open(dir, name, LUNFILE_SHARED, false, lf, err, sizeof(err));
	if (ret)
		return ret;
	memset(dev, 0, sizeof(*dev));
	dev->fd = lf->fd;
	dev->size = lf->size;
	dev->block_size = 512;
	ret = blk_ovl_open(dir, lf, &dev->ovl, err, sizeof(err));
	if (ret)
		lunfile_close(lf);
	return ret;
}

static void close_dev(struct lunfile *lf, struct blk_dev *dev)
{
	blk_ovl_close(dev->ovl);
	lunfile_close(lf);
}

/* Every block against the model; returns the number that differ. */
static unsigned compare_all(struct blk_dev *dev)
{
	static uint8_t buf[SIZE];
	unsigned bad = 0;

	CHECK_EQ(run(dev, BLK_READ, 0, SIZE, buf), SIZE);
	for (uint32_t b = 0; b < BLOCKS; b++)
		bad += block_id(buf + (size_t)b * 512, b) != model[b];
	return bad;
}

static void random_write(struct blk_dev *dev)
{
	static uint8_t buf[512 * 512];
	uint32_t n = (uint32_t)(rnd(4) == 0 ? 128 + rnd(384) : 1 + rnd(40));
	uint32_t first = (uint32_t)rnd(BLOCKS - n + 1);
	uint32_t id = op_id++;

	for (uint32_t i = 0; i < n; i++)
		tag_block(buf + (size_t)i * 512, id, first + i);
	CHECK_EQ(run(dev, BLK_WRITE, (uint64_t)first * 512, (uint64_t)n * 512, buf),
		 (int64_t)n * 512);
	for (uint32_t i = 0; i < n; i++)
		note(first + i, id);
}

static void random_unmap(struct blk_dev *dev)
{
	uint32_t n = (uint32_t)(1 + rnd(rnd(2) ? 16 : 600)), first = (uint32_t)rnd(BLOCKS - n + 1);

	CHECK_EQ(run(dev, BLK_PUNCH, (uint64_t)first * 512, (uint64_t)n * 512, NULL), 0);
	for (uint32_t i = 0; i < n; i++)
		note(first + i, 0);
}

/* GET LBA STATUS's view: a block reported deallocated (in a hole) must read as zeroes. */
static void check_seek(struct blk_dev *dev)
{
	uint64_t off = rnd(BLOCKS) * 512;
	int64_t hole = run(dev, BLK_SEEK_HOLE, off, 0, NULL);
	CHECK(hole >= (int64_t)off && hole <= (int64_t)SIZE);
	if (hole >= (int64_t)off && hole < (int64_t)SIZE) {
		int64_t data = run(dev, BLK_SEEK_DATA, (uint64_t)hole, 0, NULL);
		CHECK(data >= hole);
		for (uint64_t b = (uint64_t)hole / 512; b < (uint64_t)data / 512 && b < BLOCKS; b++)
			if (model[b] != 0) {
				CHECK(model[b] == 0);
				break;
			}
	}
}

static void copy_file(const char *from, const char *to)
{
	static uint8_t buf[1 << 20];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK_EQ(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void path_of(char *out, size_t len, const char *lun, const char *file)
{
	snprintf(out, len, "%s/%s/%s", dir, lun, file);
}

/* Opens the crash copy "crash" and checks every block is at_flush/since (or, torn, the
 * previous flush's). */
static void check_crash_copy(bool torn)
{
	static uint8_t buf[SIZE];
	struct lunfile lf;
	struct blk_dev dev;
	unsigned bad = 0;

	CHECK_EQ(open_dev("crash", &lf, &dev), 0);
	CHECK_EQ(run(&dev, BLK_READ, 0, SIZE, buf), SIZE);
	for (uint32_t b = 0; b < BLOCKS; b++) {
		uint32_t id = block_id(buf + (size_t)b * 512, b);
		bool ok = id == at_flush[b] || (torn && id == at_prev_flush[b]);
		for (uint32_t i = 0; !ok && i < nsince[b]; i++)
			ok = since[b][i] == id;
		for (uint32_t i = 0; torn && !ok && i < nsince_prev[b]; i++)
			ok = since_prev[b][i] == id;
		bad += !ok;
	}
	if (bad)
		printf("crash copy%s: %u blocks hold a value they never had since the last flush\n",
		       torn ? " (torn map)" : "", bad);
	CHECK_EQ(bad, 0);
	close_dev(&lf, &dev);
}

/* The overlay's files as they are now, as LUN "crash" (a torn map mixes in prev_map). */
static void crash_copy(const uint8_t *prev_map, bool torn)
{
	char a[512], b[512];
	struct stat st;

	path_of(a, sizeof(a), "crash", "disk.img");
	if (stat(a, &st) != 0)
		CHECK_EQ(lunfile_overlay_create(dir, "crash", "gold", NULL, err, sizeof(err)), 0);
	path_of(a, sizeof(a), "o", "disk.img");
	path_of(b, sizeof(b), "crash", "disk.img");
	copy_file(a, b);
	path_of(a, sizeof(a), "o", OVLMAP_FILE);
	path_of(b, sizeof(b), "crash", OVLMAP_FILE);
	copy_file(a, b);
	if (torn) {
		int fd = open(b, O_RDWR);
		for (uint32_t c = 0; c < ovlmap_clusters(SIZE); c++)
			if (rnd(2))
				CHECK_EQ(pwrite(fd, prev_map + c, 1, OVLMAP_HEADER_LEN + c), 1);
		close(fd);
	}
	check_crash_copy(torn);
}

static void read_map(uint8_t *out)
{
	char p[512];
	path_of(p, sizeof(p), "o", OVLMAP_FILE);
	int fd = open(p, O_RDONLY);
	CHECK_EQ(pread(fd, out, ovlmap_clusters(SIZE), OVLMAP_HEADER_LEN), ovlmap_clusters(SIZE));
	close(fd);
}

/* Threads writing and unmapping single blocks of the same clusters at once (block b belongs to
 * thread b % THREADS, so the model needs no lock): copy-ups must not lose each other's data. In
 * each round all threads start together on an overlay whose clusters are all unmapped, so every
 * cluster is copied up while others write into it. */
#define THREADS	      4
#define THREAD_ROUNDS 40
#define ROUND_OPS     60

static pthread_barrier_t barrier;

struct worker {
	struct blk_dev *dev;
	unsigned t;
	uint64_t seed;
};

static void worker_round(struct worker *w, unsigned round)
{
	uint8_t block[512];

	for (unsigned i = 0; i < ROUND_OPS; i++) {
		w->seed ^= w->seed << 13;
		w->seed ^= w->seed >> 7;
		w->seed ^= w->seed << 17;
		uint32_t b = (uint32_t)(w->seed % (BLOCKS / THREADS)) * THREADS + w->t;
		uint32_t id = 1000000 + (round * THREADS + w->t) * ROUND_OPS + i;
		if (w->seed % 7 == 0) {
			if (run(w->dev, BLK_PUNCH, (uint64_t)b * 512, 512, NULL) == 0)
				model[b] = 0;
		} else {
			tag_block(block, id, b);
			if (run(w->dev, BLK_WRITE, (uint64_t)b * 512, 512, block) == 512)
				model[b] = id;
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned r = 0; r < THREAD_ROUNDS; r++) {
		pthread_barrier_wait(&barrier);
		worker_round(w, r);
		pthread_barrier_wait(&barrier);
		if (w->t == 0) { /* alone: check, then unmap everything for the next round */
			if (compare_all(w->dev) != 0)
				CHECK(!"threads lost data");
			CHECK_EQ(run(w->dev, BLK_PUNCH, 0, SIZE, NULL), 0);
			memset(model, 0, sizeof(model));
		}
	}
	return NULL;
}

static void test_threads(struct blk_dev *dev)
{
	struct worker w[THREADS];
	pthread_t th[THREADS];

	pthread_barrier_init(&barrier, NULL, THREADS);
	CHECK_EQ(run(dev, BLK_PUNCH, 0, SIZE, NULL), 0);
	memset(model, 0, sizeof(model));
	int created[THREADS];
	for (unsigned t = 0; t < THREADS; t++) {
		w[t] = (struct worker){.dev = dev, .t = t, .seed = 0x9e3779b97f4a7c15ull * (t + 1)};
		created[t] = pthread_create(&th[t], NULL, worker_main, &w[t]);
	}
	for (unsigned t = 0; t < THREADS; t++)
		if (created[t] == 0)
			pthread_join(th[t], NULL);
	for (unsigned t = 0; t < THREADS; t++) /* thread 0 counts checks meanwhile */
		CHECK_EQ(created[t], 0);
	pthread_barrier_destroy(&barrier);
}

int main(void)
{
	static uint8_t buf[SIZE];
	uint8_t prev_map[SIZE / OVLMAP_CLUSTER + 1];
	struct lunfile lf, base;
	struct blk_dev dev;
	char p[512];

	if (!mkdtemp(dir))
		CHECK_SKIP("cannot make a temporary directory");
	/* The image: tagged blocks in its first 3 MiB, a hole after. */
	CHECK_EQ(lunfile_create(dir, "gold", SIZE, 512, NULL, err, sizeof(err)), 0);
	for (uint32_t b = 0; b < BLOCKS; b++) {
		model[b] = b < FILLED ? 1 : 0;
		tag_block(buf + (size_t)b * 512, 1, b);
	}
	path_of(p, sizeof(p), "gold", "disk.img");
	int fd = open(p, O_WRONLY);
	CHECK_EQ(pwrite(fd, buf, FILLED * 512, 0), FILLED * 512);
	close(fd);
	memcpy(at_flush, model, sizeof(model));
	memcpy(at_prev_flush, model, sizeof(model));
	CHECK_EQ(lunfile_overlay_create(dir, "o", "gold", NULL, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_overlay_create(dir, "o2", "gold", NULL, err, sizeof(err)), 0);
	CHECK_EQ(open_dev("o", &lf, &dev), 0);
	CHECK_EQ(compare_all(&dev), 0);
	read_map(prev_map);

	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < OPS; i++) {
			uint64_t r = rnd(100);
			if (r < 60)
				random_write(&dev);
			else if (r < 85)
				random_unmap(&dev);
			else if (r < 92)
				check_seek(&dev);
			else {
				read_map(prev_map);
				CHECK_EQ(run(&dev, BLK_FLUSH, 0, 0, NULL), 0);
				flushed();
			}
		}
		CHECK_EQ(compare_all(&dev), 0);
		crash_copy(prev_map, false);
		crash_copy(prev_map, true);
		if (round == 2) { /* close and open again: the map persisted */
			close_dev(&lf, &dev);
			CHECK_EQ(open_dev("o", &lf, &dev), 0);
			CHECK_EQ(compare_all(&dev), 0);
			flushed();
		}
		if (round == 4) { /* reset: the image again */
			close_dev(&lf, &dev);
			CHECK_EQ(lunfile_overlay_reset(dir, "o", err, sizeof(err)), 0);
			for (uint32_t b = 0; b < BLOCKS; b++)
				model[b] = b < FILLED ? 1 : 0;
			flushed();
			flushed();
			CHECK_EQ(open_dev("o", &lf, &dev), 0);
			CHECK_EQ(compare_all(&dev), 0);
		}
	}

	/* Concurrent copy-ups in shared clusters, on a fresh overlay. */
	close_dev(&lf, &dev);
	CHECK_EQ(lunfile_overlay_reset(dir, "o", err, sizeof(err)), 0);
	for (uint32_t b = 0; b < BLOCKS; b++)
		model[b] = b < FILLED ? 1 : 0;
	CHECK_EQ(open_dev("o", &lf, &dev), 0);
	test_threads(&dev);

	/* One open file per image: a second overlay shares the first's. */
	struct lunfile lf2;
	struct blk_dev dev2;
	CHECK_EQ(open_dev("o2", &lf2, &dev2), 0);
	CHECK_EQ(blk_ovl_base_fd(dev.ovl), blk_ovl_base_fd(dev2.ovl));
	close_dev(&lf2, &dev2);

	/* COPY (EXTENDED COPY) from the overlay into a plain LUN. */
	CHECK_EQ(lunfile_create(dir, "plain", SIZE, 512, NULL, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_open(dir, "plain", LUNFILE_SHARED, false, &base, err, sizeof(err)), 0);
	struct blk_dev pdev = {.fd = base.fd, .size = SIZE, .block_size = 512};
	struct blk_io io = {.op = BLK_COPY, .dev = &pdev, .src = &dev, .len = SIZE};
	CHECK_EQ(blk_sync_execute(&io), SIZE);
	CHECK_EQ(pread(base.fd, buf, SIZE, 0), SIZE);
	unsigned bad = 0;
	for (uint32_t b = 0; b < BLOCKS; b++)
		bad += block_id(buf + (size_t)b * 512, b) != model[b];
	CHECK_EQ(bad, 0);
	lunfile_close(&base);
	close_dev(&lf, &dev);

	for (uint32_t b = 0; b < BLOCKS; b++) {
		free(since[b]);
		free(since_prev[b]);
	}
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	if (system(p) != 0)
		printf("could not remove %s\n", dir);
	return CHECK_SUMMARY();
}
