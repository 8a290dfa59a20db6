/* dhcpd.c: the DHCP side of ringsan-boot: UDP 67 (proxy or full DHCP) and the PXE boot server
 * port 4011, around the pure step pxe_handle(). Replies go back to the request's source address
 * and port (OVMF asks 4011 from 4011, iPXE from 68; relays send from 67); a client
 * with no address yet (source 0.0.0.0) gets a broadcast to 255.255.255.255 on its port
 * (RFC 2131 4.1). In full mode the lease table is written to the lease file after each change. */
#include "bootsvc/daemon/bootd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mac.h"

static void save_leases(struct bootd *d)
{
	size_t cap = 64 + (size_t)(d->leases.last - d->leases.first + 1) * 64;
	char *text = malloc(cap);
	if (!text)
		return;
	int n = lease_table_format(&d->leases, (int64_t)time(NULL), text, cap);
	int rc = n < 0 ? n : atomicfile_write(d->lease_file, text, (size_t)n, 0644);
	if (rc)
		log_warn("cannot write lease file %s: %s", d->lease_file, strerror(-rc));
	free(text);
}

static void load_leases(struct bootd *d)
{
	char *text = malloc(1 << 20);
	FILE *f = fopen(d->lease_file, "r");
	if (f && text) {
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		log_info("loaded %d leases from %s", lease_table_parse(&d->leases, text, n),
			 d->lease_file);
	}
	if (f)
		fclose(f);
	free(text);
}

static void log_malformed(struct bootd *d, const struct sockaddr_in *src)
{
	int64_t now = clock_mono_ms();
	char ip[16];
	d->dhcp_malformed++;
	d->metrics.dhcp_malformed++;
	if (now - d->dhcp_malformed_logged_ms < 10000)
		return; /* rate-limited: one line per 10 s with the running count */
	d->dhcp_malformed_logged_ms = now;
	ipv4_format(ntohl(src->sin_addr.s_addr), ip);
	log_warn("dhcp: dropped a malformed packet from %s:%u (%llu so far)", ip,
		 ntohs(src->sin_port), (unsigned long long)d->dhcp_malformed);
}

