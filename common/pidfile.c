/* pidfile.c: see pidfile.h. */
#include "common/pidfile.h"
#include "common/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pidfile_path(char *buf, size_t len, const char *data_dir)
{
	int n = snprintf(buf, len, "%s%s", data_dir, PIDFILE_NAME);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static pid_t pidfile_read_pid(const char *path)
{
	char text[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	char *end;
	long pid = strtol(text, &end, 10);
	if (pid <= 0 || pid > 0x3fffffff || (*end != '\n' && *end != '\0'))
		return 0;
	return (pid_t)pid;
}

static int pidfile_comm_is(pid_t pid, const char *comm)
{
	char path[64], name[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return strcmp(name, comm) == 0;
}

pid_t pidfile_read_alive(const char *path, const char *comm)
{
	pid_t pid = pidfile_read_pid(path);

	if (pid <= 0)
		return 0;
	if (kill(pid, 0) != 0 && errno != EPERM)
		return 0;
	return pidfile_comm_is(pid, comm) ? pid : 0;
}

int pidfile_write(const char *path, const char *comm, char *err, size_t errlen)
{
	char text[32];
	pid_t other = pidfile_read_alive(path, comm);
	int n, ret;

	if (other > 0 && other != getpid()) {
		snprintf(err, errlen, "%s names a running %s (pid %d): stop it first", path, comm,
			 (int)other);
		return -EEXIST;
	}
	n = snprintf(text, sizeof(text), "%d\n", (int)getpid());
	ret = atomicfile_write(path, text, (size_t)n, 0644);
	if (ret != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
	return ret;
}

int pidfile_remove(const char *path)
{
	pid_t pid = pidfile_read_pid(path);

	if (pid == 0)
		return access(path, F_OK) == 0 ? -EPERM : -ENOENT;
	if (pid != getpid())
		return -EPERM;
	return unlink(path) == 0 ? 0 : -errno;
}
