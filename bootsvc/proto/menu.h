/* menu.h: the iPXE script renderer. A pure function of struct menu_model (defined here, so this
 * module does not depend on the config parser): the daemon fills the model from the config and
 * the LUN directory; tests fill it by hand and compare the output with golden files.
 *
 * Files (all MAC-independent, so `render --out` output can be served by any TFTP/HTTP server;
 * per-machine choices are made inside the script by comparing ${netX/mac:hexhyp}):
 *   boot.ipxe      entry point given to iPXE by DHCP: chains menu.ipxe?mac=... (relative URI,
 *                  so it works over HTTP and TFTP; the query string only feeds the server's log)
 *   vars.ipxe      the variables file: server, base URL, IQN prefixes (iPXE settings rs_*)
 *   menu.ipxe      loads vars.ipxe, applies the [client] defaults, shows the disk list
 *   lun-NAME.ipxe  one disk: boot (sanboot --keep) / install (sanhook + an image) / back
 *   fleet-NAME.ipxe  a fleet machine boots its own overlay, named inside iPXE from its MAC
 *                  (chained as fleet-NAME.ipxe?mac=...: that request is the machine's boot
 *                  request); while the target holds the overlay back (the machine's previous
 *                  session is still open), sanboot is retried for about two minutes
 *
 * Image argument variables: args in the config use {target_iqn}, {server}, {initiator_iqn},
 * {lun}, {base_url}; the renderer turns them into iPXE settings (${rs_target_iqn}, ${rs_server},
 * ${initiator-iqn}, ${rs_lun}, ${rs_base}) expanded by iPXE at boot time, so the same script
 * serves every client. A literal "${" in config text is never passed through: free text is
 * sanitised (menu_sanitize_text), tokens that iPXE cannot carry make the renderer refuse
 * (menu_token_ok), and the offending LUN or image is rendered as an error entry.
 *
 * Installer presets: an image with installer MENU_INSTALLER_DEBIAN gets, before its own args,
 * what Debian's installer needs to find the sanhooked disk: disk-detect/ibft/enable=true,
 * partman-iscsi/login/address (server[:port]), .../targets (the LUN's target), the CHAP
 * settings as .../username, password, incoming_username, incoming_password (empty when the
 * LUN has none), iscsi_initiator=<initiator name> (for a preseed's early command), and with a
 * preseed `auto=true priority=critical url=<its URL>`; after its args `iscsi_auto` for the
 * installed system (after a "---", which the installer copies into the installed boot loader's
 * command line; one is added when the args have none).
 *
 * BIOS iPXE builds: only plain GET with query strings; no `params`, no HTTPS.
 */
#ifndef RINGSAN_BOOTSVC_MENU_H
#define RINGSAN_BOOTSVC_MENU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MENU_MAX_INITRDS 8
#define MENU_TEXT_MAX	 80 /* descriptions are cut to this many bytes */

enum menu_action { MENU_ACTION_MENU = 0, MENU_ACTION_BOOT, MENU_ACTION_INSTALL };
enum menu_installer { MENU_INSTALLER_NONE = 0, MENU_INSTALLER_DEBIAN };

struct menu_lun {
	const char *name; /* [A-Za-z0-9._-]+, also the target name suffix */
	uint64_t size_bytes;
	const char *description;	     /* free text, may be NULL */
	const char *chap_user, *chap_secret; /* one-way CHAP, NULL = none */
	const char *mutual_user,
	    *mutual_secret; /* mutual CHAP (target's credentials), NULL = none */
};

struct menu_initrd {
	const char *name; /* NULL: no -n option */
	const char *path; /* relative to the media dir, absolute under it, or an http:// URL */
};

struct menu_image {
	const char *name; /* [A-Za-z0-9._-]+ */
	const char *description;
	const char *kernel; /* media path (as initrd path) or http:// URL; NULL for an ISO image */
	struct menu_initrd initrds[MENU_MAX_INITRDS];
	size_t n_initrds;
	const char *args; /* kernel command line with {placeholders} */
	const char *iso;  /* relative media path or URL: sanboot-ed over HTTP; NULL if kernel */
	enum menu_installer installer; /* a preset of installer arguments (see below) */
	const char *preseed;	       /* media path or URL of a preseed file; may be NULL */
};