static const char *msg_name(uint8_t t)
{
	static const char *const names[] = {"BOOTP", "DISCOVER", "OFFER",   "REQUEST", "DECLINE",
					    "ACK",   "NAK",	 "RELEASE", "INFORM"};
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void log_event(const struct dhcp_msg *m, const struct pxe_result *r, uint16_t port)
{
	char mac[MAC_TEXT_LEN], ip[IPV4_TEXT_LEN];
	mac_format(m->chaddr, mac);
	if (!r->len) {
		log_debug("dhcp: %s %s from %s arch %d on %u: ignored (%s)", msg_name(m->msg_type),
			  m->vendor_class, mac, m->has_client_arch ? m->client_arch : -1, port,
			  r->note ? r->note : "-");
		return;
	}
	ipv4_format(r->yiaddr, ip);
	log_info("boot: dhcp %s -> %s mac %s arch %d%s file %s%s%s", msg_name(m->msg_type),
		 msg_name(r->reply_type), mac, m->has_client_arch ? m->client_arch : -1,
		 dhcp_is_ipxe(m) ? " (iPXE)" : "", r->boot.file[0] ? r->boot.file : "-",
		 r->yiaddr ? " address " : "", r->yiaddr ? ip : "");
}

/* Counts the answer and, for a PXE or iPXE client, records the step of its boot. */
static void observe(struct bootd *d, const struct dhcp_msg *m, const struct pxe_result *r)
{
	int arch = m->has_client_arch ? m->client_arch : -1;
	bool ipxe = dhcp_is_ipxe(m);
	char detail[TL_DETAIL_MAX];
	if (!r->len) {
		d->metrics.dhcp_ignored++;
		return;
	}
	d->metrics.dhcp_answers[metrics_arch_class(arch)][ipxe]++;
	if (!m->has_client_arch && !ipxe)
		return; /* not a network boot (an OS's own DHCP client in full mode) */
	snprintf(detail, sizeof(detail), "%s -> %s, %s%.60s", msg_name(m->msg_type),
		 msg_name(r->reply_type), r->boot.file[0] ? "boot file " : "no boot file",
		 r->boot.file);
	obsd_step(d, ipxe ? TL_DHCP_IPXE : TL_DHCP_PXE, m->chaddr,
		  r->yiaddr ? r->yiaddr : m->ciaddr, NULL, detail, arch);
}

static void reply(struct watch *w, const struct sockaddr_in *src, const uint8_t *buf, int len)
{
	struct sockaddr_in to = *src;
	if (src->sin_addr.s_addr == htonl(INADDR_ANY)) {
		to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
		if (!to.sin_port)
			to.sin_port = htons(DHCP_CLIENT_PORT);
	}
	if (sendto(w->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		log_warn("dhcp: send failed: %s", strerror(errno));
}

static void on_dhcp(struct bootd *d, struct watch *w, uint32_t events)
{
	uint8_t in[DHCP_MAX_PACKET], out[DHCP_MAX_PACKET];
	struct sockaddr_in src;
	struct dhcp_msg m;
	struct pxe_result r;
	(void)events;
	/* Drain: one readiness event may stand for many datagrams. */
	for (int i = 0; i < 64; i++) {
		socklen_t sl = sizeof(src);
		ssize_t n =
		    recvfrom(w->fd, in, sizeof(in), MSG_DONTWAIT, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return;
		if (dhcp_decode(&m, in, (size_t)n) != 0 || m.op != DHCP_OP_REQUEST) {
			log_malformed(d, &src);
			continue;
		}
		uint16_t port = w == &d->pxe ? DHCP_PXE_PORT : DHCP_SERVER_PORT;
		pxe_handle(&d->pxe_cfg, d->have_leases ? &d->leases : NULL, &m, port,
			   (int64_t)time(NULL), out, sizeof(out), &r);
		log_event(&m, &r, port);
		observe(d, &m, &r);
		if (r.len > 0)
			reply(w, &src, out, r.len);
		if (r.leases_changed && d->have_leases)
			save_leases(d);
	}
}

/* Loopback server addresses (tests) bind to that address; anything else binds the wildcard so
 * broadcasts from clients without an address arrive, limited to --interface when given. */
static int open_udp(struct bootd *d, struct watch *w, uint16_t port)
{
	int one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	bool loopback = (d->server_ip >> 24) == 127;
	sa.sin_addr.s_addr = loopback ? htonl(d->server_ip) : htonl(INADDR_ANY);
	w->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0)
		return -errno;
	setsockopt(w->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!loopback)
		setsockopt(w->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	const char *ifname = d->cfg.boot.interface;
	if (ifname[0] && setsockopt(w->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				    (socklen_t)strlen(ifname)) != 0) {
		log_err("dhcp: cannot bind to interface %s: %s", ifname, strerror(errno));
		return -errno;
	}
	if (bind(w->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_err("dhcp: cannot bind UDP port %u: %s%s", port, strerror(errno),
			errno == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
					: "");
		return -errno;
	}
	w->on_event = on_dhcp;
	return bootd_watch(d, w, EPOLLIN);
}

static int setup_leases(struct bootd *d)
{
	uint32_t first = 0, last = 0;
	const struct config_boot *b = &d->cfg.boot;
	if (!b->dhcp_first.set) {
		log_err("dhcp: full mode needs a range: [boot] dhcp_range or --dhcp-range");
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		first = first << 8 | b->dhcp_first.addr[i];
		last = last << 8 | b->dhcp_last.addr[i];
	}
	size_t n = lease_table_size(first, last);
	d->lease_slots = n ? calloc(n, sizeof(*d->lease_slots)) : NULL;
	if (!d->lease_slots || lease_table_init(&d->leases, first, last, d->lease_slots) != 0) {
		log_err("dhcp: range must hold 1 to %d addresses", LEASE_MAX_RANGE);
		return -EINVAL;
	}
	d->have_leases = true;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", d->lease_file);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int rc = bootd_prepare_state_dir(d, dir);
		if (rc)
			log_warn("dhcp: lease directory %s: %s", dir, strerror(-rc));
	}
	load_leases(d);
	return 0;
}

int dhcpd_open(struct bootd *d)
{
	int rc;
	d->dhcp.fd = d->pxe.fd = -1;
	if (d->cfg.boot.mode == BOOT_MODE_OFF)
		return 0;
	if (d->cfg.boot.mode == BOOT_MODE_FULL && (rc = setup_leases(d)) != 0)
		return rc;
	rc = open_udp(d, &d->dhcp, d->opts.dhcp_port ? (uint16_t)d->opts.dhcp_port : 67);
	if (rc == 0)
		rc = open_udp(d, &d->pxe,
			      d->opts.pxe_port ? (uint16_t)d->opts.pxe_port : DHCP_PXE_PORT);
	if (rc == 0)
		log_info("dhcp: %s mode on UDP %u and %u, server %s",
			 d->cfg.boot.mode == BOOT_MODE_FULL ? "full" : "proxy",
			 d->opts.dhcp_port ? d->opts.dhcp_port : 67,
			 d->opts.pxe_port ? d->opts.pxe_port : DHCP_PXE_PORT, d->server_text);
	return rc;
}

void dhcpd_close(struct bootd *d)
{
	struct watch *ws[] = {&d->dhcp, &d->pxe};
	for (int i = 0; i < 2; i++) {
		if (ws[i]->fd >= 0) {
			bootd_unwatch(d, ws[i]);
			close(ws[i]->fd);
			ws[i]->fd = -1;
		}
	}
	free(d->lease_slots);
	d->lease_slots = NULL;
	d->have_leases = false;
}
