/* serve.c: see serve.h. The main thread only starts workers and waits for signals: SIGHUP
 * reloads (config file and data dir), SIGTERM/SIGINT stop: no new connections, running commands
 * finish and reach the files, every LUN is fdatasync'ed, then exit 0. */
#include "target/daemon/serve.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/pidfile.h"
#include "target/daemon/control.h"
#include "target/daemon/server.h"
#include "target/daemon/worker.h"

static void conn_config_from(struct conn_config *cc, const struct config *cfg)
{
	const struct config_server *s = &cfg->server;

	memset(cc, 0, sizeof(*cc));
	cc->queue_depth = s->queue_depth;
	cc->nop_interval_ms = s->nop_interval * 1000;
	cc->nop_timeout_ms = s->nop_timeout * 1000;
	cc->login_timeout_ms = s->login_timeout * 1000;
	negotiate_target_limits_default(&cc->limits);
	cc->limits.max_recv_data_segment_length = s->max_recv_data_segment_length;
	cc->limits.max_burst_length = s->max_burst_length;
	cc->limits.first_burst_length = s->first_burst_length < s->max_burst_length
					    ? s->first_burst_length
					    : s->max_burst_length;
	cc->read_chunk = s->max_burst_length < 256 * 1024 ? 256 * 1024 : s->max_burst_length;
	if (cc->read_chunk > 1024 * 1024)
		cc->read_chunk = 1024 * 1024;
}

static int reload(struct server *srv, struct config *cfg, const struct serve_opts *o)
{
	struct config fresh;
	char err[1024];
	int ret;

	if (o->config_path) {
		ret = config_load_file(&fresh, o->config_path, err, sizeof(err));
		if (ret < 0) {
			log_err("reload: %s (keeping the running configuration)", err);
			return ret;
		}
		if (o->data_dir)
			snprintf(fresh.server.data_dir, sizeof(fresh.server.data_dir), "%s",
				 o->data_dir);
		config_apply_environment(&fresh);
		/* A fleet boot request being carried out reads cfg: swap it between two. */
		fleetboot_lock(&srv->fleet);
		config_free(cfg);
		*cfg = fresh;
		fleetboot_unlock(&srv->fleet);
	}
	ret = luns_sync(&srv->luns, cfg, err, sizeof(err));
	if (ret < 0)
		log_err("reload: %s", err);
	else
		log_info("reloaded: %d LUN%s served", ret, ret == 1 ? "" : "s");
	if (srv->cluster.enabled)
		clusterd_set_rules(&srv->cluster, cfg);
	if (srv->has_shared && luns_sync(&srv->shared, cfg, err, sizeof(err)) < 0)
		log_err("reload: shared dir: %s", err);
	return ret;
}

/* Admission budgets per worker, the CHAP delay table, the reserve descriptor, and a descriptor
 * limit that covers the caps: every session and every login in progress holds a socket (and a
 * session a LUN file), plus each worker's ring and eventfd, listeners and some slack. */
static void admission_init(struct server *srv, const struct config_server *cs, unsigned n)
{
	struct rlimit rl;

	srv->admit.max_logins = (cs->max_logins + n - 1) / n;
	srv->admit.max_logins_per_addr = (cs->max_logins_per_address + n - 1) / n;
	authdelay_init(&srv->auth, AUTHDELAY_BASE_MS, AUTHDELAY_MAX_MS, AUTHDELAY_FORGET_MS);
	rlim_t need = (rlim_t)cs->max_sessions * 2 + (rlim_t)n * (srv->admit.max_logins * 2 + 16) +
		      (rlim_t)n * (4 + srv->nportals) + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rlim_t want =
		    rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || want < need)
			log_warn(
			    "the descriptor limit (%llu) is below what max_sessions and max_logins "
			    "need (%llu): raise it (LimitNOFILE= in the systemd unit, ulimit -n) "
			    "or lower them; connections beyond it are closed at once",
			    (unsigned long long)want, (unsigned long long)need);
	}
	srv->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* [cluster]: who this node is, the shared dir's LUNs, the health thread. 0 or -1 (logged). */