struct menu_client {
	uint8_t mac[6];
	const char *name;	   /* for comments and the menu title, may be NULL */
	const char *default_lun;   /* NULL: no preselection */
	enum menu_action action;   /* what to do with default_lun after the timeout */
	const char *image;	   /* default image for MENU_ACTION_INSTALL, may be NULL */
	int timeout_s;		   /* < 0: the model's timeout_s */
	const char *initiator_iqn; /* NULL: derived from the MAC */
};

/* A [fleet NAME]: its machines boot the overlay named by lun_pattern ({fleet}, {mac}). */
struct menu_fleet {
	const char *name; /* [a-z0-9.-]+ */
	const char *base; /* the golden LUN, for the comment */
	const char *lun_pattern;
	const uint8_t (*macs)[6]; /* the listed machines */
	size_t n_macs;
	bool all; /* "*": every machine without a [client] */
};

#define MENU_FLEET_TRIES      24 /* sanboot attempts of a fleet machine */
#define MENU_FLEET_RETRY_WAIT 5	 /* seconds between them */

/* Another portal a disk can be reached through (a ringsan cluster's other nodes). */
struct menu_portal {
	const char *addr; /* dotted IPv4 */
	uint16_t port;
};

#define MENU_MAX_PORTALS 32

struct menu_model {
	const char *server; /* dotted IPv4 address used in URLs and root paths */
	/* More root paths for every disk, after the server's: iPXE's sanboot and sanhook open
	 * them all and use the first that answers, so a disk is reached while any node is up. */
	const struct menu_portal *alt_portals;
	size_t n_alt_portals;
	uint16_t http_port;
	uint16_t iscsi_port;	    /* 0 or 3260: left out of the root path (RFC 4173 default) */
	const char *base_iqn;	    /* target IQN = base_iqn ":" lun name */
	const char *initiator_base; /* initiator IQN = initiator_base ":" mac-with-hyphens */
	const struct menu_lun *luns;
	size_t n_luns;
	const struct menu_image *images;
	size_t n_images;
	const struct menu_client *clients;
	size_t n_clients;
	const struct menu_fleet *fleets;
	size_t n_fleets;
	unsigned timeout_s;    /* menu timeout when a default is preselected */
	const char *media_dir; /* absolute media paths under it become /media/ URLs; may be NULL */
	enum menu_action default_action;
};

/* A growing output buffer (malloc). err is sticky: allocation failure. */
struct menu_buf {
	char *p;
	size_t len, cap;
	bool err;
};

void menu_buf_free(struct menu_buf *b);
/* Appends vprintf's output, growing the buffer; sets err when it cannot. */
void menu_buf_vprintf(struct menu_buf *b, const char *fmt, va_list ap);

int menu_render_boot(const struct menu_model *m, struct menu_buf *out);
int menu_render_vars(const struct menu_model *m, struct menu_buf *out);
int menu_render_top(const struct menu_model *m, struct menu_buf *out);
int menu_render_lun(const struct menu_model *m, size_t lun_index, struct menu_buf *out);
int menu_render_fleet(const struct menu_model *m, size_t fleet_index, struct menu_buf *out);
/* By file name ("boot.ipxe", "vars.ipxe", "menu.ipxe", "lun-NAME.ipxe", "fleet-NAME.ipxe"): 0,
 * -ENOENT for an unknown name, -ENOMEM. Appends to out. */
int menu_render_file(const struct menu_model *m, const char *name, struct menu_buf *out);

/* True for a token iPXE carries verbatim in `set NAME VALUE` (usernames, secrets, IQNs, paths):
 * printable ASCII without whitespace, '$', '{', '}', '#', '|', '&', ';', quotes or backslash. */
bool menu_token_ok(const char *s);
/* Free text for `item`/`menu`/`echo`: keeps letters, digits, space and .,:_+()/@=*!%[]-; other
 * bytes become '_', whitespace (also newlines) collapses to one space, cut to MENU_TEXT_MAX. */
void menu_sanitize_text(const char *in, char *out, size_t cap);
/* The part of a media path after media_dir (trailing '/' of media_dir ignored), or the path
 * without its leading '/' when it is not under media_dir: what follows /media/ in its URL. */
const char *menu_media_relative(const char *media_dir, const char *path);

#endif
