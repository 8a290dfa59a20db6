/* httpd.c: the HTTP server of ringsan-boot: generated iPXE scripts (rendered per request, so a
 * new LUN shows up without a restart), the iPXE binaries under /ipxe/ (UEFI HTTP boot), and
 * install media under /media/ with single Range requests (iPXE sanboots ISOs over HTTP with
 * Range). Non-blocking sockets in the epoll loop; bodies go out with sendfile().
 *
 * Admission control (the policy is proto/admit.h): a connection is pending until its first
 * whole request header, then active. Pending connections have their own budget, a share per
 * source address and a deadline for the whole header; when the budget is full the oldest
 * pending one is closed for the new one, so a slow or silent client can delay a good one by
 * at most one round of displacement, never lock it out. At the process's descriptor limit the
 * reserve descriptor lets the listener shed the connection and the listener pauses, instead of
 * spinning on a readable listener whose accept() keeps failing.
 *
 * The same server answers the admin listener ([boot] admin_listen: status page, JSON, metrics)
 * and the metrics listener (/metrics only) when they are configured: admin.c decides what they
 * say; their connections share the admission budgets and are not counted in the metrics. */
#include "bootsvc/daemon/bootd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootsvc/proto/http.h"
#include "common/log.h"

#define HTTP_ACCEPT_PAUSE_MS 100 /* listener rest after EMFILE/ENFILE */

enum http_role { ROLE_BOOT, ROLE_ADMIN, ROLE_METRICS };

struct http_conn {
	struct watch w;
	enum http_role role;
	int status; /* of the response being written */
	struct http_conn *next;
	char peer[16];
	char in[HTTP_MAX_HEADER];
	size_t in_len;
	char head[1024]; /* response header */
	size_t head_len, head_off;
	struct menu_buf body; /* a script or an error text */
	size_t body_off;
	int file_fd; /* or -1 */
	off_t file_off;
	uint64_t file_left;
	bool writing, keep_alive;
	bool pending;	     /* no whole request yet: counts against the pending budget */
	bool header_started; /* active: bytes of the next request have arrived */
	uint32_t source;     /* peer address, host order */
	int64_t accepted_ms; /* for the log: how long a closed pending connection waited */
	uint64_t order;	     /* the policy's age of a pending connection (bootd.http_accepted) */
	int64_t deadline;    /* header deadline (pending), else idle deadline */
};

