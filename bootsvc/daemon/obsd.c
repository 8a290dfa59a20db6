/* obsd.c: what ringsan-boot sees of each boot, and what the target tells it. The servers call
 * obsd_step() for each boot step (the pure timeline joins them per machine); a small client of
 * the target's control socket asks `events SEQ` every second (and `status` every two seconds
 * while the admin page is on) and feeds the answers in. The exchange never blocks the loop:
 * a non-blocking Unix socket watched by the same epoll, one exchange at a time, each with a
 * deadline; when the target is not there the timelines just lack its logins (logged once). */
#include "bootsvc/daemon/bootd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mac.h"
#include "common/name.h"

#define TGT_EVENTS_EVERY_MS 1000
#define TGT_STATUS_EVERY_MS 2000
#define TGT_DEADLINE_MS	    3000
#define TGT_ANSWER_MAX	    (4u << 20) /* 1000 events of at most 2 KiB, or a status */

int64_t bootd_unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The [client] whose MAC this is, or NULL. */
static const struct config_client *client_of(const struct bootd *d, const uint8_t *mac)
{
	for (unsigned i = 0; mac && i < d->cfg.client_count; i++)
		if (memcmp(d->cfg.clients[i].mac, mac, 6) == 0)
			return &d->cfg.clients[i];
	return NULL;
}

void obsd_step(struct bootd *d, enum tl_kind kind, const uint8_t *mac, uint32_t ip, const char *lun,
	       const char *detail, int arch)
{
	const struct config_client *c = client_of(d, mac);
	struct tl_event e = {
	    .unix_ms = bootd_unix_ms(),
	    .kind = kind,
	    .mac = mac,
	    .ip = ip,
	    .lun = lun,
	    .detail = detail,
	    .name = c ? c->name : NULL,
	    .arch = arch,
	};
	timeline_record(&d->tl, &e);
}

void obsd_script(struct bootd *d, const char *name, const char *mac_text, uint32_t ip,
		 const char *via)
{
	enum metrics_script cls = metrics_script_class(name);
	uint8_t mac[6];
	char lun[NAME_MAX_LEN + 1] = "", detail[96];
	bool has_mac = mac_text && mac_parse(mac_text, mac) == 0;
	if (cls == MS_COUNT)
		return;
	d->metrics.scripts[cls]++;
	snprintf(detail, sizeof(detail), "%s over %s", name, via);
	if (cls == MS_BOOT || cls == MS_MENU) {
		obsd_step(d, TL_MENU, has_mac ? mac : NULL, ip, NULL, detail, -1);
	} else if (cls == MS_LUN || cls == MS_FLEET) {
		const char *start = name + (cls == MS_LUN ? 4 : 6);
		size_t n = strlen(start) > 5 ? strlen(start) - 5 : 0; /* without ".ipxe" */
		if (cls == MS_LUN && n < sizeof(lun)) {
			memcpy(lun, start, n);
			lun[n] = '\0';
		}
		obsd_step(d, TL_DISK, has_mac ? mac : NULL, ip, lun[0] ? lun : NULL, detail, -1);
	}
}

/* initiator name -> MAC: a [client]'s initiator_iqn, else the menus' BASE.client:MAC. */
static bool mac_of_initiator(const struct bootd *d, const char *iqn, uint8_t mac[6])
{
	char base[IQN_MAX_LEN + 16];
	for (unsigned i = 0; i < d->cfg.client_count; i++) {
		if (d->cfg.clients[i].initiator_iqn[0] &&
		    strcmp(d->cfg.clients[i].initiator_iqn, iqn) == 0) {
			memcpy(mac, d->cfg.clients[i].mac, 6);
			return true;
		}
	}
	snprintf(base, sizeof(base), "%s.client", d->cfg.server.base_iqn);
	return timeline_mac_from_initiator(base, iqn, mac);
}

static void on_target_event(void *ctx, const struct tgtev *ev)
{
	struct bootd *d = ctx;
	uint8_t mac[6];
	bool has = ev->initiator[0] && mac_of_initiator(d, ev->initiator, mac);
	const struct config_client *c = client_of(d, has ? mac : NULL);
	d->metrics.target_events++;
	timeline_record_target(&d->tl, ev, has ? mac : NULL, c ? c->name : NULL);
}

static void tgt_close(struct bootd *d)
{
	struct tgtctl *t = &d->tgt;
	if (t->w.fd >= 0) {
		bootd_unwatch(d, &t->w);
		close(t->w.fd);
	}
	t->w.fd = -1;
	t->phase = TC_IDLE;
	t->len = 0;
}

static void tgt_failed(struct bootd *d, const char *why)
{
	struct tgtctl *t = &d->tgt;
	d->metrics.target_poll_errors++;
	if (t->up || !t->told) {
		const char *fix = strstr(why, "not authorised")
				      ? "add ringsan-boot's user to the target's [server] "
					"control_group"
				  : strstr(why, "ermission denied")
				      ? "ringsan-boot's user cannot enter the directory: set the "
					"target's [server] control_socket = "
					"/run/ringsan/control.sock and control_group = nogroup"
				      : "is `ringsan serve` running with the same data dir?";
		log_warn("target control socket %s: %s (%s); boot timelines lack the iSCSI logins "
			 "until it answers",
			 t->path, why, fix);
		t->told = true;
	}
	t->up = false;
	tgt_close(d);
}