static int cluster_start(struct server *srv, const struct config *cfg, const struct serve_opts *o)
{
	const char *shared = cfg->cluster.shared_dir;
	char err[1024];
	int ret;

	if (clusterd_init(&srv->cluster, cfg, o->node, srv->portals, srv->nportals, err,
			  sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (shared[0]) {
		if (strcmp(shared, cfg->server.data_dir) == 0) {
			log_err("[cluster] shared_dir is the data dir (%s): give the shared LUNs "
				"their own directory",
				shared);
			return -1;
		}
		luns_init(&srv->shared);
		srv->shared.nshards = srv->luns.nshards; /* each LUN counts per worker */
		srv->has_shared = true;
		snprintf(srv->shared.fixed_dir, sizeof(srv->shared.fixed_dir), "%s", shared);
		srv->shared.exclusive = true;
		snprintf(srv->shared.holder, sizeof(srv->shared.holder), "%s",
			 srv->cluster.nodes[srv->cluster.self].name);
		srv->shared.abort_nexus = server_abort_nexus;
		srv->shared.abort_ctx = srv;
		ret = luns_sync(&srv->shared, cfg, err, sizeof(err));
		if (ret < 0) {
			log_err("[cluster] shared_dir: %s", err);
			return -1;
		}
		log_info("shared dir %s: %d LUN%s any node can serve", shared, ret,
			 ret == 1 ? "" : "s");
	}
	if (clusterd_start(&srv->cluster) < 0) {
		log_err("cannot start the cluster health thread");
		return -1;
	}
	return 0;
}

static int start_workers(struct server *srv, unsigned n)
{
	char err[1024];

	/* SO_REUSEPORT would let a second target share a port silently: bind each portal once
	 * without it first, so "address in use" is reported as such. */
	for (unsigned i = 0; i < srv->nportals; i++) {
		int ret = worker_probe_portal(&srv->portals[i], err, sizeof(err));
		if (ret < 0) {
			log_err("%s", err);
			return ret;
		}
	}

	srv->workers = calloc(n, sizeof(*srv->workers));
	if (!srv->workers)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		int ret = worker_init(&srv->workers[i], srv, i, err, sizeof(err));
		if (ret < 0) {
			log_err("%s", err);
			for (unsigned j = 0; j < srv->nworkers; j++) {
				worker_stop(&srv->workers[j]);
				worker_join(&srv->workers[j]);
			}
			return ret;
		}
		if (worker_start(&srv->workers[i]) < 0) {
			log_err("cannot start worker thread %u", i);
			worker_stop(&srv->workers[i]);
			return -EAGAIN;
		}
		srv->nworkers++;
	}
	return 0;
}

static void log_portals(const struct server *srv, int luns)
{
	char buf[512] = "";
	size_t off = 0;
	for (unsigned i = 0; i < srv->nportals && off < sizeof(buf) - 64; i++) {
		const struct config_portal *p = &srv->portals[i];
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
					p->ipv6 ? "%s[%s]:%u" : "%s%s:%u", i ? ", " : "", p->host,
					p->port);
	}
	log_notice("ringsan %s serving %d LUN%s from %s on %s with %u worker%s", RINGSAN_VERSION,
		   luns, luns == 1 ? "" : "s", srv->luns.data_dir, buf, srv->nworkers,
		   srv->nworkers == 1 ? "" : "s");
}

/* SBC-4 4.7.3.8 soft threshold: the data dir's file system is low on space when less than 5%
 * or less than 1 GiB is free, whichever is more. */
static void space_check(struct server *srv)
{
	struct statvfs v;
	if (statvfs(srv->luns.data_dir, &v) < 0)
		return;
	uint64_t total = (uint64_t)v.f_blocks * v.f_frsize;
	uint64_t avail = (uint64_t)v.f_bavail * v.f_frsize;
	uint64_t floor = total / 20 > (1ull << 30) ? total / 20 : (1ull << 30);
	luns_space_check(&srv->luns, avail < floor);
}

/* The main thread's loop: signals (a signalfd), the control socket and the metrics listener, the
 * per-second samples of the LUN counters and, every 10 s, the data dir's free space. Returns when
 * SIGTERM or SIGINT comes. */
