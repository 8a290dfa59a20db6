/* main.c: `ringsan-boot`: the command table (serve, render, help), flags, and the serve loop
 * (epoll + signalfd: SIGHUP reloads the config, SIGTERM/SIGINT stop). */
#include "bootsvc/daemon/bootd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static int cmd_serve(int argc, char **argv);
static int cmd_render(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_machines(int argc, char **argv);

static const struct command commands[] = {
    {"serve", cmd_serve, "run proxyDHCP/DHCP, TFTP and HTTP for network boot"},
    {"render", cmd_render,
     "write boot.ipxe, menu.ipxe, vars.ipxe, lun-NAME.ipxe and fleet-NAME.ipxe to --out DIR"},
    {"machines", cmd_machines,
     "each machine's last network boot, step by step, and where it stopped (--json)"},
    {"help", cmd_help, "show this help"},
};

static const char flags_help[] =
    "  -c, --config FILE        INI configuration (default: built-in defaults)\n"
    "      --data-dir DIR       where the LUN directories are\n"
    "      --interface IF       serve DHCP on this interface only\n"
    "      --server-ip ADDR     address clients use for TFTP, HTTP and iSCSI\n"
    "      --dhcp MODE          proxy, full or off\n"
    "      --dhcp-range A-B     addresses to lease in full mode\n"
    "      --http ADDR:PORT     HTTP listen address\n"
    "      --tftp-root DIR      directory served over TFTP\n"
    "      --tftp-port N        TFTP port (default 69)\n"
    "      --dhcp-port N        DHCP server port (default 67)\n"
    "      --pxe-port N         PXE boot server port (default 4011)\n"
    "      --out DIR            render: output directory\n"
    "      --json               machines: JSON instead of text\n";

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: ringsan-boot COMMAND [flags]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %-9s %s\n", commands[i].name, commands[i].summary);
	printf("\nflags (each overrides the [boot]/[server] key of the same meaning):\n%s",
	       flags_help);
	return 0;
}