static void tgt_answer(struct bootd *d)
{
	struct tgtctl *t = &d->tgt;
	uint64_t next;
	unsigned bad;
	if (t->asked_status) {
		if (t->len < 1 || t->buf[0] != '{')
			return tgt_failed(d,
					  t->len > 6 ? "status: not a JSON answer" : "no answer");
		free(t->status);
		t->status = t->buf;
		t->status_len = t->len;
		t->status_unix_ms = bootd_unix_ms();
		t->buf = NULL;
		t->cap = 0;
	} else {
		if (t->len < t->cap)
			t->buf[t->len] = '\0';
		if (tgtevent_parse_answer(t->buf, t->len, &next, &bad, on_target_event, d) != 0) {
			char why[96];
			snprintf(why, sizeof(why), "%.80s",
				 t->len ? strtok(t->buf, "\n") : "no answer");
			return tgt_failed(d, why);
		}
		if (bad)
			log_warn("target control socket: %u event lines not understood", bad);
		t->next_seq = next;
	}
	if (!t->up)
		log_notice("target control socket %s answers: boot timelines include its logins",
			   t->path);
	t->up = true;
	t->told = false;
	tgt_close(d);
}

static void on_target(struct bootd *d, struct watch *w, uint32_t events)
{
	struct tgtctl *t = container_of(w, struct tgtctl, w);
	(void)events;
	if (t->phase == TC_SENDING) {
		while (t->req_off < t->req_len) {
			ssize_t n = send(w->fd, t->req + t->req_off, t->req_len - t->req_off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n < 0)
				return tgt_failed(d, strerror(errno));
			t->req_off += (size_t)n;
		}
		t->phase = TC_READING;
		bootd_rewatch(d, w, EPOLLIN);
		return;
	}
	for (;;) {
		if (t->cap - t->len < 4096) {
			size_t cap = t->cap ? t->cap * 2 : 65536;
			char *p = cap <= TGT_ANSWER_MAX ? realloc(t->buf, cap + 1) : NULL;
			if (!p)
				return tgt_failed(d, "answer too long");
			t->buf = p;
			t->cap = cap;
		}
		ssize_t n = recv(w->fd, t->buf + t->len, t->cap - t->len, MSG_DONTWAIT);
		if (n == 0)
			return tgt_answer(d);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			return tgt_failed(d, strerror(errno));
		t->len += (size_t)n;
	}
}

static void tgt_start(struct bootd *d, bool status, int64_t now)
{
	struct tgtctl *t = &d->tgt;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	t->asked_status = status;
	t->req_len = status ? (size_t)snprintf(t->req, sizeof(t->req), "status\n")
			    : (size_t)snprintf(t->req, sizeof(t->req), "events %llu\n",
					       (unsigned long long)t->next_seq);
	t->req_off = 0;
	t->len = 0;
	t->deadline = now + TGT_DEADLINE_MS;
	t->w.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->w.fd < 0)
		return tgt_failed(d, strerror(errno));
	if (connect(t->w.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS &&
	    errno != EAGAIN)
		return tgt_failed(d, strerror(errno));
	t->phase = TC_SENDING; /* EPOLLOUT once connected */
	if (bootd_watch(d, &t->w, EPOLLOUT) != 0)
		tgt_failed(d, "epoll");
}

int64_t obsd_tick(struct bootd *d, int64_t now)
{
	struct tgtctl *t = &d->tgt;
	if (t->phase != TC_IDLE && now >= t->deadline)
		tgt_failed(d, "no answer within 3 s");
	if (t->phase == TC_IDLE) {
		bool status = d->admin.fd >= 0 && now >= t->next_status;
		if (status || now >= t->next_events) {
			if (status)
				t->next_status = now + TGT_STATUS_EVERY_MS;
			else
				t->next_events = now + TGT_EVENTS_EVERY_MS;
			tgt_start(d, status, now);
		}
	}
	if (t->phase != TC_IDLE)
		return t->deadline;
	int64_t next = t->next_events;
	if (d->admin.fd >= 0 && t->next_status < next)
		next = t->next_status;
	return next;
}

int obsd_open(struct bootd *d)
{
	struct tgtctl *t = &d->tgt;
	int rc = timeline_init(&d->tl, 0);
	if (rc)
		return rc;
	d->start_unix_s = bootd_unix_ms() / 1000;
	t->w.fd = -1;
	t->w.on_event = on_target;
	t->next_seq = 1;
	t->phase = TC_IDLE;
	/* The target's [server] control_socket, from the same config file. */
	if (d->cfg.server.control_socket[0])
		snprintf(t->path, sizeof(t->path), "%.107s", d->cfg.server.control_socket);
	else
		snprintf(t->path, sizeof(t->path), "%.92s/.control.sock", d->data_dir);
	if (strlen(d->cfg.server.control_socket[0] ? d->cfg.server.control_socket : d->data_dir) >
	    (d->cfg.server.control_socket[0] ? 107 : 92))
		log_warn("the target's control socket path is too long for a Unix socket: boot "
			 "timelines lack the iSCSI logins (set a shorter [server] control_socket)");
	return 0;
}

void obsd_close(struct bootd *d)
{
	tgt_close(d);
	free(d->tgt.buf);
	free(d->tgt.status);
	d->tgt.buf = d->tgt.status = NULL;
	timeline_fini(&d->tl);
}