static void main_loop(struct server *srv, struct control *ctl, struct config *cfg,
		      const struct serve_opts *o, int sigfd)
{
	struct pollfd pfd[1 + CONTROL_POLLFDS];
	uint64_t next_sample = clock_mono_ms() + 1000;
	unsigned ticks = 0;
	char err[1024];

	space_check(srv);
	server_sample(srv);
	for (;;) {
		pfd[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		unsigned n = 1 + control_pollfds(ctl, pfd + 1);
		uint64_t now = clock_mono_ms();
		int timeout = next_sample > now ? (int)(next_sample - now) : 0;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			log_warn("poll: %s", strerror(errno));
		now = clock_mono_ms();
		if (now >= next_sample) {
			server_sample(srv);
			next_sample += 1000;
			if (next_sample <= now)
				next_sample = now + 1000;
			if (++ticks % 10 == 0) {
				space_check(srv);
				/* LUNs created in the shared dir by another node's CLI reach this
				 * one. */
				if (srv->has_shared &&
				    luns_sync(&srv->shared, cfg, err, sizeof(err)) < 0)
					log_err("shared dir: %s", err);
			}
		}
		control_serve(ctl, pfd + 1, n - 1, now);
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(srv, cfg, o);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_notice("stopping (%s): finishing commands in flight",
				   si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
	}
}

/* The server's shared state before the LUNs are read and the workers start. */
static void server_setup(struct server *srv, const struct config *cfg, const struct serve_opts *o)
{
	luns_init(&srv->luns);
	srv->luns.abort_nexus = server_abort_nexus;
	srv->luns.abort_ctx = srv;
	pthread_mutex_init(&srv->sess_lock, NULL);
	pthread_mutex_init(&srv->auth_lock, NULL);
	pthread_mutex_init(&srv->reserve_lock, NULL);
	pthread_mutex_init(&srv->ev_lock, NULL);
	if (obs_events_init(&srv->events) < 0)
		log_warn("no memory for the event ring: `events` answers stay empty");
	srv->start_unix_ms = stats_unix_ms();
	srv->start_mono_ms = clock_mono_ms();
	srv->reserve_fd = -1;
	fleetboot_init(&srv->fleet, cfg);
	conn_config_from(&srv->conn_cfg, cfg);
	srv->max_sessions = cfg->server.max_sessions;
	srv->nportals = o->nlisten ? o->nlisten : cfg->server.listen_count;
	memcpy(srv->portals, o->nlisten ? o->listen : cfg->server.listen,
	       srv->nportals * sizeof(srv->portals[0]));
}

static void server_teardown(struct server *srv)
{
	clusterd_fini(&srv->cluster);
	if (srv->has_shared)
		luns_fini(&srv->shared);
	luns_fini(&srv->luns);
	fleetboot_fini(&srv->fleet);
	pthread_mutex_destroy(&srv->sess_lock);
	pthread_mutex_destroy(&srv->auth_lock);
	pthread_mutex_destroy(&srv->reserve_lock);
	pthread_mutex_destroy(&srv->ev_lock);
	obs_events_fini(&srv->events);
	if (srv->reserve_fd >= 0)
		close(srv->reserve_fd);
}

/* SIGHUP, SIGTERM and SIGINT come through a signalfd the main loop polls (blocked in every
 * thread: every thread starts after this); SIGPIPE is ignored. The signalfd, or -1. */
static int signals_take(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int serve_run(struct config *cfg, const struct serve_opts *o)
{
	struct server srv = {0};
	struct control ctl;
	char err[1024], pidpath[PATH_MAX];
	int luns, ret = 1, sigfd = -1;
	pidpath[0] = 0;

	log_set_level(cfg->server.log_level);
	/* READ chunks and write bursts (up to 1 MiB) are allocated per command: keep them in the
	 * heap instead of mmap/munmap each time, which zeroed a fresh 1 MiB per read (measured:
	 * 40x fewer page faults, less than half the CPU per 1 MiB read). */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	server_setup(&srv, cfg, o);
	/* Before any thread starts (a LUN's background job, the cluster's health checks, the
	 * workers): a thread that does not block them would take SIGTERM's default action. */
	sigfd = signals_take();
	if (sigfd < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (mkdir(cfg->server.data_dir, 0755) < 0 && errno != EEXIST) {
		log_err("cannot create the data dir %s: %s (set [server] data_dir or --data-dir)",
			cfg->server.data_dir, strerror(errno));
		goto out;
	}
	unsigned n = o->workers ? o->workers : cfg->server.workers;
	if (!n)
		n = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	n = n ? n : 1;
	srv.luns.nshards = n; /* each LUN counts per worker */
	luns = luns_sync(&srv.luns, cfg, err, sizeof(err));
	if (luns < 0) {
		log_err("%s", err);
		goto out;
	}
	if (cluster_start(&srv, cfg, o) < 0)
		goto out;
	if (luns == 0 && !srv.has_shared)
		log_notice(
		    "no LUNs in %s yet: create one with `ringsan lun create NAME --size 40G`; "
		    "it is served at once",
		    cfg->server.data_dir);
	admission_init(&srv, &cfg->server, n);
	if (start_workers(&srv, n) < 0)
		goto out_luns;
	pidfile_path(pidpath, sizeof(pidpath), cfg->server.data_dir);
	if (pidfile_write(pidpath, PIDFILE_COMM, err, sizeof(err)) < 0) {
		/* Two targets on one data dir would both write the same disks. */
		log_err("%s", err);
		goto out_workers;
	}
	if (control_open(&ctl, &srv, cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		pidfile_remove(pidpath);
		goto out_workers;
	}
	log_portals(&srv, luns);
	main_loop(&srv, &ctl, cfg, o, sigfd);
	control_close(&ctl);
	ret = 0;
out_workers:
	for (unsigned i = 0; i < srv.nworkers; i++)
		worker_stop(&srv.workers[i]);
	for (unsigned i = 0; i < srv.nworkers; i++)
		worker_join(&srv.workers[i]);
	if (ret == 0) {
		pidfile_remove(pidpath);
		log_notice("stopped");
	}
out_luns:
	free(srv.workers);
out:
	server_teardown(&srv);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
