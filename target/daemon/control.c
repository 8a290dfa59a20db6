/* control.c: see control.h. */
#include "target/daemon/control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "target/daemon/server.h"
#include "target/obs/obs_render.h"

int control_socket_path(const struct config *cfg, char *buf, size_t len)
{
	const struct config_server *s = &cfg->server;
	int n = s->control_socket[0] ? snprintf(buf, len, "%s", s->control_socket)
				     : snprintf(buf, len, "%s/.control.sock", s->data_dir);
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
	return n < 0 || (size_t)n >= len || (size_t)n >= max ? -ENAMETOOLONG : 0;
}

/* A socket file left by a killed target is replaced; one something listens on is not. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "%s exists and is not a socket: remove it, or set [server] "
			 "control_socket to another path",
			 path);
		return -EEXIST;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ret = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	if (ret == 0) {
		snprintf(err, errlen,
			 "another process answers on the control socket %s (a second target?): "
			 "stop it, or set [server] control_socket to another path",
			 path);
		return -EADDRINUSE;
	}
	unlink(path);
	return 0;
}

static int open_socket(struct control *ctl, const struct config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	const char *gname = cfg->server.control_group;
	int ret;

	if (control_socket_path(cfg, ctl->sock_path, sizeof(ctl->sock_path)) < 0) {
		snprintf(err, errlen,
			 "the control socket's path is longer than %zu bytes: set [server] "
			 "control_socket to a shorter path",
			 sizeof(a.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	ctl->group = 0;
	if (gname[0]) {
		struct group *g = getgrnam(gname);
		if (!g) {
			snprintf(err, errlen,
				 "[server] control_group '%s' does not exist: create it (groupadd "
				 "%s) or name another group",
				 gname, gname);
			return -ENOENT;
		}
		ctl->group = g->gr_gid;
	}
	if ((ret = clear_stale(ctl->sock_path, err, errlen)) < 0) {
		if (!err[0])
			snprintf(err, errlen, "control socket %s: %s", ctl->sock_path,
				 strerror(-ret));
		return ret;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", ctl->sock_path);
	ctl->sock_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->sock_fd < 0 || bind(ctl->sock_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(ctl->sock_fd, 64) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the control socket %s: %s", ctl->sock_path,
			 strerror(errno));
		return ret;
	}
	if (chmod(ctl->sock_path, 0660) < 0 || chown(ctl->sock_path, (uid_t)-1, ctl->group) < 0)
		log_warn("control socket %s: cannot give it mode 0660 and group %u: %s",
			 ctl->sock_path, (unsigned)ctl->group, strerror(errno));
	return 0;
}

static int open_metrics(struct control *ctl, const struct config *cfg, char *err, size_t errlen)
{
	struct config_portal p;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int one = 1;

	if (!cfg->server.metrics_listen[0])
		return 0;
	if (config_parse_metrics_listen(&p, cfg->server.metrics_listen, err, errlen) < 0)
		return -EINVAL;
	if (p.ipv6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(p.port);
		inet_pton(AF_INET6, p.host, &a6->sin6_addr);
		len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(p.port);
		inet_pton(AF_INET, p.host, &a4->sin_addr);
		len = sizeof(*a4);
	}
	ctl->metrics_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->metrics_fd >= 0)
		setsockopt(ctl->metrics_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ctl->metrics_fd < 0 || bind(ctl->metrics_fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(ctl->metrics_fd, 64) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot listen for metrics on %s%s%s:%u: %s%s",
			 p.ipv6 ? "[" : "", p.host, p.ipv6 ? "]" : "", p.port, strerror(e),
			 e == EADDRINUSE ? " (choose another port in [server] metrics_listen)"
					 : "");
		return -e;
	}
	log_notice("metrics on http://%s%s%s:%u/metrics", p.ipv6 ? "[" : "", p.host,
		   p.ipv6 ? "]" : "", p.port);
	return 0;
}

int control_open(struct control *ctl, struct server *srv, const struct config *cfg, char *err,
		 size_t errlen)
{
	int ret;

	memset(ctl, 0, sizeof(*ctl));
	ctl->srv = srv;
	ctl->sock_fd = ctl->metrics_fd = -1;
	for (unsigned i = 0; i < CONTROL_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	err[0] = 0;
	if ((ret = open_socket(ctl, cfg, err, errlen)) < 0 ||
	    (ret = open_metrics(ctl, cfg, err, errlen)) < 0) {
		control_close(ctl);
		return ret;
	}
	return 0;
}

static void client_end(struct control_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	obs_buf_fini(&c->out);
	c->inlen = c->outoff = 0;
	c->answering = c->denied = false;
}

void control_close(struct control *ctl)
{
	for (unsigned i = 0; i < CONTROL_CLIENTS; i++)
		client_end(&ctl->clients[i]);
	if (ctl->sock_fd >= 0) {
		close(ctl->sock_fd);
		unlink(ctl->sock_path);
	}
	if (ctl->metrics_fd >= 0)
		close(ctl->metrics_fd);
	ctl->sock_fd = ctl->metrics_fd = -1;
}

/* Root, the daemon's own user, and members of control_group (primary or supplementary). */
static bool authorised(const struct control *ctl, int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char buf[4096];
	struct passwd pw, *res = NULL;
	gid_t groups[256];
	int n = 256;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid() || cr.gid == ctl->group)
		return true;
	if (getpwuid_r(cr.uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == ctl->group)
			return true;
	return false;
}

