/* cli.h: the `ringsan` command line: the subcommand table, the options every command takes
 * (-c/--config FILE, --data-dir DIR, -h/--help, before or after the command) and helpers.
 * Exit codes: 0 success, 1 user error (one line "ringsan: ..." on stderr), 2 usage. */
#ifndef RINGSAN_TARGET_CLI_H
#define RINGSAN_TARGET_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/config.h"

enum { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

struct cli_cmd;

struct cli {
	const char *config_path;  /* -c FILE; NULL = $RINGSAN_CONFIG or CONFIG_DEFAULT_FILE */
	const char *data_dir_opt; /* --data-dir DIR */
	const struct cli_cmd *cmd;
	const char *cmd_path; /* "lun create", for messages */
	struct config cfg;
	bool loaded;
	const char *config_path_used; /* the file cli_load read, or NULL for built-in defaults */
	char data_dir[PATH_MAX];
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;	    /* "NAME --size SIZE [...]" */
	const char *details;	    /* option lines for --help; may be NULL */
	const struct cli_cmd *subs; /* a group such as "lun"; ends with {NULL} */
};

/* One option a command takes besides the global ones. */
struct cli_opt {
	const char *name; /* long name */
	int val;	  /* short letter, or a value >= 256 for long-only */
	bool has_arg;
};

/* Parses argv with the command's options plus the global ones. on_opt is called for the
 * command's own; positional arguments end up in argv[*first..argc). Returns CLI_OK, CLI_USAGE
 * (message printed) or -1 when --help was printed (exit 0). */
int cli_parse(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
	      int (*on_opt)(int val, const char *arg, void *ctx), void *ctx, int *first);

/* Loads the configuration (once) and settles the data dir. CLI_OK or CLI_ERR (printed). */
int cli_load(struct cli *cli);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_print_help(FILE *out, const struct cli_cmd *cmd, const char *path);

/* Prints s as a JSON string (with quotes). */
void cli_json_string(FILE *out, const char *s);
/* Tells a running target (DATA_DIR/.ringsan.pid) to reload, and says so. */
void cli_notify_daemon(struct cli *cli);
/* A progress line on stdout when it is a terminal: percent, rate, time left. */
void cli_progress(uint64_t done, uint64_t total, void *arg);
void cli_progress_end(void);

int cmd_lun_create(struct cli *cli, int argc, char **argv);
int cmd_lun_resize(struct cli *cli, int argc, char **argv);
int cmd_lun_info(struct cli *cli, int argc, char **argv);
int cmd_lun_list(struct cli *cli, int argc, char **argv);
int cmd_lun_rm(struct cli *cli, int argc, char **argv);
int cmd_lun_clone(struct cli *cli, int argc, char **argv);
int cmd_lun_reset(struct cli *cli, int argc, char **argv);
int cmd_lun_promote(struct cli *cli, int argc, char **argv);
int cmd_lun_check(struct cli *cli, int argc, char **argv);
int cmd_lun_import(struct cli *cli, int argc, char **argv);
int cmd_lun_export(struct cli *cli, int argc, char **argv);
#define IMAGE_IMPORT_HELP                                                                          \
	"  -f, --format FMT        raw, qcow2, vmdk, vhdx or vdi (default: by the extension,\n"    \
	"                          checked against the file's contents)\n"                         \
	"  -b, --block-size N      logical block size, 512 (default) or 4096\n"                    \
	"  -d, --description TEXT  shown by `lun list` and in boot menus\n"                        \
	"Holes stay holes; the size is rounded up to the block size (and says so)."
#define IMAGE_EXPORT_HELP                                                                          \
	"  -f, --format FMT        raw, qcow2, vmdk, vhdx or vdi (default: by the extension)\n"    \
	"FILE must not exist; it appears whole or not at all. The LUN must not be in use."
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);

struct obs_buf;
/* Sends request (one line) to the running target's control socket and reads the whole answer
 * into out. CLI_OK, or CLI_ERR after one line saying why (the target not running, not allowed,
 * its "error: ..." answer); quiet: no line. */
int cli_status_ask(struct cli *cli, const char *request, struct obs_buf *out, bool quiet);

#endif
