/* bootd.h: internal interfaces of the ringsan-boot daemon (the shell ring around bootsvc/proto):
 * sockets, files, signals, privileges. One thread, one epoll loop.
 *
 * Why epoll and not io_uring: the boot service is not the hot path (a few hundred small UDP
 * packets per client boot, a few HTTP downloads); readiness callbacks with non-blocking sockets,
 * pread() for TFTP blocks and sendfile() for HTTP bodies are simpler to get right here, and keep
 * working where io_uring is disabled (containers, kernel.io_uring_disabled).
 */
#ifndef RINGSAN_BOOTSVC_BOOTD_H
#define RINGSAN_BOOTSVC_BOOTD_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "bootsvc/proto/admit.h"
#include "bootsvc/proto/lease.h"
#include "bootsvc/proto/menu.h"
#include "bootsvc/proto/metrics.h"
#include "bootsvc/proto/pxe.h"
#include "bootsvc/proto/tftp.h"
#include "bootsvc/proto/timeline.h"
#include "common/atomicfile.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/ipv4.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Command-line overrides; NULL / 0 = take the config value. */
struct bootd_opts {
	const char *config_file;
	const char *data_dir, *interface, *server_ip, *dhcp_mode, *dhcp_range, *http, *tftp_root;
	const char *out_dir; /* render */
	int tftp_port, dhcp_port, pxe_port;
	bool json; /* machines */
};

struct bootd;

/* An epoll registration embedded in its owner; the loop calls on_event and the owner comes
 * back with container_of. */
struct watch {
	int fd;
	void (*on_event)(struct bootd *d, struct watch *w, uint32_t events);
};

struct tftp_conn;
struct http_conn;
struct ctl_conn;

/* The client of the target's control socket (obsd.c): one exchange at a time. */
enum tgtctl_phase { TC_IDLE, TC_SENDING, TC_READING };
struct tgtctl {
	struct watch w; /* fd -1 when idle */
	char path[108]; /* sun_path */
	enum tgtctl_phase phase;
	bool asked_status, up, told;
	char req[48];
	size_t req_len, req_off;
	char *buf; /* the answer so far */
	size_t len, cap;
	int64_t deadline, next_events, next_status; /* monotonic ms */
	uint64_t next_seq;
	char *status; /* the last `status` answer (JSON), passed through to the admin page */
	size_t status_len;
	int64_t status_unix_ms;
};

struct bootd {
	int epfd;
	struct watch sig;
	struct bootd_opts opts;
	struct config cfg;
	char data_dir[PATH_MAX];
	uint32_t server_ip; /* host-order a.b.c.d */
	char server_text[16];
	struct config_portal http_listen;
	int tftp_root_fd, media_fd; /* O_PATH directory fds, opened before dropping root */
	char tftp_root[PATH_MAX];
	bool stop;

	/* DHCP */
	struct watch dhcp, pxe; /* fd -1 when off */
	struct pxe_config pxe_cfg;
	struct lease *lease_slots;
	struct lease_table leases;
	bool have_leases;
	char lease_file[PATH_MAX];
	uint64_t dhcp_malformed;
	int64_t dhcp_malformed_logged_ms;

	/* TFTP */
	struct watch tftp;
	struct tftp_conn *transfers;
	struct tftp_conn *tftp_dead; /* closed this round, freed by tftpd_reap() */
	unsigned transfer_count;
	struct tftp_limits tftp_limits;
	struct admit_tftp_limits tftp_admit;
	struct admit_ratelimit tftp_refusals, tftp_failures;

	/* HTTP */
	struct watch http;
	struct http_conn *conns;
	struct http_conn *http_dead; /* closed this round, freed by httpd_reap() */
	unsigned conn_count, pending_count, active_count;
	struct admit_http_limits http_admit;
	uint64_t http_accepted;		    /* connections accepted: their order */
	struct admit_pending *pending_view; /* scratch for the policy, http_admit.max_pending */
	struct http_conn **pending_conns;   /* the connection of each pending_view entry */
	int64_t accept_paused_until;	    /* 0: the listener is watched */
	struct admit_ratelimit http_evictions, http_timeouts, http_busy;

	/* Descriptors: one kept in reserve so that, at the process's limit, a connection can
	 * still be accepted and closed (instead of the listener staying readable forever). */
	int reserve_fd;
	struct admit_ratelimit fd_exhausted;

	/* What happens (obsd.c, ctlsock.c, admin.c): boot timelines, counters, the target's
	 * events, the admin and metrics listeners (fd -1 when off), the control socket. */
	struct timeline tl;
	struct boot_metrics metrics;
	int64_t start_unix_s;
	struct tgtctl tgt;
	struct watch admin, metrics_http, ctl;
	struct ctl_conn *ctl_conns;
	unsigned ctl_count;
	char ctl_path[108];
};

