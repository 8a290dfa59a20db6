/* control.h: the target's two observability listeners, served from the main thread:
 * - the control socket (a Unix stream socket, [server] control_socket, default
 *   DATA_DIR/.control.sock, mode 0660, group [server] control_group): one request line
 *   (obs_req.h: `status`, `status-text`, `events SEQ`), the answer, EOF. Only root, the daemon's
 *   own user and members of control_group are answered (SO_PEERCRED); others get
 *   "error: not authorised".
 * - the metrics listener ([server] metrics_listen, off by default; a bare port binds 127.0.0.1):
 *   HTTP GET /metrics in the Prometheus text format.
 * Non-blocking: a slow or silent client never holds the main thread; each has CONTROL_DEADLINE_MS
 * to finish, and at most CONTROL_CLIENTS are served at once (the oldest gives way). */
#ifndef RINGSAN_DAEMON_CONTROL_H
#define RINGSAN_DAEMON_CONTROL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/config.h"
#include "target/obs/obs_buf.h"
#include "target/obs/obs_req.h"

#define CONTROL_CLIENTS	    16
#define CONTROL_DEADLINE_MS 5000
#define CONTROL_POLLFDS	    (2 + CONTROL_CLIENTS)

struct server;

struct control_client {
	int fd; /* -1: free */
	bool metrics;
	bool answering; /* the request is in, out holds the answer */
	bool denied;	/* not authorised: its request is read, then refused */
	uint8_t in[OBS_HTTP_MAX];
	size_t inlen;
	struct obs_buf out;
	size_t outoff;
	uint64_t since_ms;
};

struct control {
	struct server *srv;
	int sock_fd, metrics_fd;
	char sock_path[108];
	gid_t group;
	struct control_client clients[CONTROL_CLIENTS];
};

/* The control socket's path for a config: control_socket, else DATA_DIR/.control.sock. 0, or
 * -ENAMETOOLONG when it does not fit a socket address. */
int control_socket_path(const struct config *cfg, char *buf, size_t len);
/* Opens the control socket (replacing a stale one) and, when configured, the metrics listener.
 * 0, or -errno with err set to one line saying what to do. */
int control_open(struct control *ctl, struct server *srv, const struct config *cfg, char *err,
		 size_t errlen);
/* The descriptors to poll; returns how many were written (at most CONTROL_POLLFDS). */
unsigned control_pollfds(struct control *ctl, struct pollfd *pfd);
/* After poll: serve what is ready (pfd as filled by control_pollfds), drop clients past their
 * deadline. */
void control_serve(struct control *ctl, const struct pollfd *pfd, unsigned n, uint64_t now_ms);
void control_close(struct control *ctl);

#endif
