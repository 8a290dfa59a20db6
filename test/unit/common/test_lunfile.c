/* test_lunfile.c: the lunfile API the daemon uses: create, open with locks, in-use, resize,
 * list, remove, leftovers; on a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lunfile.h"
#include "test/unit/check.h"

static int count_luns(const struct lunfile *lf, void *arg)
{
	char *names = arg;
	strcat(names, lf->name);
	strcat(names, " ");
	return 0;
}

/* A fill step as `lun import` has: writes a marker, or fails like qemu-img on a full disk. */
static int fill_marker(const char *disk_path, int disk_fd, void *arg, char *err, size_t errlen)
{
	struct stat st;
	if (*(int *)arg) {
		snprintf(err, errlen, "no space left");
		return -ENOSPC;
	}
	if (strstr(disk_path, "/.d.tmp-") == NULL || fstat(disk_fd, &st) != 0 || st.st_size != 8192)
		return -EINVAL; /* it runs inside the temporary directory, on the sized file */
	return pwrite(disk_fd, "imported", 8, 4096) == 8 ? 0 : -EIO;
}

int main(void)
{
	char dir[] = "/tmp/ringsan-test-XXXXXX", err[1024], names[256] = "", path[512];
	struct lunfile a, b;
	struct stat st;

	if (!mkdtemp(dir))
		CHECK_SKIP("cannot make a temporary directory");
	CHECK_EQ(lunfile_create(dir, "b", 1 << 20, 512, "two", err, sizeof(err)), 0);
	CHECK_EQ(lunfile_create(dir, "a", 4 << 20, 4096, NULL, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_create(dir, "a", 1 << 20, 512, NULL, err, sizeof(err)), -EEXIST);
	CHECK_EQ(lunfile_create(dir, "c", 1000, 512, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(lunfile_create(dir, "c", 4096, 1024, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(lunfile_create(dir, "C", 4096, 512, NULL, err, sizeof(err)), -EINVAL);
	/* create_filled: the LUN appears with the data, or (fill failing) not at all. */
	int fail = 1;
	CHECK_EQ(
	    lunfile_create_filled(dir, "d", 8192, 512, NULL, fill_marker, &fail, err, sizeof(err)),
	    -ENOSPC);
	snprintf(path, sizeof(path), "%s/d", dir);
	CHECK(stat(path, &st) != 0);
	fail = 0;
	CHECK_EQ(
	    lunfile_create_filled(dir, "d", 8192, 512, NULL, fill_marker, &fail, err, sizeof(err)),
	    0);
	char got[9] = "";
	snprintf(path, sizeof(path), "%s/d/disk.img", dir);
	int dfd = open(path, O_RDONLY);
	CHECK(dfd >= 0 && pread(dfd, got, 8, 4096) == 8 && strcmp(got, "imported") == 0);
	if (dfd >= 0)
		close(dfd);
	CHECK_EQ(lunfile_remove(dir, "d", err, sizeof(err)), 0);

	/* Served: a shared lock; changes are refused; a second server may share. */
	CHECK_EQ(lunfile_open(dir, "a", LUNFILE_SHARED, true, &a, err, sizeof(err)), 0);
	CHECK_EQ(a.size, 4 << 20);
	CHECK_EQ(a.block_size, 4096);
	CHECK_EQ(lunfile_open(dir, "a", LUNFILE_EXCLUSIVE, false, &b, err, sizeof(err)), -EBUSY);
	CHECK(strstr(err, "in use") != NULL);
	CHECK_EQ(lunfile_remove(dir, "a", err, sizeof(err)), -EBUSY);
	CHECK_EQ(lunfile_open(dir, "a", LUNFILE_NOLOCK, true, &b, err, sizeof(err)), 0);
	CHECK(lunfile_in_use(&b));
	CHECK_MEM(a.uuid, b.uuid, 16);
	lunfile_close(&b);
	lunfile_close(&a);
	CHECK_EQ(lunfile_open(dir, "nope", LUNFILE_NOLOCK, true, &a, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "no such LUN 'nope'") != NULL);

	/* Resize under the exclusive lock; the daemon's refresh sees it. */
	CHECK_EQ(lunfile_open(dir, "b", LUNFILE_EXCLUSIVE, false, &b, err, sizeof(err)), 0);
	CHECK(!lunfile_in_use(&b));
	CHECK_EQ(pwrite(b.fd, "x", 1, 4096), 1);
	CHECK_EQ(lunfile_resize(&b, 2 << 20, false, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_resize(&b, 1 << 20, false, err, sizeof(err)), -EINVAL);
	CHECK_EQ(lunfile_resize(&b, 512, true, err, sizeof(err)), -ENOTEMPTY);
	CHECK(strstr(err, "4096 bytes") != NULL);
	CHECK_EQ(lunfile_resize(&b, 8192, true, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_resize(&b, 1000, true, err, sizeof(err)), -EINVAL);
	uint64_t data = 0;
	CHECK_EQ(lunfile_data_bytes_from(b.fd, 0, &data), 0);
	CHECK_EQ(data, 4096);
	lunfile_close(&b);

	/* Leftovers are not LUNs, and the next change removes the idle ones. */
	snprintf(path, sizeof(path), "%s/.z.tmp-abcdef", dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.z.tmp-abcdef/disk.img", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_EQ(lunfile_list(dir, count_luns, names, err, sizeof(err)), 0);
	CHECK_STR(names, "a b ");
	CHECK_EQ(lunfile_remove(dir, "b", err, sizeof(err)), 0);
	CHECK(stat(path, &st) != 0);
	names[0] = '\0';
	CHECK_EQ(lunfile_list(dir, count_luns, names, err, sizeof(err)), 0);
	CHECK_STR(names, "a ");

	/* Clone: new identity, same size. */
	CHECK_EQ(lunfile_clone(dir, "a", "a2", NULL, NULL, NULL, NULL, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_open(dir, "a", LUNFILE_NOLOCK, true, &a, err, sizeof(err)), 0);
	CHECK_EQ(lunfile_open(dir, "a2", LUNFILE_NOLOCK, true, &b, err, sizeof(err)), 0);
	CHECK_EQ(a.size, b.size);
	CHECK(memcmp(a.uuid, b.uuid, 16) != 0);
	lunfile_close(&a);
	lunfile_close(&b);
	CHECK_EQ(lunfile_remove(dir, "a", err, sizeof(err)), 0);
	CHECK_EQ(lunfile_remove(dir, "a2", err, sizeof(err)), 0);

	/* A LUN on other storage: backend= in lun.meta, a data-less disk.img of its size; what
	 * works on a file's data refuses it. */
	static const struct {
		const char *spec;
		int ret;
	} specs[] = {
	    {"nbd:nbd://127.0.0.1:10809/x", 0},
	    {"nbd:nbd+unix:///?socket=/run/x.sock", 0},
	    {"rbd:rbd/win11", 0},
	    {"nbd:", -EINVAL},
	    {"rbd", -EINVAL},
	    {"iscsi://h/t", -EINVAL},
	    {"nbd:nbd://h/a b", -EINVAL},
	    {"rbd:p/i\n", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		CHECK_EQ(lunfile_backend_check(specs[i].spec, err, sizeof(err)), specs[i].ret);
	char long_spec[LUNFILE_BACKEND_MAX + 8] = "rbd:";
	memset(long_spec + 4, 'x', LUNFILE_BACKEND_MAX);
	long_spec[LUNFILE_BACKEND_MAX + 4] = '\0';
	CHECK_EQ(lunfile_backend_check(long_spec, err, sizeof(err)), -EINVAL);
	CHECK_EQ(
	    lunfile_create_backend(dir, "r", 8 << 20, 512, "on rbd", "rbd:rbd/r", err, sizeof(err)),
	    0);
	CHECK_EQ(lunfile_create_backend(dir, "s", 8 << 20, 512, NULL, "bad", err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(lunfile_open(dir, "r", LUNFILE_NOLOCK, true, &a, err, sizeof(err)), 0);
	CHECK(lunfile_is_backend(&a));
	CHECK_STR(a.backend, "rbd:rbd/r");
	CHECK_EQ(a.size, 8u << 20);
	CHECK_EQ(lunfile_allocated_bytes(&a), 0u);
	lunfile_close(&a);
	CHECK_EQ(lunfile_clone(dir, "r", "r2", NULL, NULL, NULL, NULL, err, sizeof(err)),
		 -EOPNOTSUPP);
	CHECK(strstr(err, "lives on rbd:rbd/r") != NULL);
	CHECK_EQ(lunfile_overlay_create(dir, "o", "r", NULL, err, sizeof(err)), -EOPNOTSUPP);
	CHECK_EQ(lunfile_remove(dir, "r", err, sizeof(err)), 0);
	CHECK_EQ(rmdir(dir), 0);
	return CHECK_SUMMARY();
}
