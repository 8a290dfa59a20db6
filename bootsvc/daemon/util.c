/* util.c: small helpers of the ringsan-boot daemon: epoll registration, confined opens, IPv4
 * parsing, rate-limited logs, shedding connections. */
#include "bootsvc/daemon/bootd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

int bootd_watch(struct bootd *d, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, w->fd, &ev) ? -errno : 0;
}

int bootd_rewatch(struct bootd *d, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(d->epfd, EPOLL_CTL_MOD, w->fd, &ev) ? -errno : 0;
}

void bootd_unwatch(struct bootd *d, struct watch *w)
{
	if (w->fd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

/* Fallback for kernels without openat2 (< 5.6): walk the components with O_NOFOLLOW, so no
 * symlink is followed at all (stricter than RESOLVE_BENEATH). */
static int open_walk(int dirfd, const char *path)
{
	char comp[NAME_MAX + 1];
	int fd = dup(dirfd);
	if (fd < 0)
		return -errno;
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);
		if (n == 0 || n > NAME_MAX || (n == 2 && path[0] == '.' && path[1] == '.')) {
			close(fd);
			return -EACCES;
		}
		memcpy(comp, path, n);
		comp[n] = '\0';
		int flags = O_NOFOLLOW | O_CLOEXEC | (slash ? O_PATH | O_DIRECTORY : O_RDONLY);
		int next = openat(fd, comp, flags);
		int saved = errno;
		close(fd);
		if (next < 0)
			return -saved;
		fd = next;
		path += n + (slash ? 1 : 0);
	}
	return fd;
}

int bootd_open_beneath(int dirfd, const char *path)
{
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = open_walk(dirfd, path);
	else if (fd < 0)
		fd = -errno;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	}
	return fd;
}

int bootd_parse_ipv4(const char *text, uint32_t *ip)
{
	struct in_addr a;
	if (inet_pton(AF_INET, text, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

void bootd_log_limited(struct admit_ratelimit *rl, const char *fmt, ...)
{
	char msg[512];
	uint64_t held_back;
	va_list ap;
	if (!admit_ratelimit_event(rl, clock_mono_ms(), 1000, &held_back))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (held_back)
		log_warn("%s (and %llu more like it in the last second)", msg,
			 (unsigned long long)held_back);
	else
		log_warn("%s", msg);
}

void bootd_shed_connection(struct bootd *d, int listen_fd)
{
	if (d->reserve_fd >= 0) {
		close(d->reserve_fd);
		d->reserve_fd = -1;
	}
	int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}