static void conn_free(struct bootd *d, struct http_conn *c)
{
	for (struct http_conn **p = &d->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	d->conn_count--;
	if (c->pending)
		d->pending_count--;
	else
		d->active_count--;
	bootd_unwatch(d, &c->w);
	close(c->w.fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	menu_buf_free(&c->body);
	/* Freed after this round of events: one that is still queued for it sees fd -1. */
	c->w.fd = -1;
	c->next = d->http_dead;
	d->http_dead = c;
}

static void set_head(struct http_conn *c, const struct http_response *r)
{
	c->status = r->status;
	int n = http_format_response(c->head, sizeof(c->head), r);
	c->head_len = n > 0 ? (size_t)n : 0;
	c->head_off = 0;
	c->writing = true;
}

static void respond_error(struct http_conn *c, int status, bool head_only)
{
	struct http_response r = {.status = status, .content_type = "text/plain; charset=utf-8"};
	menu_buf_free(&c->body);
	if (!head_only) {
		c->body.p = NULL;
		size_t n = strlen(http_status_text(status));
		c->body.p = malloc(n + 2);
		if (c->body.p) {
			snprintf(c->body.p, n + 2, "%s\n", http_status_text(status));
			c->body.len = n + 1;
		}
	}
	r.content_length = head_only ? 0 : c->body.len;
	if (status == 405)
		r.allow = "GET, HEAD";
	r.keep_alive = c->keep_alive = c->keep_alive && status < 500 && status != 400;
	set_head(c, &r);
	c->body_off = 0;
}

/* A generated script by name ("menu.ipxe"), or -ENOENT. */
static int serve_script(struct bootd *d, struct http_conn *c, const struct http_request *req,
			const char *name)
{
	char mac[32] = "-";
	int rc = boot_render(d, name, &c->body);
	/* Rendering reads the data dir: at the descriptor limit, connections without a request
	 * give way to a client that has sent one. */
	for (int i = 0; i < 4 && (rc == -EMFILE || rc == -ENFILE); i++) {
		if (!httpd_release_pending(d, "render"))
			break;
		menu_buf_free(&c->body);
		rc = boot_render(d, name, &c->body);
	}
	if (rc) {
		menu_buf_free(&c->body);
		return rc;
	}
	http_query_get(req->query, "mac", mac, sizeof(mac));
	log_info("boot: http %s to %s mac %s", name, c->peer, mac);
	if (req->method == HTTP_GET)
		obsd_script(d, name, mac, c->source, "HTTP");
	if (req->method == HTTP_GET && strncmp(name, "fleet-", 6) == 0)
		fleetd_boot_request(d, name, mac, c->peer);
	struct http_response r = {.status = 200,
				  .content_type = http_content_type(name),
				  .content_length = c->body.len,
				  .keep_alive = c->keep_alive};
	if (req->method == HTTP_HEAD)
		c->body.len = 0;
	set_head(c, &r);
	c->body_off = 0;
	return 0;
}

/* The [image] that serves this file of the media dir (its kernel, an initrd or its ISO). */
static const char *image_of(const struct bootd *d, const char *path)
{
	const char *media = d->cfg.boot.media_dir;
	for (unsigned i = 0; i < d->cfg.image_count; i++) {
		const struct config_image *im = &d->cfg.images[i];
		if ((im->kernel[0] && strcmp(menu_media_relative(media, im->kernel), path) == 0) ||
		    (im->iso[0] && strcmp(menu_media_relative(media, im->iso), path) == 0))
			return im->name;
		for (unsigned k = 0; k < im->initrd.count; k++) {
			const char *eq = strchr(im->initrd.items[k], '=');
			const char *p = eq ? eq + 1 : im->initrd.items[k];
			if (strcmp(menu_media_relative(media, p), path) == 0)
				return im->name;
		}
	}
	return NULL;
}

/* A step of the machine's boot: iPXE itself over HTTP (UEFI HTTP boot), or install media (the
 * choice was install, with that image). */
static void note_file(struct bootd *d, struct http_conn *c, int dirfd, const char *path,
		      uint64_t off)
{
	char detail[TL_DETAIL_MAX];
	const char *image;
	if (dirfd == d->tftp_root_fd) {
		snprintf(detail, sizeof(detail), "%.80s over HTTP", path);
		obsd_step(d, TL_FIRMWARE, NULL, c->source, NULL, detail, -1);
	} else if (off == 0) {
		image = image_of(d, path);
		snprintf(detail, sizeof(detail), "%s%.40s%s/media/%.70s", image ? "image " : "",
			 image ? image : "", image ? ": " : "", path);
		obsd_step(d, TL_INSTALL, NULL, c->source, NULL, detail, -1);
	}
}

static int serve_file(struct bootd *d, struct http_conn *c, const struct http_request *req,
		      int dirfd, const char *rel)
{
	char path[TFTP_PATH_MAX];
	struct stat st;
	uint64_t off, len;
	if (dirfd < 0 || tftp_sanitize_path(rel, path, sizeof(path)) != 0)
		return -ENOENT;
	int fd = bootd_open_beneath(dirfd, path);
	if (fd < 0)
		return fd;
	fstat(fd, &st);
	int status = http_range_resolve(&req->range, (uint64_t)st.st_size, &off, &len);
	struct http_response r = {.status = status,
				  .content_type = http_content_type(path),
				  .content_length = status == 416 ? 0 : len,
				  .range_first = off,
				  .range_last = off + len - 1,
				  .entity_size = (uint64_t)st.st_size,
				  .keep_alive = c->keep_alive,
				  .accept_ranges = true};
	set_head(c, &r);
	if (status == 416 || req->method == HTTP_HEAD) {
		close(fd);
		return 0;
	}
	c->file_fd = fd;
	c->file_off = (off_t)off;
	c->file_left = len;
	note_file(d, c, dirfd, path, off);
	if (status == 200)
		log_info("boot: http %s to %s (%llu bytes)", req->path, c->peer,
			 (unsigned long long)len);
	else
		log_debug("http: %s to %s: range %llu+%llu", req->path, c->peer,
			  (unsigned long long)off, (unsigned long long)len);
	return 0;
}

/* The admin and metrics listeners (admin.c). */
static void route_admin(struct bootd *d, struct http_conn *c, const struct http_request *req)
{
	const char *ctype;
	menu_buf_free(&c->body);
	int status =
	    admin_route(d, c->role == ROLE_METRICS, req->path, req->query, &c->body, &ctype);
	if (status == 404) {
		menu_buf_free(&c->body);
		respond_error(c, 404, req->method == HTTP_HEAD);
		return;
	}
	struct http_response r = {.status = status,
				  .content_type = ctype,
				  .content_length = c->body.len,
				  .keep_alive = c->keep_alive};
	if (req->method == HTTP_HEAD)
		c->body.len = 0;
	set_head(c, &r);
	c->body_off = 0;
}

static void route(struct bootd *d, struct http_conn *c, const struct http_request *req)
{
	const char *p = req->path;
	int rc = -ENOENT;
	if (c->role != ROLE_BOOT)
		return route_admin(d, c, req);
	if (strchr(p + 1, '/') == NULL && p[1])
		rc = serve_script(d, c, req, p + 1);
	if (rc == -ENOENT && strncmp(p, "/ipxe/", 6) == 0)
		rc = serve_file(d, c, req, d->tftp_root_fd, p + 6);
	if (rc == -ENOENT && strncmp(p, "/media/", 7) == 0)
		rc = serve_file(d, c, req, d->media_fd, p + 7);
	if (rc == 0)
		return;
	log_info("http: %s %s from %s: %s", req->method == HTTP_HEAD ? "HEAD" : "GET", p, c->peer,
		 rc == -ENOENT ? "not found" : strerror(-rc));
	int status = rc == -ENOENT || rc == -EXDEV || rc == -ELOOP || rc == -EISDIR ? 404
		     : rc == -EMFILE || rc == -ENFILE				    ? 503
										    : 500;
	respond_error(c, status, req->method == HTTP_HEAD);
}

/* Parses what is buffered; starts a response if a whole request is there. */
static void try_request(struct bootd *d, struct http_conn *c)
{
	struct http_request req;
	int n = http_parse_request(&req, c->in, c->in_len);
	if (n == 0)
		return;
	c->keep_alive = n > 0 && req.keep_alive;
	if (n < 0) {
		log_info("http: refused a request from %s: %d", c->peer, -n);
		c->keep_alive = false;
		respond_error(c, -n, false);
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + n, c->in_len - (size_t)n);
	c->in_len -= (size_t)n;
	if (c->pending && !admit_http_request(&d->http_admit, d->active_count)) {
		bootd_log_limited(&d->http_busy,
				  "http: %u connections are busy with requests "
				  "(http_max_active): answered 503 to %s",
				  d->active_count, c->peer);
		c->keep_alive = false;
		respond_error(c, 503, req.method == HTTP_HEAD);
		return;
	}
	if (c->pending) {
		c->pending = false;
		d->pending_count--;
		d->active_count++;
	}
	c->header_started = false;
	c->deadline = clock_mono_ms() + d->http_admit.idle_timeout_ms;
	route(d, c, &req);
}

static void count_bytes(struct bootd *d, const struct http_conn *c, ssize_t n)
{
	if (c->role == ROLE_BOOT)
		d->metrics.http_sent_bytes += (uint64_t)n;
}

/* Writes what it can. Returns false when the connection was closed. */
static bool flush(struct bootd *d, struct http_conn *c)
{
	while (c->head_off < c->head_len) {
		ssize_t n = send(c->w.fd, c->head + c->head_off, c->head_len - c->head_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			goto blocked;
		c->head_off += (size_t)n;
		count_bytes(d, c, n);
	}
	while (c->body_off < c->body.len) {
		ssize_t n = send(c->w.fd, c->body.p + c->body_off, c->body.len - c->body_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			goto blocked;
		c->body_off += (size_t)n;
		count_bytes(d, c, n);
	}
	while (c->file_fd >= 0 && c->file_left > 0) {
		size_t chunk = c->file_left > (1u << 20) ? 1u << 20 : (size_t)c->file_left;
		ssize_t n = sendfile(c->w.fd, c->file_fd, &c->file_off, chunk);
		if (n == 0)
			break; /* the file shrank: the length promised cannot be kept */
		if (n < 0)
			goto blocked;
		c->file_left -= (uint64_t)n;
		count_bytes(d, c, n);
	}
	if (c->file_fd >= 0 && c->file_left > 0)
		c->keep_alive = false;
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	menu_buf_free(&c->body);
	c->writing = false;
	if (!c->keep_alive) {
		conn_free(d, c);
		return false;
	}
	c->deadline = clock_mono_ms() + d->http_admit.idle_timeout_ms;
	bootd_rewatch(d, &c->w, EPOLLIN);
	return true;
blocked:
	if (errno == EAGAIN || errno == EINTR) {
		bootd_rewatch(d, &c->w, EPOLLOUT);
		return true;
	}
	conn_free(d, c);
	return false;
}

/* Reads what the peer sent. Returns false when the connection was closed. */
static bool receive(struct bootd *d, struct http_conn *c)
{
	ssize_t n = recv(c->w.fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_free(d, c);
		return false;
	}
	if (n > 0 && !c->pending && !c->header_started) {
		/* A kept-alive connection's next request: the header deadline starts now, once. */
		c->header_started = true;
		c->deadline = admit_header_deadline(&d->http_admit, clock_mono_ms());
	}
	if (n > 0)
		c->in_len += (size_t)n;
	return true;
}

static void on_conn(struct bootd *d, struct watch *w, uint32_t events)
{
	struct http_conn *c = container_of(w, struct http_conn, w);
	if (c->writing) {
		/* Progress of a response keeps the connection; silence ends it (the idle time). */
		c->deadline = clock_mono_ms() + d->http_admit.idle_timeout_ms;
		if (!flush(d, c))
			return;
		if (c->writing)
			return;
	} else if ((events & EPOLLIN) && !receive(d, c)) {
		return;
	}
	/* Serve pipelined requests until one blocks or there is no whole request left. */
	while (!c->writing) {
		try_request(d, c);
		if (!c->writing)
			return;
		if (c->role == ROLE_BOOT)
			metrics_count_http(&d->metrics, c->status);
		if (!flush(d, c))
			return;
		if (c->in_len && !c->header_started) {
			c->header_started = true;
			c->deadline = admit_header_deadline(&d->http_admit, clock_mono_ms());
		}
	}
}

static const char *const eviction_reason[] = {
    [ADMIT_SOURCE_FULL] = "its address has http_max_pending_per_source connections without a "
			  "request",
    [ADMIT_PENDING_FULL] = "http_max_pending connections are without a request",
};

/* Makes room for a new pending connection from source, per the admission policy. */
static void admit(struct bootd *d, uint32_t source, const char *peer)
{
	struct admit_decision dec;
	size_t n = 0;
	for (struct http_conn *c = d->conns; c && n < d->http_admit.max_pending; c = c->next) {
		if (!c->pending)
			continue;
		d->pending_view[n] = (struct admit_pending){c->source, c->order};
		d->pending_conns[n++] = c;
	}
	admit_http_connection(&d->http_admit, d->pending_view, n, source, &dec);
	if (dec.verdict != ADMIT_TAKE_EVICT || dec.victim >= n)
		return;
	struct http_conn *victim = d->pending_conns[dec.victim];
	bootd_log_limited(&d->http_evictions,
			  "http: closed %s's oldest connection without a request (open %lld ms) "
			  "for a new one from %s: %s",
			  victim->peer, (long long)(clock_mono_ms() - victim->accepted_ms), peer,
			  eviction_reason[dec.reason]);
	conn_free(d, victim);
}

bool httpd_release_pending(struct bootd *d, const char *why)
{
	struct http_conn *oldest = NULL;
	for (struct http_conn *c = d->conns; c; c = c->next)
		if (c->pending && (!oldest || c->order < oldest->order))
			oldest = c;
	if (!oldest)
		return false;
	bootd_log_limited(&d->fd_exhausted,
			  "out of descriptors (%s): closed %s's oldest connection without a "
			  "request (open %lld ms) to make room (raise the open-file limit)",
			  why, oldest->peer, (long long)(clock_mono_ms() - oldest->accepted_ms));
	conn_free(d, oldest);
	return true;
}

static struct watch *listeners(struct bootd *d, int i)
{
	struct watch *ws[] = {&d->http, &d->admin, &d->metrics_http};
	return i < 3 ? ws[i] : NULL;
}

static void pause_accept(struct bootd *d, int listen_fd, int err)
{
	bootd_shed_connection(d, listen_fd);
	bootd_log_limited(&d->fd_exhausted,
			  "http: cannot accept: %s; shedding a connection and pausing the listener "
			  "%d ms (raise the open-file limit or lower the [boot] caps)",
			  strerror(err), HTTP_ACCEPT_PAUSE_MS);
	d->accept_paused_until = clock_mono_ms() + HTTP_ACCEPT_PAUSE_MS;
	for (int i = 0; i < 3; i++)
		if (listeners(d, i)->fd >= 0)
			bootd_rewatch(d, listeners(d, i), 0);
}

static void on_accept(struct bootd *d, struct watch *w, uint32_t events)
{
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(w->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
				return;
			/* accept() takes a descriptor before it looks at the queue: at the limit
			 * it fails even with no one waiting, and nothing should give way then. */
			struct pollfd pf = {.fd = w->fd, .events = POLLIN};
			if (poll(&pf, 1, 0) != 1)
				return;
			/* At the descriptor limit the policy still holds: a connection without
			 * a request gives way; only when there is none is the new one shed. */
			if (httpd_release_pending(d, strerror(err)))
				continue;
			pause_accept(d, w->fd, err);
			return;
		}
		char peer[16];
		uint32_t source = ntohl(sa.sin_addr.s_addr);
		ipv4_format(source, peer);
		admit(d, source, peer);
		struct http_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->w.fd = fd;
		c->w.on_event = on_conn;
		c->role = w == &d->admin	  ? ROLE_ADMIN
			  : w == &d->metrics_http ? ROLE_METRICS
						  : ROLE_BOOT;
		c->file_fd = -1;
		c->pending = true;
		c->source = source;
		c->accepted_ms = clock_mono_ms();
		c->order = ++d->http_accepted;
		c->deadline = admit_header_deadline(&d->http_admit, c->accepted_ms);
		memcpy(c->peer, peer, sizeof(c->peer));
		c->next = d->conns;
		d->conns = c;
		d->conn_count++;
		d->pending_count++;
		if (bootd_watch(d, &c->w, EPOLLIN) != 0) {
			conn_free(d, c);
			continue;
		}
		/* A good client sends its request with the connection: serve it now, before the
		 * rest of this accept batch can displace it. */
		on_conn(d, &c->w, EPOLLIN);
	}
}

/* what: "http", "admin" or "metrics" (for the messages and the key name). */
static int open_listener(struct bootd *d, struct watch *w, const struct config_portal *at,
			 const char *what)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(at->port)};
	int one = 1;
	if (at->ipv6 || inet_pton(AF_INET, at->host, &sa.sin_addr) != 1) {
		log_err("%s: listen address %s: IPv4 only", what, at->host);
		return -EINVAL;
	}
	w->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0)
		return -errno;
	setsockopt(w->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(w->fd, 1024) != 0) { /* deep: a flood must not drop a good SYN */
		int err = errno;
		log_err("%s: cannot listen on %s:%u: %s%s", what, at->host, at->port, strerror(err),
			strcmp(what, "http") ? " (change [boot] admin_listen / metrics_listen)"
					     : "");
		close(w->fd);
		w->fd = -1;
		return -err;
	}
	w->on_event = on_accept;
	if (strcmp(what, "http") != 0 && (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		log_warn("%s: listening on %s:%u, not on loopback: %s", what, at->host, at->port,
			 strcmp(what, "admin") == 0 && !d->cfg.boot.admin_token[0]
			     ? "anyone who reaches it sees the machines and LUNs (set [boot] "
			       "admin_token)"
			     : "anyone who reaches it reads the counters");
	return bootd_watch(d, w, EPOLLIN);
}

int httpd_open(struct bootd *d)
{
	int rc;
	d->admin.fd = d->metrics_http.fd = -1;
	if ((rc = open_listener(d, &d->http, &d->http_listen, "http")) != 0)
		return rc;
	if (d->cfg.boot.admin_listen.port &&
	    (rc = open_listener(d, &d->admin, &d->cfg.boot.admin_listen, "admin")) != 0)
		return rc;
	if (d->cfg.boot.metrics_listen.port &&
	    (rc = open_listener(d, &d->metrics_http, &d->cfg.boot.metrics_listen, "metrics")) != 0)
		return rc;
	if (d->admin.fd >= 0)
		log_info("admin: status page on http://%s:%u/%s", d->cfg.boot.admin_listen.host,
			 d->cfg.boot.admin_listen.port,
			 d->cfg.boot.admin_token[0] ? "?token=..." : "");
	if (d->metrics_http.fd >= 0)
		log_info("metrics: on http://%s:%u/metrics", d->cfg.boot.metrics_listen.host,
			 d->cfg.boot.metrics_listen.port);
	d->pending_view = calloc(d->http_admit.max_pending, sizeof(*d->pending_view));
	d->pending_conns = calloc(d->http_admit.max_pending, sizeof(*d->pending_conns));
	if (!d->pending_view || !d->pending_conns)
		return -ENOMEM;
	log_info("http: admission: %u connections without a request (%u per address, %u s for a "
		 "header), %u with one",
		 d->http_admit.max_pending, d->http_admit.max_pending_per_source,
		 d->http_admit.header_timeout_ms / 1000, d->http_admit.max_active);
	log_info("http: menus on http://%s:%u/boot.ipxe", d->server_text, d->http_listen.port);
	return 0;
}

void httpd_close(struct bootd *d)
{
	while (d->conns)
		conn_free(d, d->conns);
	for (int i = 0; i < 3; i++) {
		struct watch *w = listeners(d, i);
		if (w->fd >= 0) {
			bootd_unwatch(d, w);
			close(w->fd);
			w->fd = -1;
		}
	}
	httpd_reap(d);
	free(d->pending_view);
	free(d->pending_conns);
	d->pending_view = NULL;
	d->pending_conns = NULL;
}

void httpd_reap(struct bootd *d)
{
	while (d->http_dead) {
		struct http_conn *c = d->http_dead;
		d->http_dead = c->next;
		free(c);
	}
}

int64_t httpd_tick(struct bootd *d, int64_t now)
{
	int64_t next = INT64_MAX;
	if (d->accept_paused_until) {
		if (now >= d->accept_paused_until) {
			d->accept_paused_until = 0;
			for (int i = 0; i < 3; i++)
				if (listeners(d, i)->fd >= 0)
					bootd_rewatch(d, listeners(d, i), EPOLLIN);
		} else {
			next = d->accept_paused_until;
		}
	}
	struct http_conn *c = d->conns;
	while (c) {
		struct http_conn *following = c->next;
		if (now >= c->deadline) {
			/* Close without a 408 (RFC 9110 15.5.9 allows). */
			if (c->pending || c->header_started)
				bootd_log_limited(
				    &d->http_timeouts,
				    "http: closed a connection from %s: no whole "
				    "request header within %u s (http_header_timeout)",
				    c->peer, d->http_admit.header_timeout_ms / 1000);
			conn_free(d, c);
		} else if (c->deadline < next) {
			next = c->deadline;
		}
		c = following;
	}
	return next;
}