/* model.c: config + data dir -> the renderer's model (owns its strings). */
struct boot_model {
	struct menu_model m;
	struct menu_lun *luns;
	struct menu_image *images;
	struct menu_client *clients;
	struct menu_fleet *fleets;
	uint8_t (*fleet_macs)[6];
	struct menu_portal portals[MENU_MAX_PORTALS]; /* [cluster] nodes other than the server */
	char **strings; /* every string the model points at that is not in the config */
	size_t n_strings, cap_strings;
};

int boot_model_build(struct boot_model *bm, const struct bootd *d);
void boot_model_free(struct boot_model *bm);
/* Renders name into out from a fresh model. 0, -ENOENT (not a script) or -errno. */
int boot_render(const struct bootd *d, const char *name, struct menu_buf *out);

/* util.c */
int bootd_watch(struct bootd *d, struct watch *w, uint32_t events);
int bootd_rewatch(struct bootd *d, struct watch *w, uint32_t events);
void bootd_unwatch(struct bootd *d, struct watch *w);
/* Opens path (already sanitised, relative) under dirfd, refusing anything that resolves outside
 * it (openat2 RESOLVE_BENEATH; an O_NOFOLLOW walk where openat2 is missing). Returns an fd
 * (O_RDONLY, O_CLOEXEC) of a regular file, or -errno (-ENOENT, -EXDEV / -ELOOP for escapes,
 * -EISDIR for a directory). */
int bootd_open_beneath(int dirfd, const char *path);
int bootd_parse_ipv4(const char *text, uint32_t *ip);

/* dhcpd.c */
int dhcpd_open(struct bootd *d);
void dhcpd_close(struct bootd *d);

/* tftpd.c */
int tftpd_open(struct bootd *d);
void tftpd_close(struct bootd *d);
/* Handles due retransmissions; returns the next deadline (ms) or INT64_MAX. */
int64_t tftpd_tick(struct bootd *d, int64_t now);
/* Frees the transfers closed since the last call (after a round of events). */
void tftpd_reap(struct bootd *d);

/* httpd.c */
int httpd_open(struct bootd *d);
void httpd_close(struct bootd *d);
int64_t httpd_tick(struct bootd *d, int64_t now);
/* Frees the connections closed since the last call (after a round of events). */
void httpd_reap(struct bootd *d);
/* Closes the oldest HTTP connection that has not sent a request, to free a descriptor at the
 * process's limit. False when there is none. */
bool httpd_release_pending(struct bootd *d, const char *why);

/* Logs a warning through rl: at most one line a second; the next line says how many were held
 * back. */
void bootd_log_limited(struct admit_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Called at EMFILE/ENFILE: gives the reserve descriptor back for a moment so listen_fd's next
 * connection can be accepted and closed, then takes it again. */
void bootd_shed_connection(struct bootd *d, int listen_fd);

/* fleetd.c: boot requests of fleet machines (see there). fleetd_prepare creates
 * DATA_DIR/.fleet for the service user (before privileges are dropped), fleets or not. */
int fleetd_prepare(struct bootd *d);
void fleetd_boot_request(struct bootd *d, const char *script, const char *mac_text,
			 const char *peer);

/* obsd.c */
int64_t bootd_unix_ms(void); /* wall clock, as the target's events */
int obsd_open(struct bootd *d);
void obsd_close(struct bootd *d);
/* Polls the target's control socket when due; returns the next deadline (monotonic ms). */
int64_t obsd_tick(struct bootd *d, int64_t now);
void obsd_step(struct bootd *d, enum tl_kind kind, const uint8_t *mac, uint32_t ip, const char *lun,
	       const char *detail, int arch);
/* A generated script was served (name as "lun-x.ipxe"; mac_text from ?mac=, may be NULL). */
void obsd_script(struct bootd *d, const char *name, const char *mac_text, uint32_t ip,
		 const char *via);

/* ctlsock.c: ringsan-boot's own control socket (`machines`, `machines json`, `metrics`). */
int ctlsock_open(struct bootd *d);
void ctlsock_close(struct bootd *d);
int64_t ctlsock_tick(struct bootd *d, int64_t now);
/* The client side: `ringsan-boot machines`. Prints the answer; returns the exit code. */
int ctlsock_query(const char *path, const char *request);
void ctlsock_path(const struct bootd *d, char out[static 108]);

/* admin.c: the answers of the admin and metrics listeners. Fills body and returns the status;
 * *ctype is the Content-Type. */
int admin_route(struct bootd *d, bool metrics_only, const char *path, const char *query,
		struct menu_buf *body, const char **ctype);
int admin_render_metrics(struct bootd *d, struct menu_buf *out);

/* setup.c: resolve settings from config + flags, TFTP root, privileges. */
int bootd_configure(struct bootd *d, char *err, size_t errlen);
int bootd_prepare_tftp_root(struct bootd *d);
int bootd_drop_privileges(const struct bootd *d);
/* Raises RLIMIT_NOFILE to what the configured caps need and opens the reserve descriptor. */
void bootd_prepare_descriptors(struct bootd *d);
/* Creates dir and, when running as root, gives it to the service user (before the drop). */
int bootd_prepare_state_dir(const struct bootd *d, const char *dir);

#endif
