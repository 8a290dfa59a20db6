/* test_lunfile_overlay.c: overlays on disk, as the CLI and the boot service use them: create
 * (instant, -EEXIST, -ENOENT, no overlay of an overlay), the base is held (resize, rm refused
 * naming the overlays), reset (-EBUSY in use, drops the data, moves to a promoted successor,
 * removes the superseded image), promote, check, a damaged map refused untouched, 500 overlays
 * of one base. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lunfile.h"
#include "common/ovlmap.h"
#include "test/unit/check.h"

static char dir[] = "/tmp/ringsan-ovl-XXXXXX";
static char err[1024];

static int count_one(const struct lunfile *lf, void *arg)
{
	(void)lf;
	(*(unsigned *)arg)++;
	return 0;
}

static void path_of(char *out, size_t len, const char *lun, const char *file)
{
	snprintf(out, len, "%s/%s/%s", dir, lun, file);
}

static uint64_t file_size(const char *lun, const char *file)
{
	char p[512];
	struct stat st;
	path_of(p, sizeof(p), lun, file);
	return stat(p, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
}

static void write_at(const char *lun, uint64_t off, const char *text)
{
	char p[512];
	path_of(p, sizeof(p), lun, "disk.img");
	int fd = open(p, O_WRONLY);
	CHECK_EQ(pwrite(fd, text, strlen(text), (off_t)off), (ssize_t)strlen(text));
	close(fd);
}

/* Sets the map entry of cluster c the way the target would. */
static void map_set(const char *lun, uint64_t c, uint8_t v)
{
	char p[512];
	path_of(p, sizeof(p), lun, OVLMAP_FILE);
	int fd = open(p, O_WRONLY);
	CHECK_EQ(pwrite(fd, &v, 1, (off_t)(OVLMAP_HEADER_LEN + c)), 1);
	close(fd);
}

