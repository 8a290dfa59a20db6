/* cmd_serve.c: `ringsan serve`: parses the serve options and hands over to the daemon. */
#include <stdlib.h>
#include <string.h>

#include "target/cli/cli.h"
#include "target/daemon/serve.h"

enum { OPT_WORKERS = 256, OPT_NODE };

static int serve_on_opt(int val, const char *arg, void *ctx)
{
	struct serve_opts *o = ctx;
	char err[256], *end;

	if (val == 'l') {
		if (o->nlisten == CONFIG_MAX_PORTALS) {
			cli_error("--listen: at most %d portals", CONFIG_MAX_PORTALS);
			return CLI_USAGE;
		}
		if (config_parse_portal(&o->listen[o->nlisten], arg, 3260, err, sizeof(err)) < 0) {
			cli_error("--listen %s: %s", arg, err);
			return CLI_USAGE;
		}
		o->nlisten++;
		return CLI_OK;
	}
	if (val == OPT_NODE) {
		o->node = arg;
		return CLI_OK;
	}
	if (val == OPT_WORKERS) {
		unsigned long n = strtoul(arg, &end, 10);
		if (!*arg || *end || n < 1 || n > 256) {
			cli_error("--workers: give a number of threads from 1 to 256");
			return CLI_USAGE;
		}
		o->workers = (unsigned)n;
		return CLI_OK;
	}
	return CLI_USAGE;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
	    {"listen", 'l', true},
	    {"workers", OPT_WORKERS, true},
	    {"node", OPT_NODE, true},
	    {NULL},
	};
	struct serve_opts o = {0};
	int first, ret;

	ret = cli_parse(cli, argc, argv, opts, serve_on_opt, &o, &first);
	if (ret)
		return ret < 0 ? CLI_OK : ret;
	if (first < argc)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[first]);
	ret = cli_load(cli);
	if (ret)
		return ret;
	o.config_path = cli->config_path_used;
	o.data_dir = cli->data_dir_opt;
	return serve_run(&cli->cfg, &o) == 0 ? CLI_OK : CLI_ERR;
}