static struct control_client *client_slot(struct control *ctl)
{
	struct control_client *oldest = &ctl->clients[0];
	for (unsigned i = 0; i < CONTROL_CLIENTS; i++) {
		if (ctl->clients[i].fd < 0)
			return &ctl->clients[i];
		if (ctl->clients[i].since_ms < oldest->since_ms)
			oldest = &ctl->clients[i];
	}
	client_end(oldest); /* the oldest gives way */
	return oldest;
}

static void accept_one(struct control *ctl, int lfd, bool metrics, uint64_t now)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct control_client *c = client_slot(ctl);
	c->fd = fd;
	c->metrics = metrics;
	c->since_ms = now;
	obs_buf_init(&c->out);
	c->denied = !metrics && !authorised(ctl, fd);
}

static void answer_request(struct control *ctl, struct control_client *c, const struct obs_req *r)
{
	struct server *s = ctl->srv;
	struct obs_target t;

	if (r->kind == OBS_REQ_EVENTS) {
		pthread_mutex_lock(&s->ev_lock);
		obs_events_render(&s->events, r->seq, &c->out);
		pthread_mutex_unlock(&s->ev_lock);
		return;
	}
	if (server_snapshot(s, &t) < 0) {
		obs_buf_printf(&c->out, "error: out of memory\n");
		return;
	}
	if (r->kind == OBS_REQ_STATUS_TEXT)
		obs_render_status_text(&t, &c->out);
	else
		obs_render_status(&t, &c->out);
	server_snapshot_free(&t);
}

static void answer_http(struct control *ctl, struct control_client *c, bool eof)
{
	static const char *const status[] = {
	    [OBS_HTTP_NOT_FOUND] = "404 Not Found",
	    [OBS_HTTP_METHOD] = "405 Method Not Allowed",
	    [OBS_HTTP_BAD] = "400 Bad Request",
	    [OBS_HTTP_TOO_LARGE] = "431 Request Header Fields Too Large",
	};
	bool head;
	enum obs_http_verdict v = obs_http_parse(c->in, c->inlen, eof, &head);
	struct obs_buf body;
	struct obs_target t;

	if (v == OBS_HTTP_MORE)
		return;
	c->answering = true;
	obs_buf_init(&body);
	if (v == OBS_HTTP_METRICS && server_snapshot(ctl->srv, &t) == 0) {
		obs_render_metrics(&t, &body);
		server_snapshot_free(&t);
		if (!body.oom) {
			obs_buf_printf(
			    &c->out,
			    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
			    "charset=utf-8\r\nContent-Length: %zu\r\nConnection: "
			    "close\r\n\r\n",
			    body.len);
			if (!head)
				obs_buf_add(&c->out, body.p, body.len);
			obs_buf_fini(&body);
			return;
		}
	}
	obs_buf_fini(&body);
	const char *st = v == OBS_HTTP_METRICS ? "503 Service Unavailable" : status[v];
	const char *msg = v == OBS_HTTP_NOT_FOUND ? "the metrics are at /metrics\n" : "";
	obs_buf_printf(&c->out,
		       "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n\r\n%s",
		       st, head ? 0 : strlen(msg), head ? "" : msg);
}