static void test_create(void)
{
	struct lunfile lf;
	char base[NAME_MAX_LEN + 1];

	CHECK_EQ(lunfile_create(dir, "gold", 8 << 20, 512, "golden", err, sizeof(err)), 0);
	write_at("gold", 0, "base data");
	CHECK_EQ(lunfile_overlay_create(dir, "m1", "gold", "machine 1", err, sizeof(err)), 0);
	CHECK_EQ(lunfile_overlay_create(dir, "m1", "gold", NULL, err, sizeof(err)), -EEXIST);
	CHECK_EQ(lunfile_overlay_create(dir, "m2", "nope", NULL, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "no base image 'nope'") != NULL);
	CHECK_EQ(lunfile_overlay_create(dir, "m2", "m1", NULL, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "itself an overlay") != NULL);

	CHECK_EQ(lunfile_open(dir, "m1", LUNFILE_NOLOCK, true, &lf, err, sizeof(err)), 0);
	CHECK(lunfile_is_overlay(&lf));
	CHECK_STR(lunfile_overlay_base(&lf), "gold");
	CHECK_EQ(lf.size, 8 << 20);
	CHECK_EQ(lf.block_size, 512);
	CHECK_STR(lf.description, "machine 1");
	CHECK_EQ(lunfile_allocated_bytes(&lf), 0);
	lunfile_close(&lf);
	CHECK_EQ(file_size("m1", OVLMAP_FILE), OVLMAP_HEADER_LEN + 128);
	CHECK_EQ(lunfile_overlay_base_of(dir, "m1", base, err, sizeof(err)), 0);
	CHECK_STR(base, "gold");
	CHECK_EQ(lunfile_overlay_base_of(dir, "gold", base, err, sizeof(err)), 0);
	CHECK_STR(base, "");
	CHECK_EQ(lunfile_open(dir, "gold", LUNFILE_NOLOCK, true, &lf, err, sizeof(err)), 0);
	CHECK(!lunfile_is_overlay(&lf));
	lunfile_close(&lf);

	/* A session on the image itself (shared lock) blocks its first overlay. */
	CHECK_EQ(lunfile_create(dir, "busy", 1 << 20, 512, NULL, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_open(dir, "busy", LUNFILE_SHARED, true, &lf, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_overlay_create(dir, "m3", "busy", NULL, err, sizeof(err)), -EBUSY);
	lunfile_close(&lf);
	CHECK_EQ(lunfile_remove(dir, "busy", err, sizeof(err)), 0);
}

static void test_base_held(void)
{
	struct lunfile lf;

	CHECK_EQ(lunfile_remove(dir, "gold", err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "base image of 1 overlay (m1)") != NULL);
	CHECK_EQ(lunfile_open(dir, "gold", LUNFILE_EXCLUSIVE, false, &lf, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_resize(&lf, 16 << 20, false, err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "m1") != NULL);
	lunfile_close(&lf);
	CHECK_EQ(lunfile_open(dir, "m1", LUNFILE_EXCLUSIVE, false, &lf, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_resize(&lf, 16 << 20, false, err, sizeof(err)), -EINVAL);
	lunfile_close(&lf);
	CHECK_EQ(lunfile_clone(dir, "m1", "c", NULL, NULL, NULL, NULL, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "promote") != NULL);
}

static void test_reset_and_check(void)
{
	struct lunfile_check r;
	struct lunfile lf;

	write_at("m1", OVLMAP_CLUSTER, "overlay data");
	map_set("m1", 1, OVLMAP_OVERLAY);
	map_set("m1", 2, OVLMAP_ZERO);
	write_at("m1", 5 * OVLMAP_CLUSTER, "stray");
	CHECK_EQ(lunfile_overlay_check(dir, "m1", &r, err, sizeof(err)), 0);
	CHECK_EQ(r.clusters, 128);
	CHECK_EQ(r.in_overlay, 1);
	CHECK_EQ(r.zero, 1);
	CHECK_EQ(r.from_base, 126);
	CHECK(r.stray_bytes > 0);

	CHECK_EQ(lunfile_open(dir, "m1", LUNFILE_SHARED, false, &lf, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_overlay_reset(dir, "m1", err, sizeof(err)), -EBUSY);
	lunfile_close(&lf);
	CHECK_EQ(lunfile_overlay_reset(dir, "gold", err, sizeof(err)), -EINVAL);
	CHECK_EQ(lunfile_overlay_reset(dir, "m1", err, sizeof(err)), 0);
	CHECK_EQ(lunfile_overlay_check(dir, "m1", &r, err, sizeof(err)), 0);
	CHECK_EQ(r.in_overlay + r.zero + r.stray_bytes, 0);
	CHECK_EQ(lunfile_open(dir, "m1", LUNFILE_NOLOCK, true, &lf, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_allocated_bytes(&lf), 0);
	CHECK_STR(lf.description, "machine 1"); /* same LUN, same identity */
	lunfile_close(&lf);
}

static void test_damaged_map(void)
{
	struct lunfile_check r;
	struct lunfile lf;
	char p[512];
	uint64_t before;

	CHECK_EQ(lunfile_overlay_create(dir, "bad", "gold", NULL, err, sizeof(err)), 0);
	map_set("bad", 7, 9);
	CHECK_EQ(lunfile_overlay_check(dir, "bad", &r, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "'bad'") != NULL && strstr(err, "cluster 7") != NULL);
	before = file_size("bad", OVLMAP_FILE);
	path_of(p, sizeof(p), "bad", OVLMAP_FILE);
	CHECK_EQ(truncate(p, 100), 0);
	CHECK_EQ(lunfile_open(dir, "bad", LUNFILE_SHARED, false, &lf, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "LUN 'bad'") != NULL && strstr(err, "damaged") != NULL);
	CHECK_EQ(file_size("bad", OVLMAP_FILE), 100); /* untouched */
	CHECK(before != 100);
	CHECK_EQ(lunfile_overlay_reset(dir, "bad", err, sizeof(err)), -EBADMSG);
	CHECK_EQ(lunfile_remove(dir, "bad", err, sizeof(err)), 0); /* still removable */
	CHECK_EQ(lunfile_overlay_create(dir, "bad", "gold", NULL, err, sizeof(err)), 0);
	path_of(p, sizeof(p), "bad", OVLMAP_FILE);
	CHECK_EQ(truncate(p, 100), 0);
}

static void test_promote(void)
{
	char p[512], buf[16] = {0}, succ[NAME_MAX_LEN + 1];
	struct lunfile lf;
	int fd;

	CHECK_EQ(lunfile_overlay_create(dir, "m2", "gold", NULL, err, sizeof(err)), 0);
	write_at("m1", 2 * OVLMAP_CLUSTER, "promoted");
	map_set("m1", 2, OVLMAP_OVERLAY);
	CHECK_EQ(lunfile_promote(dir, "m1", "gold2", NULL, NULL, NULL, err, sizeof(err)), 0);
	lunfile_successor(dir, "gold", succ);
	CHECK_STR(succ, "gold2");
	path_of(p, sizeof(p), "gold2", "disk.img");
	fd = open(p, O_RDONLY);
	CHECK_EQ(pread(fd, buf, 9, 0), 9);
	CHECK_STR(buf, "base data");
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(pread(fd, buf, 8, 2 * OVLMAP_CLUSTER), 8);
	CHECK_STR(buf, "promoted\0");
	close(fd);
	/* m1 moved at once; m2 still holds gold until its reset, which removes gold. */
	CHECK_EQ(lunfile_open(dir, "m1", LUNFILE_NOLOCK, true, &lf, err, sizeof(err)), 0);
	CHECK_STR(lunfile_overlay_base(&lf), "gold2");
	lunfile_close(&lf);
	CHECK(file_size("gold", "disk.img") != UINT64_MAX);
	CHECK_EQ(lunfile_overlay_reset(dir, "m2", err, sizeof(err)), 0);
	CHECK_EQ(lunfile_open(dir, "m2", LUNFILE_NOLOCK, true, &lf, err, sizeof(err)), 0);
	CHECK_STR(lunfile_overlay_base(&lf), "gold2");
	lunfile_close(&lf);
	CHECK_EQ(file_size("gold", "disk.img"), UINT64_MAX);
	CHECK_EQ(lunfile_promote(dir, "gold2", "x", NULL, NULL, NULL, err, sizeof(err)), -EINVAL);
}

static void test_many(void)
{
	char name[32], names[64];
	struct timespec a, b;
	unsigned count = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "vm%03d", i);
		CHECK_EQ(lunfile_overlay_create(dir, name, "gold2", NULL, err, sizeof(err)), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("500 overlays created in %.2f s\n",
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	CHECK_EQ(lunfile_list(dir, count_one, &count, err, sizeof(err)), 0);
	CHECK_EQ(count, 500 + 3); /* gold2, m1, m2 ("bad" cannot be opened) */
	CHECK_EQ(lunfile_overlay_holders(dir, "gold2", names, sizeof(names)), 502);
	CHECK(strlen(names) < sizeof(names));
}

int main(void)
{
	if (!mkdtemp(dir))
		CHECK_SKIP("cannot make a temporary directory");
	test_create();
	test_base_held();
	test_reset_and_check();
	test_damaged_map();
	test_promote();
	test_many();
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);
	return CHECK_SUMMARY();
}
