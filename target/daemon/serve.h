/* serve.h: `ringsan serve`: the target daemon in the foreground, logging to stderr. */
#ifndef RINGSAN_DAEMON_SERVE_H
#define RINGSAN_DAEMON_SERVE_H

#include "common/config.h"

struct serve_opts {
	const char *config_path; /* re-read on SIGHUP; NULL: built-in defaults */
	const char *data_dir;	 /* --data-dir, which wins over the config on reload too */
	struct config_portal listen[CONFIG_MAX_PORTALS]; /* --listen; none: the config's */
	unsigned nlisten;
	unsigned workers; /* --workers; 0: the config's */
	const char *node; /* --node: this node's name in [cluster]; NULL: the config's */
};

/* Runs until SIGTERM or SIGINT. Returns the process exit code (0 after a clean stop; 1 when it
 * could not start, with one line saying why and what to do). */
int serve_run(struct config *cfg, const struct serve_opts *o);

#endif