static void client_read(struct control *ctl, struct control_client *c)
{
	size_t cap = c->metrics ? OBS_HTTP_MAX : OBS_REQ_MAX;
	ssize_t n = recv(c->fd, c->in + c->inlen, cap - c->inlen, 0);
	bool eof = n == 0;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_end(c);
		return;
	}
	c->inlen += (size_t)n;
	eof = eof || c->inlen == cap;
	if (c->metrics)
		return answer_http(ctl, c, eof);
	struct obs_req r;
	const char *why = NULL;
	int ret = obs_req_parse(c->in, c->inlen, eof, &r, &why);
	if (ret == 0)
		return;
	c->answering = true;
	if (c->denied) /* told only once it has asked, so a client never writes into a closed socket
			*/
		obs_buf_printf(&c->out, "error: not authorised\n");
	else if (ret < 0)
		obs_buf_printf(&c->out, "error: %s\n", why);
	else
		answer_request(ctl, c, &r);
	if (c->out.oom) {
		obs_buf_fini(&c->out);
		obs_buf_printf(&c->out, "error: out of memory\n");
	}
}

static void client_write(struct control_client *c)
{
	while (c->outoff < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->outoff, c->out.len - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;
		}
		c->outoff += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	/* Unread bytes at close make the kernel reset the connection, which can destroy the answer
	 * before the client reads it (a request over the cap): take in what has come. */
	char sink[4096];
	for (int i = 0; i < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	client_end(c);
}

unsigned control_pollfds(struct control *ctl, struct pollfd *pfd)
{
	unsigned n = 0;
	if (ctl->sock_fd >= 0)
		pfd[n++] = (struct pollfd){.fd = ctl->sock_fd, .events = POLLIN};
	if (ctl->metrics_fd >= 0)
		pfd[n++] = (struct pollfd){.fd = ctl->metrics_fd, .events = POLLIN};
	for (unsigned i = 0; i < CONTROL_CLIENTS; i++) {
		struct control_client *c = &ctl->clients[i];
		if (c->fd >= 0)
			pfd[n++] =
			    (struct pollfd){.fd = c->fd, .events = c->answering ? POLLOUT : POLLIN};
	}
	return n;
}

void control_serve(struct control *ctl, const struct pollfd *pfd, unsigned n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == ctl->sock_fd) {
			accept_one(ctl, ctl->sock_fd, false, now_ms);
			continue;
		}
		if (pfd[i].fd == ctl->metrics_fd) {
			accept_one(ctl, ctl->metrics_fd, true, now_ms);
			continue;
		}
		for (unsigned k = 0; k < CONTROL_CLIENTS; k++) {
			struct control_client *c = &ctl->clients[k];
			if (c->fd != pfd[i].fd)
				continue;
			if (!c->answering)
				client_read(ctl, c);
			if (c->fd >= 0 && c->answering)
				client_write(c);
			break;
		}
	}
	for (unsigned k = 0; k < CONTROL_CLIENTS; k++) {
		struct control_client *c = &ctl->clients[k];
		if (c->fd >= 0 && now_ms - c->since_ms > CONTROL_DEADLINE_MS)
			client_end(c);
	}
}
