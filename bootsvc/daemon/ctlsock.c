/* ctlsock.c: ringsan-boot's own control socket, the read side of the boot timelines for
 * `ringsan-boot machines`. A Unix socket rather than the admin HTTP listener: it is there
 * whether or not an admin port is configured, it is found from the data dir (so two services on
 * one host never answer for each other), and the file's mode (0660) decides who may read, with
 * no token. Protocol as the target's: one request line (`machines`, `machines json`,
 * `metrics`), the answer, EOF. Non-blocking in the epoll loop, at most CTL_MAX_CONNS at once,
 * each with a deadline. */
#include "bootsvc/daemon/bootd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bootsvc/proto/bootctl.h"
#include "common/log.h"

#define CTL_MAX_CONNS	16
#define CTL_DEADLINE_MS 5000

struct ctl_conn {
	struct watch w;
	struct ctl_conn *next;
	char in[BOOTCTL_REQUEST_MAX];
	size_t in_len;
	struct menu_buf out;
	size_t out_off;
	bool answering;
	int64_t deadline;
};

void ctlsock_path(const struct bootd *d, char out[static 108])
{
	if (d->cfg.boot.control_socket[0])
		snprintf(out, 108, "%.107s", d->cfg.boot.control_socket);
	else
		snprintf(out, 108, "%.96s/.boot.sock", d->data_dir);
}

static void conn_free(struct bootd *d, struct ctl_conn *c)
{
	for (struct ctl_conn **p = &d->ctl_conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	d->ctl_count--;
	bootd_unwatch(d, &c->w);
	close(c->w.fd);
	menu_buf_free(&c->out);
	free(c);
}

static void answer(struct bootd *d, struct ctl_conn *c, int parsed, enum bootctl_request req)
{
	int64_t now = bootd_unix_ms();
	int rc = 0;
	if (parsed == -EMSGSIZE)
		timeline_printf(&c->out, "error: request longer than %d bytes\n",
				BOOTCTL_REQUEST_MAX - 1);
	else if (parsed < 0)
		timeline_printf(&c->out,
				"error: unknown request (machines, machines json or metrics)\n");
	else if (req == BOOTCTL_MACHINES)
		rc = timeline_render_text(&d->tl, now, &c->out);
	else if (req == BOOTCTL_MACHINES_JSON)
		rc = timeline_render_json(&d->tl, now, &c->out);
	else
		rc = admin_render_metrics(d, &c->out);
	if (rc || c->out.err) {
		menu_buf_free(&c->out);
		timeline_printf(&c->out, "error: out of memory\n");
	}
	c->answering = true;
	bootd_rewatch(d, &c->w, EPOLLOUT);
}

static void on_conn(struct bootd *d, struct watch *w, uint32_t events)
{
	struct ctl_conn *c = container_of(w, struct ctl_conn, w);
	enum bootctl_request req = BOOTCTL_MACHINES;
	(void)events;
	if (!c->answering) {
		ssize_t n = recv(w->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			return conn_free(d, c);
		c->in_len += (size_t)n;
		int parsed = bootctl_parse(c->in, c->in_len, &req);
		if (parsed != 0)
			answer(d, c, parsed, req);
		return;
	}
	while (c->out_off < c->out.len) {
		ssize_t n = send(w->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			break;
		c->out_off += (size_t)n;
	}
	/* Unread request bytes would turn the close into a reset that can discard the answer. */
	char scratch[4096];
	for (int i = 0; i < 16 && recv(w->fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0; i++)
		;
	shutdown(w->fd, SHUT_WR);
	conn_free(d, c);
}

static void on_accept(struct bootd *d, struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ctl_conn *c = d->ctl_count < CTL_MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			close(fd); /* busy: the client sees EOF with no answer and says so */
			continue;
		}
		c->w.fd = fd;
		c->w.on_event = on_conn;
		c->deadline = clock_mono_ms() + CTL_DEADLINE_MS;
		c->next = d->ctl_conns;
		d->ctl_conns = c;
		d->ctl_count++;
		if (bootd_watch(d, &c->w, EPOLLIN) != 0)
			conn_free(d, c);
	}
}

/* A socket file nobody listens on (a killed daemon's) is replaced; a live one is not. */
static bool someone_listens(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	if (fd >= 0)
		close(fd);
	return live;
}

int ctlsock_open(struct bootd *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	d->ctl.fd = -1;
	ctlsock_path(d, d->ctl_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->ctl_path);
	if (someone_listens(&sa)) {
		log_warn("control socket %s: another ringsan-boot answers there; `ringsan-boot "
			 "machines` reaches that one (give this one its own [boot] control_socket)",
			 d->ctl_path);
		return 0;
	}
	unlink(d->ctl_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(0117);
	int rc = fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0;
	umask(old);
	if (rc) {
		log_warn(
		    "control socket %s: %s: `ringsan-boot machines` will not reach this daemon "
		    "(check the data dir, or set [boot] control_socket)",
		    d->ctl_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	d->ctl.fd = fd;
	d->ctl.on_event = on_accept;
	return bootd_watch(d, &d->ctl, EPOLLIN);
}

void ctlsock_close(struct bootd *d)
{
	while (d->ctl_conns)
		conn_free(d, d->ctl_conns);
	if (d->ctl.fd >= 0) {
		bootd_unwatch(d, &d->ctl);
		close(d->ctl.fd);
		unlink(d->ctl_path); /* may fail once root is dropped; the next start replaces it */
		d->ctl.fd = -1;
	}
}

int64_t ctlsock_tick(struct bootd *d, int64_t now)
{
	int64_t next = INT64_MAX;
	struct ctl_conn *c = d->ctl_conns;
	while (c) {
		struct ctl_conn *following = c->next;
		if (now >= c->deadline)
			conn_free(d, c);
		else if (c->deadline < next)
			next = c->deadline;
		c = following;
	}
	return next;
}

int ctlsock_query(const char *path, const char *request)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	char buf[65536];
	size_t total = 0;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr,
			"ringsan-boot: cannot reach the boot service at %s: %s (is `ringsan-boot "
			"serve` running with this data dir? -c FILE, --data-dir DIR or [boot] "
			"control_socket name it)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t n = strlen(request);
	if (send(fd, request, n, MSG_NOSIGNAL) != (ssize_t)n) {
		fprintf(stderr, "ringsan-boot: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	for (ssize_t got; (got = recv(fd, buf, sizeof(buf), 0)) != 0; total += (size_t)got) {
		if (got < 0) {
			fprintf(stderr, "ringsan-boot: %s: %s\n", path,
				errno == EAGAIN ? "no answer within 5 s" : strerror(errno));
			close(fd);
			return 1;
		}
		if (total == 0 && strncmp(buf, "error: ", 7) == 0) {
			fprintf(stderr, "ringsan-boot: %.*s", (int)got, buf);
			close(fd);
			return 1;
		}
		fwrite(buf, 1, (size_t)got, stdout);
	}
	close(fd);
	if (total == 0) {
		fprintf(stderr, "ringsan-boot: %s: no answer (the service is busy; try again)\n",
			path);
		return 1;
	}
	return 0;
}
