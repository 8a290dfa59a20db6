/* tftpd.c: the TFTP server of ringsan-boot (RFC 1350 read requests with RFC 2347-2349 and 7440
 * options). Requests arrive on port 69; each transfer gets its own ephemeral UDP socket connected
 * to the client (RFC 1350 4: a new TID per transfer), so many transfers run side by side in the
 * one epoll loop. The pure state machine (proto/tftp.c) decides what to send and when; this file
 * performs it: pread() of the blocks, sendto(), timers. Generated scripts (*.ipxe known to the
 * renderer) are rendered fresh per request; other files are opened beneath the TFTP root.
 *
 * Admission (proto/admit.h): at most tftp_max_per_client transfers per client address and
 * tftp_max_transfers in all; a request from an address:port that has a transfer replaces it.
 * Refusals and running out of descriptors are answered with an ERROR from the port-69 socket,
 * which needs no new descriptor. */
#include "bootsvc/daemon/bootd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

struct tftp_conn {
	struct watch w; /* the transfer's own socket */
	struct tftp_conn *next;
	struct sockaddr_in peer;
	int file_fd;	     /* -1 for a rendered script */
	struct menu_buf mem; /* a rendered script */
	struct tftp_xfer x;
	char path[TFTP_PATH_MAX];
	int64_t started_ms;
};

static void peer_text(const struct sockaddr_in *sa, char out[static 24])
{
	char ip[16];
	ipv4_format(ntohl(sa->sin_addr.s_addr), ip);
	snprintf(out, 24, "%s:%u", ip, ntohs(sa->sin_port));
}

