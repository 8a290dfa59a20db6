/* admin.c: what the admin listener ([boot] admin_listen) and the metrics listener
 * ([boot] metrics_listen) answer. Read-only, GET/HEAD only (the HTTP codec refuses the rest):
 *   /                   the status page: plain HTML and a little JavaScript, no external
 *                       resources; it reads the two JSON documents below every 2 s
 *   /api/machines       the boot timelines (as `ringsan-boot machines --json`)
 *   /api/target-status  the target's last `status` answer, passed through unparsed
 *   /metrics            Prometheus text format (also the only path of the metrics listener)
 * With [boot] admin_token set, every admin path needs ?token=TOKEN (the page passes its own on). */
#include "bootsvc/daemon/bootd.h"

#include <stdio.h>
#include <string.h>

#include "bootsvc/proto/http.h"

extern const char admin_page_html[];

int admin_render_metrics(struct bootd *d, struct menu_buf *out)
{
	struct metrics_gauges g = {
	    .tftp_active = d->transfer_count,
	    .http_connections = d->conn_count,
	    .machines = d->tl.n,
	    .target_up = d->tgt.up,
	    .start_unix_s = d->start_unix_s,
	};
	return metrics_render(&d->metrics, &g, out);
}

/* Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
static bool token_ok(const char *want, const char *query)
{
	char got[CONFIG_TEXT_MAX];
	if (!want[0])
		return true;
	if (!http_query_get(query, "token", got, sizeof(got)) || strlen(got) != strlen(want))
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; want[i]; i++)
		diff |= (unsigned char)(want[i] ^ got[i]);
	return diff == 0;
}

int admin_route(struct bootd *d, bool metrics_only, const char *path, const char *query,
		struct menu_buf *body, const char **ctype)
{
	*ctype = "application/json";
	if (metrics_only || strcmp(path, "/metrics") == 0) {
		if (strcmp(path, "/metrics") != 0)
			return 404;
		if (!metrics_only && !token_ok(d->cfg.boot.admin_token, query))
			goto out_token;
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		return admin_render_metrics(d, body) ? 500 : 200;
	}
	if (!token_ok(d->cfg.boot.admin_token, query))
		goto out_token;
	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
		*ctype = "text/html; charset=utf-8";
		timeline_printf(body, "%s", admin_page_html);
		return body->err ? 500 : 200;
	}
	if (strcmp(path, "/api/machines") == 0)
		return timeline_render_json(&d->tl, bootd_unix_ms(), body) ? 500 : 200;
	if (strcmp(path, "/api/target-status") == 0) {
		if (!d->tgt.status) {
			timeline_printf(body, "{\"error\":");
			timeline_json_string(body, d->tgt.up
						       ? "no status yet"
						       : "the target's control socket does not "
							 "answer (is ringsan serve running?)");
			timeline_printf(body, "}\n");
			return 503;
		}
		timeline_printf(body, "%.*s", (int)d->tgt.status_len, d->tgt.status);
		return body->err ? 500 : 200;
	}
	return 404;
out_token:
	*ctype = "text/plain; charset=utf-8";
	timeline_printf(body, "this page needs ?token= with [boot] admin_token\n");
	return 403;
}
