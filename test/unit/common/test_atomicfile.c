/* test_atomicfile.c: replacing a file whole (common/atomicfile.h) and the monotonic clock
 * (common/clock.h), on a temporary directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/clock.h"
#include "test/unit/check.h"

static void read_text(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, cap - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void test_atomicfile(void)
{
	char dir[] = "/tmp/ringsan-test-XXXXXX", path[512], text[64];
	struct stat st;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	mode_t old = umask(0);
	CHECK_EQ(atomicfile_write(path, "one\n", 4, 0600), 0);
	umask(old);
	read_text(path, text, sizeof(text));
	CHECK_STR(text, "one\n");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_EQ(atomicfile_write(path, "second\n", 7, 0600), 0);
	read_text(path, text, sizeof(text));
	CHECK_STR(text, "second\n");
	CHECK_EQ(atomicfile_write(path, "", 0, 0600), 0); /* an empty file is a file */
	CHECK(stat(path, &st) == 0 && st.st_size == 0);
	CHECK_EQ(count_entries(dir), 1); /* no temporary file left behind */

	/* A failure leaves the old content and no temporary file. */
	char missing[600];
	snprintf(missing, sizeof(missing), "%s/no-such-dir/state", dir);
	CHECK_EQ(atomicfile_write(missing, "x", 1, 0644), -ENOENT);
	CHECK_EQ(atomicfile_write(dir, "x", 1, 0644), -EISDIR); /* rename over a directory */
	CHECK_EQ(count_entries(dir), 1);

	CHECK_EQ(atomicfile_remove(path), 0);
	CHECK_EQ(atomicfile_remove(path), 0); /* absent is fine */
	CHECK_EQ(count_entries(dir), 0);
	CHECK_EQ(rmdir(dir), 0);
}

static void test_clock(void)
{
	uint64_t ns = clock_mono_ns(), ms = clock_mono_ms();
	CHECK(ms >= ns / 1000000u && ms - ns / 1000000u < 1000);
	uint64_t later = clock_mono_ns();
	CHECK(later >= ns);
}

int main(void)
{
	test_atomicfile();
	test_clock();
	return CHECK_SUMMARY();
}