static void conn_free(struct bootd *d, struct tftp_conn *c)
{
	for (struct tftp_conn **p = &d->transfers; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	d->transfer_count--;
	bootd_unwatch(d, &c->w);
	close(c->w.fd);
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	menu_buf_free(&c->mem);
	/* Freed after this round of events: one that is still queued for it sees fd -1. */
	c->w.fd = -1;
	c->next = d->tftp_dead;
	d->tftp_dead = c;
}

static bool is_out_of_descriptors(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void send_error(int fd, uint16_t code, const char *msg)
{
	uint8_t buf[256];
	int n = tftp_encode_error(buf, sizeof(buf), code, msg);
	if (n > 0 && send(fd, buf, (size_t)n, MSG_DONTWAIT) < 0)
		log_debug("tftp: error packet not sent: %s", strerror(errno));
}

/* Reads block idx into buf + 4. Returns the payload length or -1. */
static ssize_t read_block(struct tftp_conn *c, uint64_t off, size_t len, uint8_t *buf)
{
	if (c->file_fd < 0) {
		if (off < c->mem.len)
			memcpy(buf + 4, c->mem.p + off, len);
		return (ssize_t)len;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(c->file_fd, buf + 4 + got, len - got, (off_t)(off + got));
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void send_blocks(struct tftp_conn *c, uint64_t first, uint64_t count)
{
	static uint8_t buf[TFTP_MAX_PACKET]; /* one thread; each datagram is sent before reuse */
	for (uint64_t idx = first; idx < first + count; idx++) {
		uint64_t off;
		size_t len;
		uint16_t wire;
		tftp_xfer_block(&c->x, idx, &off, &len, &wire);
		tftp_encode_data_header(buf, sizeof(buf), wire);
		if (read_block(c, off, len, buf) < 0) {
			c->x.state = TFTP_XS_FAILED;
			send_error(c->w.fd, TFTP_ERR_UNDEFINED, "read error");
			return;
		}
		/* A full socket buffer drops the datagram: the retransmission timer covers it. */
		if (send(c->w.fd, buf, len + 4, MSG_DONTWAIT) < 0 && errno != EAGAIN)
			log_debug("tftp: send: %s", strerror(errno));
	}
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n > t && strcmp(s + n - t, tail) == 0;
}

/* Counts a finished transfer; a whole iPXE binary or generated script is a step of the boot. */
static void observe_end(struct bootd *d, const struct tftp_conn *c)
{
	uint32_t ip = ntohl(c->peer.sin_addr.s_addr);
	const char *mac = strstr(c->path, "?mac=");
	char name[TFTP_PATH_MAX], detail[TL_DETAIL_MAX];
	if (c->x.state != TFTP_XS_DONE) {
		d->metrics.tftp_transfers[MT_FAILED]++;
		return;
	}
	d->metrics.tftp_transfers[MT_OK]++;
	if (c->x.acked == 0)
		return; /* a size probe (OVMF asks twice) */
	d->metrics.tftp_sent_bytes += c->x.size;
	snprintf(name, sizeof(name), "%s", c->path);
	name[strcspn(name, "?")] = '\0';
	if (ends_with(name, ".ipxe")) {
		obsd_script(d, name, mac ? mac + 5 : NULL, ip, "TFTP");
	} else if (ends_with(name, ".kpxe") || ends_with(name, ".efi") || ends_with(name, ".pxe")) {
		snprintf(detail, sizeof(detail), "%.70s over TFTP", name);
		obsd_step(d, TL_FIRMWARE, NULL, ip, NULL, detail, -1);
	}
}

static void log_end(struct bootd *d, const struct tftp_conn *c)
{
	char peer[24];
	peer_text(&c->peer, peer);
	int64_t ms = clock_mono_ms() - c->started_ms;
	observe_end(d, c);
	if (c->x.state == TFTP_XS_DONE && c->x.acked == 0)
		log_info("boot: tftp %s to %s: size probe answered (%llu bytes)", c->path, peer,
			 (unsigned long long)c->x.size);
	else if (c->x.state == TFTP_XS_DONE)
		log_info("boot: tftp sent %s to %s (%llu bytes, blksize %u, window %u, %lld ms, "
			 "%llu retransmits)",
			 c->path, peer, (unsigned long long)c->x.size, c->x.blksize,
			 c->x.windowsize, (long long)ms, (unsigned long long)c->x.retransmits);
	else /* rate-limited: a flood of abandoned requests must not flood the log */
		bootd_log_limited(&d->tftp_failures,
				  "tftp: transfer of %s to %s failed after %lld ms (block %llu of "
				  "%llu)",
				  c->path, peer, (long long)ms, (unsigned long long)c->x.acked,
				  (unsigned long long)c->x.last);
}

/* Performs a step. Returns false when the transfer is over (and freed). */
static bool perform(struct bootd *d, struct tftp_conn *c, const struct tftp_step *s)
{
	uint8_t buf[512];
	int n;
	switch (s->action) {
	case TFTP_DO_NOTHING:
		return true;
	case TFTP_DO_SEND_OACK:
		n = tftp_xfer_encode_oack(&c->x, buf, sizeof(buf));
		if (n > 0 && send(c->w.fd, buf, (size_t)n, MSG_DONTWAIT) < 0)
			log_debug("tftp: OACK: %s", strerror(errno));
		return true;
	case TFTP_DO_SEND_DATA:
		send_blocks(c, s->first, s->count);
		if (c->x.state != TFTP_XS_FAILED)
			return true;
		break;
	case TFTP_DO_SEND_ERROR:
		send_error(c->w.fd, s->error_code, s->error_msg);
		break;
	case TFTP_DO_FINISH:
		break;
	}
	log_end(d, c);
	conn_free(d, c);
	return false;
}

static void on_transfer(struct bootd *d, struct watch *w, uint32_t events)
{
	struct tftp_conn *c = container_of(w, struct tftp_conn, w);
	uint8_t buf[1024];
	(void)events;
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct tftp_packet p;
		struct tftp_step s;
		if (n < 0)
			return;
		if (tftp_decode(&p, buf, (size_t)n) != 0)
			continue; /* junk from the peer: ignore, the timer keeps us going */
		tftp_xfer_on_packet(&c->x, &p, clock_mono_ms(), &s);
		if (!perform(d, c, &s))
			return;
	}
}

/* Resolves a request to a script or a file; fills c->mem or c->file_fd and returns the size,
 * or -1 after sending the ERROR. */
static int64_t open_source(struct bootd *d, struct tftp_conn *c)
{
	struct stat st;
	size_t n = strlen(c->path);
	int rc = n > 5 && strcmp(c->path + n - 5, ".ipxe") == 0 ? boot_render(d, c->path, &c->mem)
								: -ENOENT;
	for (int i = 0; i < 4 && (rc == -EMFILE || rc == -ENFILE); i++) {
		if (!httpd_release_pending(d, "render"))
			break; /* at the descriptor limit: connections without a request give way */
		menu_buf_free(&c->mem);
		rc = boot_render(d, c->path, &c->mem);
	}
	if (rc == 0)
		return (int64_t)c->mem.len;
	menu_buf_free(&c->mem);
	if (rc == -EMFILE || rc == -ENFILE) {
		send_error(c->w.fd, TFTP_ERR_UNDEFINED, "server busy, try again");
		return -1;
	}
	rc = bootd_open_beneath(d->tftp_root_fd, c->path);
	if ((rc == -EMFILE || rc == -ENFILE) && httpd_release_pending(d, "tftp file"))
		rc = bootd_open_beneath(d->tftp_root_fd, c->path);
	if (rc >= 0 && fstat(rc, &st) == 0) {
		c->file_fd = rc;
		return st.st_size;
	}
	if (rc >= 0)
		close(rc);
	if (is_out_of_descriptors(-rc))
		send_error(c->w.fd, TFTP_ERR_UNDEFINED, "server busy, try again");
	else
		send_error(c->w.fd, rc == -ENOENT ? TFTP_ERR_NOT_FOUND : TFTP_ERR_ACCESS,
			   rc == -ENOENT ? "file not found" : "access violation");
	return -1;
}

/* An ERROR to peer from the request socket (no descriptor needed). */
static void send_error_to(struct bootd *d, const struct sockaddr_in *peer, uint16_t code,
			  const char *msg)
{
	uint8_t buf[256];
	int n = tftp_encode_error(buf, sizeof(buf), code, msg);
	if (n > 0 && sendto(d->tftp.fd, buf, (size_t)n, MSG_DONTWAIT, (const struct sockaddr *)peer,
			    sizeof(*peer)) < 0)
		log_debug("tftp: error packet not sent: %s", strerror(errno));
}

static struct tftp_conn *conn_new(struct bootd *d, const struct sockaddr_in *peer)
{
	struct tftp_conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in local = {.sin_family = AF_INET};
	if (!c)
		return NULL;
	c->file_fd = -1;
	c->peer = *peer;
	c->started_ms = clock_mono_ms();
	if ((d->server_ip >> 24) == 127)
		local.sin_addr.s_addr = htonl(d->server_ip);
	c->w.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* At the limit, an HTTP connection without a request gives way (a socket and a file). */
	if (c->w.fd < 0 && (errno == EMFILE || errno == ENFILE)) {
		bool freed = httpd_release_pending(d, "tftp transfer");
		freed |= httpd_release_pending(d, "tftp transfer"); /* its file too */
		if (freed)
			c->w.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (c->w.fd < 0 || bind(c->w.fd, (struct sockaddr *)&local, sizeof(local)) != 0 ||
	    connect(c->w.fd, (const struct sockaddr *)peer, sizeof(*peer)) != 0) {
		int err = errno;
		char ptxt[24];
		peer_text(peer, ptxt);
		bootd_log_limited(&d->fd_exhausted,
				  "tftp: cannot open a transfer socket for %s: %s%s", ptxt,
				  strerror(err),
				  is_out_of_descriptors(err) ? " (raise the open-file limit or "
							       "lower tftp_max_transfers)"
							     : "");
		if (c->w.fd >= 0)
			close(c->w.fd);
		free(c);
		send_error_to(d, peer, TFTP_ERR_UNDEFINED, "server busy, try again");
		return NULL;
	}
	c->w.on_event = on_transfer;
	c->next = d->transfers;
	d->transfers = c;
	d->transfer_count++;
	return c;
}

static void start_transfer(struct bootd *d, const struct tftp_packet *req,
			   const struct sockaddr_in *peer)
{
	char ptxt[24];
	struct tftp_step s;
	struct tftp_conn *c = conn_new(d, peer);
	if (!c)
		return;
	peer_text(peer, ptxt);
	if (req->opcode == TFTP_WRQ ||
	    tftp_sanitize_path(req->filename, c->path, sizeof(c->path)) != 0) {
		bool wrq = req->opcode == TFTP_WRQ;
		send_error(c->w.fd, TFTP_ERR_ACCESS,
			   wrq ? "write requests are refused" : "access violation");
		log_warn("tftp: refused %s %s from %s", wrq ? "WRQ" : "RRQ", req->filename, ptxt);
		d->metrics.tftp_transfers[MT_REFUSED]++;
		conn_free(d, c);
		return;
	}
	int64_t size = open_source(d, c);
	if (size < 0) {
		log_warn("tftp: %s requested by %s: not served", c->path, ptxt);
		d->metrics.tftp_transfers[MT_REFUSED]++;
		conn_free(d, c);
		return;
	}
	log_debug("tftp: RRQ %s from %s", c->path, ptxt);
	tftp_xfer_start(&c->x, req, (uint64_t)size, &d->tftp_limits, clock_mono_ms(), &s);
	if (bootd_watch(d, &c->w, EPOLLIN) != 0) {
		conn_free(d, c);
		return;
	}
	perform(d, c, &s);
}

/* Applies the per-client limits to a request from peer. False: refused (answered). */
static bool admit_request(struct bootd *d, const struct sockaddr_in *peer)
{
	unsigned from_source = 0;
	struct tftp_conn *same = NULL;
	char ptxt[24];
	for (struct tftp_conn *c = d->transfers; c; c = c->next) {
		if (c->peer.sin_addr.s_addr != peer->sin_addr.s_addr)
			continue;
		from_source++;
		if (c->peer.sin_port == peer->sin_port)
			same = c;
	}
	peer_text(peer, ptxt);
	switch (admit_tftp_request(&d->tftp_admit, d->transfer_count, from_source, same != NULL)) {
	case ADMIT_TFTP_TAKE:
		return true;
	case ADMIT_TFTP_REPLACE:
		log_debug("tftp: %s asked again: its transfer of %s is replaced", ptxt, same->path);
		conn_free(d, same);
		return true;
	case ADMIT_TFTP_SOURCE_FULL:
		bootd_log_limited(&d->tftp_refusals,
				  "tftp: refused a request from %s: %u transfers to that address "
				  "already (tftp_max_per_client)",
				  ptxt, from_source);
		send_error_to(d, peer, TFTP_ERR_UNDEFINED, "too many transfers, try again");
		d->metrics.tftp_transfers[MT_REFUSED]++;
		return false;
	case ADMIT_TFTP_FULL:
		bootd_log_limited(&d->tftp_refusals,
				  "tftp: refused a request from %s: %u transfers running "
				  "(tftp_max_transfers)",
				  ptxt, d->transfer_count);
		send_error_to(d, peer, TFTP_ERR_UNDEFINED, "server busy, try again");
		d->metrics.tftp_transfers[MT_REFUSED]++;
		return false;
	}
	return false;
}

static void on_request(struct bootd *d, struct watch *w, uint32_t events)
{
	uint8_t buf[TFTP_REQUEST_MAX + 1];
	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		socklen_t sl = sizeof(peer);
		struct tftp_packet p;
		ssize_t n =
		    recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&peer, &sl);
		if (n < 0)
			return;
		if (tftp_decode(&p, buf, (size_t)n) != 0 ||
		    (p.opcode != TFTP_RRQ && p.opcode != TFTP_WRQ)) {
			log_debug("tftp: dropped a malformed request");
			continue;
		}
		if (admit_request(d, &peer))
			start_transfer(d, &p, &peer);
	}
}

int tftpd_open(struct bootd *d)
{
	uint16_t port = d->opts.tftp_port ? (uint16_t)d->opts.tftp_port : TFTP_PORT;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1;
	if ((d->server_ip >> 24) == 127)
		sa.sin_addr.s_addr = htonl(d->server_ip);
	d->tftp.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->tftp.fd < 0)
		return -errno;
	setsockopt(d->tftp.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(d->tftp.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_err("tftp: cannot bind UDP port %u: %s", port, strerror(errno));
		return -errno;
	}
	d->tftp.on_event = on_request;
	log_info("tftp: serving %s on UDP %u", d->tftp_root, port);
	return bootd_watch(d, &d->tftp, EPOLLIN);
}

void tftpd_close(struct bootd *d)
{
	while (d->transfers)
		conn_free(d, d->transfers);
	tftpd_reap(d);
	if (d->tftp.fd >= 0) {
		bootd_unwatch(d, &d->tftp);
		close(d->tftp.fd);
		d->tftp.fd = -1;
	}
}

void tftpd_reap(struct bootd *d)
{
	while (d->tftp_dead) {
		struct tftp_conn *c = d->tftp_dead;
		d->tftp_dead = c->next;
		free(c);
	}
}

int64_t tftpd_tick(struct bootd *d, int64_t now)
{
	int64_t next = INT64_MAX;
	struct tftp_conn *c = d->transfers;
	while (c) {
		struct tftp_conn *following = c->next;
		struct tftp_step s;
		bool alive = true;
		if (now >= c->x.deadline_ms) {
			tftp_xfer_on_timeout(&c->x, now, &s);
			alive = perform(d, c, &s);
		}
		if (alive && c->x.deadline_ms < next)
			next = c->x.deadline_ms;
		c = following;
	}
	return next;
}