static int parse_flags(struct bootd_opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"data-dir", required_argument, NULL, 1},
	    {"interface", required_argument, NULL, 2},
	    {"server-ip", required_argument, NULL, 3},
	    {"dhcp", required_argument, NULL, 4},
	    {"dhcp-range", required_argument, NULL, 5},
	    {"http", required_argument, NULL, 6},
	    {"tftp-root", required_argument, NULL, 7},
	    {"tftp-port", required_argument, NULL, 8},
	    {"dhcp-port", required_argument, NULL, 9},
	    {"pxe-port", required_argument, NULL, 10},
	    {"out", required_argument, NULL, 11},
	    {"json", no_argument, NULL, 12},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int *ports[] = {&o->tftp_port, &o->dhcp_port, &o->pxe_port};
	const char **strs[] = {NULL,	      &o->data_dir,   &o->interface, &o->server_ip,
			       &o->dhcp_mode, &o->dhcp_range, &o->http,	     &o->tftp_root};
	for (int ch; (ch = getopt_long(argc, argv, "c:h", longs, NULL)) != -1;) {
		if (ch == 'c') {
			o->config_file = optarg;
		} else if (ch >= 1 && ch <= 7) {
			*strs[ch] = optarg;
		} else if (ch >= 8 && ch <= 10) {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 65535) {
				fprintf(stderr, "ringsan-boot: bad port %s\n", optarg);
				return -EINVAL;
			}
			*ports[ch - 8] = (int)v;
		} else if (ch == 11) {
			o->out_dir = optarg;
		} else if (ch == 12) {
			o->json = true;
		} else if (ch == 'h') {
			cmd_help(0, NULL);
			exit(0);
		} else {
			fprintf(stderr, "ringsan-boot: see ringsan-boot help\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ringsan-boot: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void bootd_init(struct bootd *d)
{
	memset(d, 0, sizeof(*d));
	d->epfd = d->sig.fd = d->dhcp.fd = d->pxe.fd = d->tftp.fd = d->http.fd = -1;
	d->admin.fd = d->metrics_http.fd = d->ctl.fd = d->tgt.w.fd = -1;
	d->tftp_root_fd = d->media_fd = d->reserve_fd = -1;
	config_defaults(&d->cfg);
}

static void open_media(struct bootd *d)
{
	if (d->media_fd >= 0)
		close(d->media_fd);
	d->media_fd = -1;
	if (!d->cfg.boot.media_dir[0])
		return;
	d->media_fd = open(d->cfg.boot.media_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->media_fd < 0)
		log_warn("media dir %s: %s", d->cfg.boot.media_dir, strerror(errno));
}

/* SIGHUP: re-read the config. Sockets stay as bound; the new settings take effect for the next
 * request (scripts, DHCP answers). A bad config is logged and the old one kept. */
static void reload(struct bootd *d)
{
	char err[512] = "";
	struct bootd next = *d;
	memset(&next.cfg, 0, sizeof(next.cfg));
	if (bootd_configure(&next, err, sizeof(err)) != 0) {
		log_err("reload failed, keeping the running configuration: %s", err);
		config_free(&next.cfg);
		return;
	}
	config_free(&d->cfg);
	d->cfg = next.cfg;
	d->server_ip = next.server_ip;
	memcpy(d->server_text, next.server_text, sizeof(d->server_text));
	d->pxe_cfg = next.pxe_cfg;
	d->pxe_cfg.http_port = d->http_listen.port; /* the bound port, not a new one */
	open_media(d);
	log_notice("configuration reloaded");
}

static void on_signal(struct bootd *d, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	(void)events;
	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			d->stop = true;
	}
}

static int open_signals(struct bootd *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->sig.on_event = on_signal;
	return d->sig.fd < 0 ? -errno : bootd_watch(d, &d->sig, EPOLLIN);
}

static void run_loop(struct bootd *d)
{
	struct epoll_event evs[64];
	while (!d->stop) {
		int64_t now = clock_mono_ms();
		int64_t next = tftpd_tick(d, now);
		int64_t h = httpd_tick(d, now);
		next = h < next ? h : next;
		h = obsd_tick(d, now);
		next = h < next ? h : next;
		h = ctlsock_tick(d, now);
		next = h < next ? h : next;
		int timeout = next == INT64_MAX ? 60000 : next <= now ? 0 : (int)(next - now);
		int n = epoll_wait(d->epfd, evs, 64, timeout);
		for (int i = 0; i < n && !d->stop; i++) {
			struct watch *w = evs[i].data.ptr;
			/* A handler may close other connections (admission control displaces
			 * them): their memory lives until the reap below, their fd is -1. */
			if (w->fd >= 0)
				w->on_event(d, w, evs[i].events);
		}
		httpd_reap(d);
		tftpd_reap(d);
	}
}

static void shutdown_all(struct bootd *d)
{
	ctlsock_close(d);
	obsd_close(d);
	httpd_close(d);
	tftpd_close(d);
	dhcpd_close(d);
	if (d->sig.fd >= 0)
		close(d->sig.fd);
	if (d->tftp_root_fd >= 0)
		close(d->tftp_root_fd);
	if (d->media_fd >= 0)
		close(d->media_fd);
	if (d->reserve_fd >= 0)
		close(d->reserve_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	config_free(&d->cfg);
}

static int cmd_serve(int argc, char **argv)
{
	struct bootd d;
	char err[512] = "";
	int rc;
	bootd_init(&d);
	if (parse_flags(&d.opts, argc, argv) != 0)
		return 2;
	if ((rc = bootd_configure(&d, err, sizeof(err))) != 0) {
		log_err("%s", err[0] ? err : strerror(-rc));
		config_free(&d.cfg);
		return 1;
	}
	log_set_level(d.cfg.server.log_level);
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	bootd_prepare_descriptors(&d);
	rc = d.epfd < 0 ? -errno : open_signals(&d);
	if (rc == 0)
		rc = bootd_prepare_tftp_root(&d);
	open_media(&d);
	if (rc == 0)
		rc = dhcpd_open(&d);
	if (rc == 0)
		rc = tftpd_open(&d);
	if (rc == 0)
		rc = httpd_open(&d);
	if (rc == 0)
		rc = obsd_open(&d);
	if (rc == 0)
		rc = ctlsock_open(&d);
	if (rc == 0)
		rc = fleetd_prepare(&d);
	if (rc == 0)
		rc = bootd_drop_privileges(&d);
	if (rc == 0) {
		log_notice("ringsan-boot %s serving (server %s, data dir %s)", RINGSAN_VERSION,
			   d.server_text, d.data_dir);
		run_loop(&d);
		log_notice("ringsan-boot stopping");
	}
	shutdown_all(&d);
	return rc == 0 ? 0 : 1;
}

static int write_script(const struct bootd *d, const char *dir, const char *name)
{
	char path[PATH_MAX + 80];
	struct menu_buf b = {0};
	int rc = boot_render(d, name, &b);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (rc == 0)
		rc = atomicfile_write(path, b.p, b.len, 0644);
	menu_buf_free(&b);
	if (rc)
		log_err("render: %s: %s", path, strerror(-rc));
	else
		printf("%s\n", path);
	return rc;
}

static int cmd_render(int argc, char **argv)
{
	struct bootd d;
	struct boot_model bm;
	char err[512] = "", name[NAME_MAX_LEN + 16];
	int rc;
	bootd_init(&d);
	if (parse_flags(&d.opts, argc, argv) != 0)
		return 2;
	if (!d.opts.out_dir) {
		fprintf(stderr, "ringsan-boot render: --out DIR is required\n");
		return 2;
	}
	if ((rc = bootd_configure(&d, err, sizeof(err))) != 0 ||
	    (rc = boot_model_build(&bm, &d)) != 0) {
		log_err("%s", err[0] ? err : strerror(-rc));
		config_free(&d.cfg);
		return 1;
	}
	if (mkdir(d.opts.out_dir, 0755) != 0 && errno != EEXIST)
		log_err("render: %s: %s", d.opts.out_dir, strerror(errno));
	rc = write_script(&d, d.opts.out_dir, "boot.ipxe");
	rc |= write_script(&d, d.opts.out_dir, "vars.ipxe");
	rc |= write_script(&d, d.opts.out_dir, "menu.ipxe");
	for (size_t i = 0; i < bm.m.n_luns; i++) {
		snprintf(name, sizeof(name), "lun-%s.ipxe", bm.m.luns[i].name);
		rc |= write_script(&d, d.opts.out_dir, name);
	}
	for (size_t i = 0; i < bm.m.n_fleets; i++) {
		snprintf(name, sizeof(name), "fleet-%s.ipxe", bm.m.fleets[i].name);
		rc |= write_script(&d, d.opts.out_dir, name);
	}
	boot_model_free(&bm);
	config_free(&d.cfg);
	return rc ? 1 : 0;
}

static int cmd_machines(int argc, char **argv)
{
	struct bootd d;
	char err[512] = "", path[108];
	int rc;
	bootd_init(&d);
	if (parse_flags(&d.opts, argc, argv) != 0)
		return 2;
	/* Only the config and the data dir matter here: no need to find a server address. */
	if (!d.opts.server_ip)
		d.opts.server_ip = "127.0.0.1";
	if ((rc = bootd_configure(&d, err, sizeof(err))) != 0) {
		fprintf(stderr, "ringsan-boot: %s\n", err[0] ? err : strerror(-rc));
		config_free(&d.cfg);
		return 1;
	}
	ctlsock_path(&d, path);
	rc = ctlsock_query(path, d.opts.json ? "machines json\n" : "machines\n");
	config_free(&d.cfg);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc, argv) + (argc < 2 ? 2 : 0);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ringsan-boot: unknown command %s (try ringsan-boot help)\n", argv[1]);
	return 2;
}
