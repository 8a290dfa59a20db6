/* setup.c: the settings of a ringsan-boot run (config file, then command-line flags on top),
 * the generated TFTP root, and dropping root after binding, so untrusted packets are
 * parsed without privileges. */
#include "bootsvc/daemon/bootd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

#define DESCRIPTOR_MARGIN 64

static const char *const ipxe_files[] = {"undionly.kpxe", "ipxe.efi", "snponly.efi"};

static uint32_t ipv4_of(const struct config_ipv4 *c)
{
	return c->set ? (uint32_t)c->addr[0] << 24 | (uint32_t)c->addr[1] << 16 |
			    (uint32_t)c->addr[2] << 8 | c->addr[3]
		      : 0;
}

/* The server address: --server-ip, [boot] server_ip, the interface's address, or the first
 * non-loopback IPv4 address of the machine. */
static int resolve_server_ip(struct bootd *d, char *err, size_t errlen)
{
	struct ifaddrs *ifa, *i;
	if (d->opts.server_ip) {
		if (bootd_parse_ipv4(d->opts.server_ip, &d->server_ip) == 0)
			return 0;
		snprintf(err, errlen, "--server-ip %s: not an IPv4 address", d->opts.server_ip);
		return -EINVAL;
	}
	d->server_ip = ipv4_of(&d->cfg.boot.server_ip);
	if (d->server_ip)
		return 0;
	if (getifaddrs(&ifa) != 0)
		return -errno;
	for (i = ifa; i && !d->server_ip; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (d->cfg.boot.interface[0] && strcmp(i->ifa_name, d->cfg.boot.interface) != 0)
			continue;
		d->server_ip = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
	}
	freeifaddrs(ifa);
	if (!d->server_ip) {
		snprintf(err, errlen, "no IPv4 address found%s%s: give --server-ip",
			 d->cfg.boot.interface[0] ? " on " : "", d->cfg.boot.interface);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static int apply_flags(struct bootd *d, char *err, size_t errlen)
{
	struct config_boot *b = &d->cfg.boot;
	const struct bootd_opts *o = &d->opts;
	if (o->data_dir)
		snprintf(d->cfg.server.data_dir, sizeof(d->cfg.server.data_dir), "%s", o->data_dir);
	if (o->interface)
		snprintf(b->interface, sizeof(b->interface), "%s", o->interface);
	if (o->tftp_root)
		snprintf(b->tftp_root, sizeof(b->tftp_root), "%s", o->tftp_root);
	if (o->dhcp_mode) {
		if (strcmp(o->dhcp_mode, "proxy") == 0)
			b->mode = BOOT_MODE_PROXY;
		else if (strcmp(o->dhcp_mode, "full") == 0)
			b->mode = BOOT_MODE_FULL;
		else if (strcmp(o->dhcp_mode, "off") == 0)
			b->mode = BOOT_MODE_OFF;
		else
			return snprintf(err, errlen, "--dhcp %s: proxy, full or off", o->dhcp_mode),
			       -EINVAL;
	}
	if (o->dhcp_range) {
		char first[32];
		const char *dash = strchr(o->dhcp_range, '-');
		uint32_t a, z;
		size_t n = dash ? (size_t)(dash - o->dhcp_range) : 0;
		if (!dash || n >= sizeof(first))
			return snprintf(err, errlen, "--dhcp-range: FIRST-LAST"), -EINVAL;
		memcpy(first, o->dhcp_range, n);
		first[n] = '\0';
		if (bootd_parse_ipv4(first, &a) || bootd_parse_ipv4(dash + 1, &z) || z < a)
			return snprintf(err, errlen, "--dhcp-range %s: FIRST-LAST", o->dhcp_range),
			       -EINVAL;
		b->dhcp_first.set = b->dhcp_last.set = true;
		for (int i = 0; i < 4; i++) {
			b->dhcp_first.addr[i] = (uint8_t)(a >> (24 - 8 * i));
			b->dhcp_last.addr[i] = (uint8_t)(z >> (24 - 8 * i));
		}
	}
	if (o->http && config_parse_portal(&b->http_listen, o->http, 8080, err, errlen) != 0)
		return -EINVAL;
	return 0;
}

_Static_assert(PXE_MAX_DNS >= CONFIG_MAX_DNS, "every [boot] dns server fits in the offer");

static void setup_pxe(struct bootd *d)
{
	const struct config_boot *b = &d->cfg.boot;
	struct pxe_config *p = &d->pxe_cfg;
	memset(p, 0, sizeof(*p));
	p->mode = b->mode == BOOT_MODE_FULL ? PXE_MODE_FULL : PXE_MODE_PROXY;
	p->server_ip = d->server_ip;
	p->http_port = d->http_listen.port;
	p->bios_file = "undionly.kpxe";
	p->uefi_file = b->uefi_loader == BOOT_UEFI_IPXE ? "ipxe.efi" : "snponly.efi";
	p->uefi32_file = NULL; /* Debian's ipxe has no ia32 EFI build */
	p->subnet_mask = ipv4_of(&b->netmask);
	p->router = ipv4_of(&b->router);
	for (unsigned i = 0; i < b->dns_count && i < PXE_MAX_DNS; i++)
		p->dns[p->dns_count++] = ipv4_of(&b->dns[i]);
	p->lease_secs = b->lease_time;
	d->tftp_limits = (struct tftp_limits){
	    .max_blksize = TFTP_MAX_BLKSIZE,
	    .max_windowsize = 64,
	    .timeout_ms = 1000,
	    .max_timeout_ms = 8000,
	    .max_retries = 5,
	    .max_client_timeout_s = b->tftp_max_client_timeout,
	    .max_stall_ms = b->tftp_stall_timeout * 1000,
	};
}

static void setup_admission(struct bootd *d)
{
	const struct config_boot *b = &d->cfg.boot;
	d->http_admit = (struct admit_http_limits){
	    .max_pending = b->http_max_pending,
	    .max_pending_per_source = b->http_max_pending_per_source < b->http_max_pending
					  ? b->http_max_pending_per_source
					  : b->http_max_pending,
	    .max_active = b->http_max_active,
	    .header_timeout_ms = b->http_header_timeout * 1000,
	    .idle_timeout_ms = b->http_idle_timeout * 1000,
	};
	d->tftp_admit = (struct admit_tftp_limits){
	    .max_transfers = b->tftp_max_transfers,
	    .max_per_source = b->tftp_max_per_client,
	};
}

/* Descriptors the caps can need at once: a socket per HTTP connection and a file per active
 * one, a socket and a file per TFTP transfer, and a margin for listeners, the epoll and signal
 * fds, directories, the log and rendering (which reads the data dir). */
static rlim_t descriptors_needed(const struct bootd *d)
{
	return DESCRIPTOR_MARGIN + (rlim_t)d->http_admit.max_pending +
	       2 * (rlim_t)d->http_admit.max_active + 2 * (rlim_t)d->tftp_admit.max_transfers;
}

static unsigned scaled(unsigned cap, rlim_t have, rlim_t need)
{
	rlim_t v = (rlim_t)cap * have / need;
	return v ? (unsigned)v : 1;
}

/* The limit cannot be raised (no CAP_SYS_RESOURCE, a low hard limit): shrink every cap in
 * proportion so the daemon never reaches the limit, where accept() and rendering would fail. */
static void shrink_caps(struct bootd *d, rlim_t limit, rlim_t need)
{
	rlim_t have = limit > DESCRIPTOR_MARGIN + 4 ? limit - DESCRIPTOR_MARGIN : 4;
	need -= DESCRIPTOR_MARGIN;
	struct admit_http_limits *h = &d->http_admit;
	h->max_pending = scaled(h->max_pending, have, need);
	h->max_active = scaled(h->max_active, have, need);
	if (h->max_pending_per_source > h->max_pending)
		h->max_pending_per_source = h->max_pending;
	d->tftp_admit.max_transfers = scaled(d->tftp_admit.max_transfers, have, need);
	if (d->tftp_admit.max_per_source > d->tftp_admit.max_transfers)
		d->tftp_admit.max_per_source = d->tftp_admit.max_transfers;
	log_warn("open-file limit %llu is below the %llu the [boot] caps need; caps shrunk to fit: "
		 "http_max_pending %u (per address %u), http_max_active %u, tftp_max_transfers %u "
		 "(raise the limit: systemd LimitNOFILE=, ulimit -n)",
		 (unsigned long long)limit, (unsigned long long)(need + DESCRIPTOR_MARGIN),
		 h->max_pending, h->max_pending_per_source, h->max_active,
		 d->tftp_admit.max_transfers);
}

void bootd_prepare_descriptors(struct bootd *d)
{
	struct rlimit rl;
	rlim_t need = descriptors_needed(d);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		struct rlimit want = {.rlim_cur = need, .rlim_max = rl.rlim_max};
		if (want.rlim_max != RLIM_INFINITY && want.rlim_max < need)
			want.rlim_max =
			    need; /* allowed with CAP_SYS_RESOURCE (root, before the drop) */
		if (setrlimit(RLIMIT_NOFILE, &want) != 0 && rl.rlim_max != RLIM_INFINITY) {
			want.rlim_cur = want.rlim_max = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &want);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < need)
			shrink_caps(d, rl.rlim_cur, need);
		else
			log_info("open-file limit raised to %llu", (unsigned long long)rl.rlim_cur);
	}
	if (d->reserve_fd < 0)
		d->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int bootd_configure(struct bootd *d, char *err, size_t errlen)
{
	int rc;
	config_free(&d->cfg);
	config_defaults(&d->cfg);
	if (d->opts.config_file) {
		rc = config_load_file(&d->cfg, d->opts.config_file, err, errlen);
		if (rc)
			return rc;
	}
	rc = apply_flags(d, err, errlen);
	if (rc)
		return rc;
	config_apply_environment(&d->cfg);
	snprintf(d->data_dir, sizeof(d->data_dir), "%s", d->cfg.server.data_dir);
	d->http_listen = d->cfg.boot.http_listen;
	rc = resolve_server_ip(d, err, errlen);
	if (rc)
		return rc;
	ipv4_format(d->server_ip, d->server_text);
	if (d->cfg.boot.tftp_root[0])
		snprintf(d->tftp_root, sizeof(d->tftp_root), "%s", d->cfg.boot.tftp_root);
	else if (snprintf(d->tftp_root, sizeof(d->tftp_root), "%s/.tftp", d->data_dir) >=
		 (int)sizeof(d->tftp_root))
		return snprintf(err, errlen, "data dir path too long"), -ENAMETOOLONG;
	/* Default: a directory of its own, so it can belong to the unprivileged user. */
	if (d->cfg.boot.lease_file[0])
		snprintf(d->lease_file, sizeof(d->lease_file), "%s", d->cfg.boot.lease_file);
	else
		snprintf(d->lease_file, sizeof(d->lease_file), "%.4000s/.dhcp/leases", d->data_dir);
	setup_pxe(d);
	setup_admission(d);
	return 0;
}

static int copy_file(const char *src, int dst_dirfd, const char *name)
{
	char buf[65536];
	int rc = 0;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	int out = openat(dst_dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (ssize_t n; (n = read(in, buf, sizeof(buf))) != 0;) {
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	}
	close(in);
	close(out);
	return rc;
}

/* The generated root holds copies of the iPXE binaries (copies, not symlinks: the root is
 * opened with RESOLVE_BENEATH, which refuses links that leave it). Generated scripts are not
 * stored: TFTP and HTTP render them fresh per request. A root given by the person is used as
 * it is. */
int bootd_prepare_tftp_root(struct bootd *d)
{
	bool generated = !d->cfg.boot.tftp_root[0];
	char src[PATH_MAX + 32];
	if (generated && mkdir(d->data_dir, 0755) != 0 && errno != EEXIST)
		log_warn("cannot create data dir %s: %s", d->data_dir, strerror(errno));
	if (generated && mkdir(d->tftp_root, 0755) != 0 && errno != EEXIST)
		return log_err("cannot create TFTP root %s: %s", d->tftp_root, strerror(errno)),
		       -errno;
	int fd = open(d->tftp_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_err("cannot open TFTP root %s: %s", d->tftp_root, strerror(errno)),
		       -errno;
	for (size_t i = 0; generated && i < sizeof(ipxe_files) / sizeof(ipxe_files[0]); i++) {
		snprintf(src, sizeof(src), "%s/%s", d->cfg.boot.ipxe_dir, ipxe_files[i]);
		int wfd = open(d->tftp_root, O_DIRECTORY | O_CLOEXEC);
		int rc = wfd < 0 ? -errno : copy_file(src, wfd, ipxe_files[i]);
		if (wfd >= 0)
			close(wfd);
		if (rc == -ENOENT)
			log_warn("iPXE binary %s is missing: clients that need it cannot boot "
				 "(Debian: apt-get install ipxe, or set [boot] ipxe_dir)",
				 src);
		else if (rc)
			log_warn("cannot copy %s into %s: %s", src, d->tftp_root, strerror(-rc));
	}
	if (d->tftp_root_fd >= 0)
		close(d->tftp_root_fd);
	d->tftp_root_fd = fd;
	return 0;
}

/* The user to run as: [boot] user, else "ringsan" if it exists, else "nobody". */
static struct passwd *service_user(const struct bootd *d, const char **name)
{
	struct passwd *pw;
	*name = d->cfg.boot.user[0] ? d->cfg.boot.user : "ringsan";
	pw = getpwnam(*name);
	if (!pw && !d->cfg.boot.user[0])
		pw = getpwnam(*name = "nobody");
	return pw;
}

int bootd_prepare_state_dir(const struct bootd *d, const char *dir)
{
	const char *name;
	struct passwd *pw;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	if (geteuid() != 0 || !(pw = service_user(d, &name)))
		return 0;
	/* Leases are written by rename after root is dropped: the directory must be ours. */
	return chown(dir, pw->pw_uid, pw->pw_gid) != 0 ? -errno : 0;
}

int bootd_drop_privileges(const struct bootd *d)
{
	const char *name;
	struct passwd *pw;
	if (geteuid() != 0) {
		log_info("not running as root: keeping uid %u", (unsigned)geteuid());
		return 0;
	}
	pw = service_user(d, &name);
	if (!pw) {
		log_err("user %s does not exist: refusing to keep running as root", name);
		return -ENOENT;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		log_err("cannot drop privileges to %s: %s", name, strerror(errno));
		return -errno;
	}
	log_info("running as user %s (uid %u)", name, (unsigned)pw->pw_uid);
	return 0;
}
