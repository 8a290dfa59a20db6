/* main.c: `ringsan`: the subcommand table, from which --help is printed, and the dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/cli/cli.h"

static const struct cli_cmd lun_cmds[] = {
    {"create", cmd_lun_create, "create an empty (sparse) LUN, or an overlay of an image",
     "NAME --size SIZE [--block-size 512|4096] [--description TEXT]\n"
     "       ringsan lun create NAME --base IMAGE [--description TEXT]\n"
     "       ringsan lun create NAME --backend nbd:URI [--size SIZE] [...]",
     "  -s, --size SIZE         bytes, or with a unit K, M, G, T (powers of 1024): 40G\n"
     "  -b, --block-size N      logical block size, 512 (default) or 4096\n"
     "  -d, --description TEXT  shown by `lun list` and in boot menus\n"
     "      --base IMAGE        an overlay of LUN IMAGE: instant; reads what it never wrote\n"
     "                          from IMAGE, which stays read-only while overlays refer to it\n"
     "      --backend nbd:URI   the data lives on an NBD export (nbd://HOST:PORT/EXPORT,\n"
     "                          nbd+unix:///EXPORT?socket=PATH); --size defaults to the\n"
     "                          export's; rm forgets the LUN and leaves the export alone\n"
     "NAME: lower-case letters, digits, '.' and '-'; the target is BASE_IQN:NAME."},
    {"resize", cmd_lun_resize, "grow (or, with --shrink, shrink) a LUN in place",
     "NAME --size SIZE|+DELTA|-DELTA [--shrink]",
     "  -s, --size SIZE         the new size, or +DELTA / -DELTA from the current one\n"
     "      --shrink            allow a smaller size; refused if data lies in the cut-off part\n"
     "The LUN must not be in use; a running target is told to reload. A LUN on an NBD\n"
     "export grows up to the export's size (grow the export first)."},
    {"info", cmd_lun_info, "show a LUN's size, space used, identity and path", "NAME [--json]",
     "      --json              machine-readable output"},
    {"list", cmd_lun_list, "list the LUNs in the data directory", "[--json]",
     "      --json              machine-readable output (an array)"},
    {"rm", cmd_lun_rm, "remove a LUN and its data", "NAME [--yes]",
     "  -y, --yes               do not ask (needed when stdin is not a terminal)"},
    {"clone", cmd_lun_clone, "copy a LUN to a new one (reflink where possible)",
     "SRC DST [--description TEXT]",
     "  -d, --description TEXT  description of the copy (default: the source's)\n"
     "Holes stay holes; the copy gets a new identity (serial, NAA)."},
    {"reset", cmd_lun_reset, "drop an overlay's changes (onto its image's newest promotion)",
     "OVERLAY", "The overlay must not be in use; it keeps its identity."},
    {"promote", cmd_lun_promote, "make a new image from an overlay and its base (offline)",
     "OVERLAY --as NEWIMAGE [--description TEXT]",
     "      --as NEWIMAGE       name of the new image (base + the overlay's changes)\n"
     "  -d, --description TEXT  its description (default: the old image's)\n"
     "The overlay moves onto NEWIMAGE at once; the other overlays of the old image at their\n"
     "next reset; the old image is removed once nothing refers to it."},
    {"check", cmd_lun_check, "verify an overlay's allocation map against its files", "OVERLAY",
     "Changes nothing; exit 1 when the map is damaged or its base is missing."},
    {"import", cmd_lun_import, "create a LUN from a VM image (qemu-img decodes it)",
     "NAME FILE [--format FMT] [--block-size 512|4096] [--description TEXT]", IMAGE_IMPORT_HELP},
    {"export", cmd_lun_export, "write a LUN to a new VM image file (qemu-img encodes it)",
     "NAME FILE [--format FMT]", IMAGE_EXPORT_HELP},
    {NULL},
};

static const struct cli_cmd top_cmds[] = {
    {"serve", cmd_serve, "serve every LUN of the data dir over iSCSI (in the foreground)",
     "[--listen ADDR:PORT ...] [--workers N] [--node NAME]",
     "  -l, --listen ADDR:PORT  a portal to listen on (repeatable; default: [server] listen)\n"
     "      --workers N         worker threads (default: [server] workers, 0 = one per core)\n"
     "      --node NAME         this node's name in [cluster] nodes (default: [cluster] node)\n"
     "Each LUN NAME is the target BASE_IQN:NAME with its disk at LUN 0. SIGHUP reloads the\n"
     "config and the data dir; SIGTERM stops after the commands in flight have finished."},
    {"status", cmd_status, "what the running target is doing: sessions, LUN rates, latency",
     "[--json] [--watch [--interval S]] [--events]",
     "      --json              the control socket's JSON document\n"
     "      --watch             refresh like top until Ctrl-C\n"
     "      --interval S        seconds between refreshes (default 2)\n"
     "      --events            the event ring (logins, failed logins, logouts, lost\n"
     "                          connections), one TAB-separated line each\n"
     "Asks the running target over its control socket ([server] control_socket); root, the\n"
     "target's user and members of [server] control_group may ask."},
    {"lun", NULL,
     "manage LUNs (network disks): create, resize, info, list, rm, clone, reset, promote, check",
     "COMMAND ...", NULL, lun_cmds},
    {"check-config", cmd_check_config, "check the config file and print the effective config",
     "[-c FILE] [--quiet]",
     "  -q, --quiet             print nothing, only set the exit code\n"
     "      --reference         print the table of all keys (for the README)"},
    {"version", cmd_version, "print the version", "", NULL},
    {NULL},
};

static const struct cli_cmd root = {"ringsan",
				    NULL,
				    "iSCSI target for diskless machines",
				    "[-c FILE] [--data-dir DIR] COMMAND ...",
				    NULL,
				    top_cmds};

static const struct cli_cmd *cli_find(const struct cli_cmd *group, const char *name)
{
	for (const struct cli_cmd *c = group->subs; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int cli_group(struct cli *cli, const struct cli_cmd *group, char *path, size_t pathlen,
		     int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int first = 0, ret;

	cli->cmd = group;
	cli->cmd_path = path;
	ret = cli_parse(cli, argc, argv, NULL, NULL, NULL, &first);
	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (first >= argc) {
		cli_print_help(stderr, group, path);
		return CLI_USAGE;
	}
	if (strcmp(argv[first], "help") == 0) {
		cli_print_help(stdout, group, path);
		return CLI_OK;
	}
	cmd = cli_find(group, argv[first]);
	if (!cmd)
		return cli_usage_error(cli, "unknown command '%s'", argv[first]);
	if (strcmp(path, "ringsan") == 0)
		snprintf(path, pathlen, "%s", cmd->name);
	else
		snprintf(path + strlen(path), pathlen - strlen(path), " %s", cmd->name);
	if (cmd->subs)
		return cli_group(cli, cmd, path, pathlen, argc - first, argv + first);
	cli->cmd = cmd;
	cli->cmd_path = path;
	return cmd->fn(cli, argc - first, argv + first);
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	char path[64] = "ringsan";
	int ret;

	config_defaults(&cli.cfg);
	ret = cli_group(&cli, &root, path, sizeof(path), argc, argv);
	config_free(&cli.cfg);
	if (fflush(stdout) != 0 && ret == CLI_OK) {
		cli_error("cannot write the output");
		ret = CLI_ERR;
	}
	return ret;
}
