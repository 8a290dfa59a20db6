/* lunfile_build.c: making a LUN appear atomically (see lunfile.h): build in a temporary
 * directory, fsync, rename with RENAME_NOREPLACE, fsync the data dir. Also the clean-up of
 * what interrupted operations leave behind. */
#include "common/lunfile_impl.h"
#include "common/atomicfile.h"
#include "common/uuid.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LEFTOVER_MIN_AGE 60 /* seconds: an unlocked leftover younger than this may be in use */

static int lunfile_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		snprintf(err, errlen, "bad data directory '%s'", path);
		return -EINVAL;
	}
	memcpy(buf, path, len + 1);
	for (char *p = strchr(buf + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
			int ret = -errno;
			snprintf(err, errlen, "cannot create data directory %s: %s", buf,
				 strerror(errno));
			return ret;
		}
		if (!p)
			break;
		*p = '/';
	}
	return 0;
}

static void lunfile_remove_tree_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(fd, e->d_name, 0);
	if (d)
		closedir(d);
	else if (fd >= 0)
		close(fd);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* ".NAME.tmp-XXXXXX" or ".NAME.rm-XXXXXX" */
static bool lunfile_is_leftover(const char *name)
{
	return name[0] == '.' && (strstr(name, ".tmp-") || strstr(name, ".rm-"));
}

static bool lunfile_leftover_idle(int data_fd, const char *name)
{
	char disk[NAME_MAX + 16];
	struct stat st;
	bool idle;
	int fd;

	snprintf(disk, sizeof(disk), "%s/" LUNFILE_DISK, name);
	fd = openat(data_fd, disk, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		idle = lunfile_lock_fd(fd, F_WRLCK) == 0;
		close(fd);
		return idle;
	}
	/* No disk.img yet (or any more): only old ones are surely abandoned. */
	return fstatat(data_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_ctime + LEFTOVER_MIN_AGE < time(NULL);
}

static void lunfile_cleanup_leftovers(const char *data_dir)
{
	DIR *d = opendir(data_dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (lunfile_is_leftover(e->d_name) && lunfile_leftover_idle(dirfd(d), e->d_name))
			lunfile_remove_tree_at(dirfd(d), e->d_name);
	if (d)
		closedir(d);
}

int lunfile_build_begin(struct lunfile_build *b, const char *data_dir, const char *name, char *err,
			size_t errlen)
{
	struct stat st;
	int ret;

	b->dir_fd = b->disk_fd = -1;
	b->tmp[0] = '\0';
	b->backend = NULL;
	ret = lunfile_mkdirs(data_dir, err, errlen);
	if (ret)
		return ret;
	lunfile_cleanup_leftovers(data_dir);
	if (snprintf(b->final, sizeof(b->final), "%s/%s", data_dir, name) >=
		(int)sizeof(b->final) ||
	    snprintf(b->tmp, sizeof(b->tmp), "%s/.%s.tmp-XXXXXX", data_dir, name) >=
		(int)sizeof(b->tmp)) {
		b->tmp[0] = '\0';
		snprintf(err, errlen, "data directory path too long: %s", data_dir);
		return -ENAMETOOLONG;
	}
	if (lstat(b->final, &st) == 0) {
		b->tmp[0] = '\0';
		snprintf(err, errlen, "LUN '%s' already exists in %s", name, data_dir);
		return -EEXIST;
	}
	if (!mkdtemp(b->tmp)) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a directory in %s: %s", data_dir,
			 strerror(errno));
		b->tmp[0] = '\0';
		return ret;
	}
	b->dir_fd = open(b->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* mkdtemp makes it 0700; 0755 lets the boot service (no longer root once its ports are
	 * bound) see the LUN's size and lun.meta for its menus. disk.img itself stays 0600. */
	if (b->dir_fd >= 0)
		fchmod(b->dir_fd, 0755);
	if (b->dir_fd >= 0)
		b->disk_fd =
		    openat(b->dir_fd, LUNFILE_DISK, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (b->disk_fd < 0 || lunfile_lock_fd(b->disk_fd, F_WRLCK) != 0) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot create %s/%s: %s", b->tmp, LUNFILE_DISK,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

static int lunfile_write_meta(int dir_fd, uint32_t block_size, const char *description,
			      const char *backend)
{
	char text[LUNFILE_DESC_MAX + LUNFILE_BACKEND_MAX + 256], uuid_text[UUID_TEXT_LEN];
	uint8_t uuid[16];
	int fd, n, ret = 0;

	if (getrandom(uuid, sizeof(uuid), 0) != (ssize_t)sizeof(uuid))
		return -EIO;
	uuid_from_random(uuid);
	n = snprintf(text, sizeof(text), "uuid=%s\nblock_size=%u\ndescription=%s\ncreated=%lld\n",
		     uuid_format(uuid, uuid_text), block_size, description ? description : "",
		     (long long)time(NULL));
	if (backend)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "backend=%s\n", backend);
	fd = openat(dir_fd, LUNFILE_META, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	errno = EIO;
	if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

int lunfile_build_commit(struct lunfile_build *b, const char *data_dir, const char *name,
			 uint32_t block_size, const char *description, char *err, size_t errlen)
{
	int ret = 0;

	if (fsync(b->disk_fd) != 0)
		ret = -errno;
	if (!ret)
		ret = lunfile_write_meta(b->dir_fd, block_size, description, b->backend);
	if (!ret && fsync(b->dir_fd) != 0)
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot write LUN '%s' in %s: %s", name, data_dir,
			 strerror(-ret));
		return ret;
	}
	if (renameat2(AT_FDCWD, b->tmp, AT_FDCWD, b->final, RENAME_NOREPLACE) != 0) {
		ret = -errno;
		if (ret == -EEXIST || ret == -ENOTEMPTY)
			snprintf(err, errlen, "LUN '%s' already exists in %s", name, data_dir);
		else
			snprintf(err, errlen, "cannot rename %s to %s: %s", b->tmp, b->final,
				 strerror(errno));
		return ret == -ENOTEMPTY ? -EEXIST : ret;
	}
	b->tmp[0] = '\0'; /* committed: nothing to remove */
	ret = atomicfile_fsync_dir(data_dir);
	if (ret)
		snprintf(err, errlen, "cannot fsync %s: %s", data_dir, strerror(-ret));
	return ret;
}

void lunfile_build_end(struct lunfile_build *b)
{
	if (b->tmp[0]) {
		char *slash = strrchr(b->tmp, '/');
		*slash = '\0';
		int parent = open(b->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		if (parent >= 0) {
			lunfile_remove_tree_at(parent, slash + 1);
			close(parent);
		}
		b->tmp[0] = '\0';
	}
	if (b->disk_fd >= 0)
		close(b->disk_fd);
	if (b->dir_fd >= 0)
		close(b->dir_fd);
	b->disk_fd = b->dir_fd = -1;
}

void lunfile_remove_tree(const char *data_dir, const char *entry)
{
	int parent = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (parent >= 0) {
		lunfile_remove_tree_at(parent, entry);
		close(parent);
	}
}

void lunfile_cleanup(const char *data_dir)
{
	lunfile_cleanup_leftovers(data_dir);
}
