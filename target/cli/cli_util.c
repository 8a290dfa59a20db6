/* cli_util.c: option parsing, help, config loading and output helpers for the CLI. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/pidfile.h"
#include "common/size.h"
#include "target/cli/cli.h"

#define CLI_MAX_OPTS 16
enum { OPT_DATA_DIR = 1000, OPT_HELP_LONG };

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ringsan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ringsan %s: ", cli->cmd_path ? cli->cmd_path : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ringsan %s %s\n(see 'ringsan %s --help')\n", cli->cmd_path,
		cli->cmd->usage, cli->cmd_path);
	return CLI_USAGE;
}

void cli_print_help(FILE *out, const struct cli_cmd *cmd, const char *path)
{
	const char *prefix = strcmp(path, "ringsan") == 0 ? "" : "ringsan ";

	fprintf(out, "usage: %s%s %s\n%s.\n", prefix, path, cmd->usage, cmd->summary);
	if (cmd->subs) {
		fputs("\nCommands:\n", out);
		for (const struct cli_cmd *c = cmd->subs; c->name; c++)
			fprintf(out, "  %-14s %s\n", c->name, c->summary);
	}
	if (cmd->details)
		fprintf(out, "\nOptions:\n%s\n", cmd->details);
	fputs("\nGlobal options (before or after the command):\n"
	      "  -c, --config FILE       config file (default: $RINGSAN_CONFIG, "
	      "else " CONFIG_DEFAULT_FILE " if it exists, else built-in defaults)\n"
	      "      --data-dir DIR      where LUNs live (overrides [server] data_dir)\n"
	      "  -h, --help              this help\n",
	      out);
	if (cmd->subs)
		fprintf(out, "\nRun '%s%s COMMAND --help' for the options of a command.\n", prefix,
			path);
}

static int cli_build_options(const struct cli_opt *opts, struct option *longopts, char *shortopts)
{
	size_t n = 0, s = 0;

	for (; opts && opts->name && n < CLI_MAX_OPTS - 4; opts++, n++) {
		longopts[n] = (struct option){
		    opts->name, opts->has_arg ? required_argument : no_argument, NULL, opts->val};
		if (opts->val < 256) {
			shortopts[s++] = (char)opts->val;
			if (opts->has_arg)
				shortopts[s++] = ':';
		}
	}
	longopts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	longopts[n++] = (struct option){"data-dir", required_argument, NULL, OPT_DATA_DIR};
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	memcpy(shortopts + s, "c:h", 4);
	return 0;
}

int cli_parse(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
	      int (*on_opt)(int val, const char *arg, void *ctx), void *ctx, int *first)
{
	struct option longopts[CLI_MAX_OPTS];
	char shortopts[2 * CLI_MAX_OPTS + 8];
	int c, ret;

	/* ':' first: report missing values ourselves; groups ('+') stop at their subcommand. */
	strcpy(shortopts, cli->cmd->subs ? "+:" : ":");
	cli_build_options(opts, longopts, shortopts + strlen(shortopts));
	opterr = 0;
	optind = 0; /* glibc: start afresh */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			break;
		case OPT_DATA_DIR:
			cli->data_dir_opt = optarg;
			break;
		case 'h':
			cli_print_help(stdout, cli->cmd, cli->cmd_path);
			return -1;
		case ':':
			return cli_usage_error(cli, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			if (optopt && optopt < 256)
				return cli_usage_error(cli, "unknown option '-%c'", optopt);
			return cli_usage_error(cli, "unknown option '%s'", argv[optind - 1]);
		default:
			ret = on_opt ? on_opt(c, optarg, ctx) : CLI_USAGE;
			if (ret)
				return ret;
		}
	}
	*first = optind;
	return CLI_OK;
}

int cli_load(struct cli *cli)
{
	char err[1024];
	const char *path = cli->config_path;
	int ret = 0;

	if (cli->loaded)
		return CLI_OK;
	if (!path) {
		const char *env = getenv("RINGSAN_CONFIG");
		path = env ? (env[0] ? env : NULL)
			   : (access(CONFIG_DEFAULT_FILE, F_OK) == 0 ? CONFIG_DEFAULT_FILE : NULL);
	}
	cli->config_path_used = path;
	if (path)
		ret = config_load_file(&cli->cfg, path, err, sizeof(err));
	else
		config_defaults(&cli->cfg);
	if (ret) {
		cli_error("%s", err);
		return CLI_ERR;
	}
	if (cli->data_dir_opt) {
		if (!cli->data_dir_opt[0] ||
		    strlen(cli->data_dir_opt) >= sizeof(cli->data_dir) - 80) {
			cli_error("--data-dir: give a directory (at most %zu bytes)",
				  sizeof(cli->data_dir) - 81);
			return CLI_ERR;
		}
		snprintf(cli->cfg.server.data_dir, sizeof(cli->cfg.server.data_dir), "%s",
			 cli->data_dir_opt);
	}
	config_apply_environment(&cli->cfg);
	snprintf(cli->data_dir, sizeof(cli->data_dir), "%s", cli->cfg.server.data_dir);
	cli->loaded = true;
	return CLI_OK;
}

void cli_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void cli_notify_daemon(struct cli *cli)
{
	char path[PATH_MAX + 32];
	pid_t pid;

	if (pidfile_path(path, sizeof(path), cli->data_dir) != 0)
		return;
	pid = pidfile_read_alive(path, PIDFILE_COMM);
	if (pid <= 0 || pid == getpid())
		return;
	if (kill(pid, SIGHUP) == 0)
		printf("told the running target (pid %d) to reload\n", (int)pid);
	else
		cli_error(
		    "could not tell the running target (pid %d) to reload: %s; send it SIGHUP",
		    (int)pid, strerror(errno));
}

static uint64_t progress_start, progress_last; /* clock_mono_ns() */
static bool progress_shown;

static double cli_seconds_since(uint64_t t, uint64_t now)
{
	return (double)(now - t) / 1e9;
}

void cli_progress(uint64_t done, uint64_t total, void *arg)
{
	char rate_text[SIZE_FORMAT_MAX], done_text[SIZE_FORMAT_MAX];
	uint64_t now;
	int width = 30, filled;

	(void)arg;
	if (!isatty(STDOUT_FILENO))
		return;
	now = clock_mono_ns();
	if (!progress_shown) {
		progress_start = progress_last = now;
		progress_shown = true;
	} else if (done < total && cli_seconds_since(progress_last, now) < 0.2) {
		return;
	}
	progress_last = now;
	double secs = cli_seconds_since(progress_start, now);
	double rate = secs > 0.05 ? (double)done / secs : 0;
	double left = rate > 0 ? (double)(total - done) / rate : 0;
	filled = total ? (int)((double)done / (double)total * width) : width;
	printf("\r[%.*s%*s] %3d%%  %s  %s/s  %d:%02d left ", filled,
	       "##############################", width - filled, "",
	       total ? (int)(done * 100 / total) : 100, size_format(done, done_text),
	       size_format((uint64_t)rate, rate_text), (int)left / 60, (int)left % 60);
	fflush(stdout);
}

void cli_progress_end(void)
{
	if (progress_shown)
		fputc('\n', stdout);
	progress_shown = false;
}
