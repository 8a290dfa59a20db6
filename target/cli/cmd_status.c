/* cmd_status.c: `ringsan status [--json] [--watch] [--events]`: what the running target is
 * doing, asked over its control socket (target/daemon/control.h), and cli_status_ask() for
 * `lun list`'s live session counts. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "target/cli/cli.h"
#include "target/daemon/control.h"

#define ASK_TIMEOUT_MS 10000

enum { OPT_JSON = 256, OPT_WATCH, OPT_INTERVAL, OPT_EVENTS };

struct status_args {
	bool json, watch, events;
	unsigned interval;
};

static int status_on_opt(int val, const char *arg, void *ctx)
{
	struct status_args *a = ctx;
	char *end;

	switch (val) {
	case OPT_JSON:
		a->json = true;
		return CLI_OK;
	case OPT_WATCH:
		a->watch = true;
		return CLI_OK;
	case OPT_EVENTS:
		a->events = true;
		return CLI_OK;
	case OPT_INTERVAL:
		errno = 0;
		unsigned long v = strtoul(arg, &end, 10);
		if (errno || *end || v < 1 || v > 3600) {
			cli_error("--interval takes a number of seconds from 1 to 3600");
			return CLI_USAGE;
		}
		a->interval = (unsigned)v;
		return CLI_OK;
	default:
		return CLI_USAGE;
	}
}

/* Reads the whole answer (until EOF) into out. 0 or -errno. */
static int read_answer(int fd, struct obs_buf *out)
{
	char buf[16384];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		int r = poll(&pfd, 1, ASK_TIMEOUT_MS);
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0 && errno != EINTR)
			return -errno;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return out->oom ? -ENOMEM : 0;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		obs_buf_add(out, buf, (size_t)n);
	}
}

int cli_status_ask(struct cli *cli, const char *request, struct obs_buf *out, bool quiet)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char path[sizeof(a.sun_path)];
	int fd, ret;

	if (control_socket_path(&cli->cfg, path, sizeof(path)) < 0) {
		if (!quiet)
			cli_error("the control socket's path is too long: set [server] "
				  "control_socket to a shorter one");
		return CLI_ERR;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (quiet)
			return CLI_ERR;
		if (e == ENOENT || e == ECONNREFUSED)
			cli_error(
			    "the target is not running (nothing answers on %s): start it with "
			    "`ringsan serve` (or `systemctl start ringsan`), or give the config "
			    "or --data-dir it runs with",
			    path);
		else if (e == EACCES || e == EPERM)
			cli_error("not allowed to ask the target (%s): run as root or as a member "
				  "of the group [server] control_group names",
				  path);
		else
			cli_error("cannot reach the target on %s: %s", path, strerror(e));
		return CLI_ERR;
	}
	size_t len = strlen(request);
	ret = write(fd, request, len) == (ssize_t)len ? read_answer(fd, out) : -errno;
	close(fd);
	if (ret < 0) {
		if (!quiet)
			cli_error("no answer from the target on %s: %s", path, strerror(-ret));
		return CLI_ERR;
	}
	if (out->len >= 7 && memcmp(out->p, "error: ", 7) == 0) {
		if (quiet)
			return CLI_ERR;
		if (strstr(out->p, "not authorised"))
			cli_error("the target refused: not authorised: run as root or as a member "
				  "of the group [server] control_group names");
		else
			cli_error("the target answered: %.*s", (int)strcspn(out->p + 7, "\n"),
				  out->p + 7);
		return CLI_ERR;
	}
	return CLI_OK;
}

static volatile sig_atomic_t stop_watch;

static void on_interrupt(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static int show_once(struct cli *cli, const struct status_args *a, bool clear)
{
	struct obs_buf out;
	const char *req = a->events ? "events 1\n" : a->json ? "status\n" : "status-text\n";

	obs_buf_init(&out);
	int ret = cli_status_ask(cli, req, &out, false);
	if (ret == CLI_OK) {
		if (clear)
			fputs("\033[H\033[2J", stdout);
		fwrite(out.p, 1, out.len, stdout);
		fflush(stdout);
	}
	obs_buf_fini(&out);
	return ret;
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {{"json", OPT_JSON, false},
					      {"watch", OPT_WATCH, false},
					      {"interval", OPT_INTERVAL, true},
					      {"events", OPT_EVENTS, false},
					      {NULL}};
	struct status_args a = {.interval = 2};
	int first, ret = cli_parse(cli, argc, argv, opts, status_on_opt, &a, &first);

	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (argc > first)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first]);
	if (cli_load(cli) != CLI_OK)
		return CLI_ERR;
	if (!a.watch)
		return show_once(cli, &a, false);
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	while (!stop_watch) {
		if (show_once(cli, &a, isatty(STDOUT_FILENO)) != CLI_OK)
			return CLI_ERR;
		struct timespec ts = {.tv_sec = a.interval};
		while (!stop_watch && nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return CLI_OK;
}
