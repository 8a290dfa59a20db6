/* menu.c: see menu.h. iPXE script commands used: menu, item, choose, goto, chain, sanboot,
 * sanhook, kernel, initrd -n, boot, set, clear, isset, iseq, echo, prompt, shell, reboot, exit
 * (iPXE src/hci/commands/{dynui,image,sanboot,nvo,...}_cmd.c). iPXE splits a line on whitespace
 * after expanding ${...}; the tokens "||", "&&", ";" and a token starting with '#' are special
 * (src/core/exec.c), which is why free text is sanitised. RFC 4173: iSCSI root path syntax. */
#include "bootsvc/proto/menu.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mac.h"
#include "common/name.h"
#include "common/size.h"

void menu_buf_free(struct menu_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void out(struct menu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void menu_buf_vprintf(struct menu_buf *b, const char *fmt, va_list ap)
{
	if (b->err)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_list again;
		va_copy(again, ap);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, again);
		va_end(again);
		if (n < 0) {
			b->err = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void out(struct menu_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	menu_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* LUN, fleet and image names follow the rules the CLI and the config enforce (common/name.h): a
 * name the CLI refuses never reaches a menu. */
static bool lun_name_ok(const char *name)
{
	return name && name_check_lun(name, NULL, 0) == 0;
}

static bool image_name_ok(const char *name)
{
	return name && name_check_image(name, NULL, 0) == 0;
}

/* Free text that the menu writes as one iPXE word: a [client] name, the file name an initrd
 * gets (wimboot's "BCD", "boot.sdi"): [A-Za-z0-9._-], 1..64 bytes. Not a LUN or image name. */
static bool word_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

bool menu_token_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c >= 0x7f || strchr("${}#|&;\"'\\", c))
			return false;
	}
	return true;
}

void menu_sanitize_text(const char *in, char *o, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return;
	for (; in && *in && n + 1 < cap && n < MENU_TEXT_MAX; in++) {
		unsigned char c = (unsigned char)*in;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || strchr(".,:_+()/@=*!%[]-", c);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (n > 0 && o[n - 1] != ' ')
				o[n++] = ' ';
			continue;
		}
		o[n++] = ok && c ? (char)c : '_';
	}
	while (n > 0 && o[n - 1] == ' ')
		n--;
	o[n] = '\0';
}

const char *menu_media_relative(const char *media_dir, const char *path)
{
	size_t n = media_dir ? strlen(media_dir) : 0;

	while (n > 0 && media_dir[n - 1] == '/')
		n--;
	if (path[0] == '/' && n > 0 && strncmp(path, media_dir, n) == 0 && path[n] == '/')
		path += n;
	while (path[0] == '/')
		path++;
	return path;
}

/* A media reference: a URL (http://; https:// only works on iPXE builds with TLS) as is, else
 * relative to the server's /media/ (an absolute path under media_dir loses that prefix, since
 * the HTTP server serves media_dir itself as /media/). */
static void out_media_url(struct menu_buf *b, const struct menu_model *m, const char *path)
{
	if (strstr(path, "://"))
		out(b, "%s", path);
	else
		out(b, "${rs_base}/media/%s", menu_media_relative(m->media_dir, path));
}

static const char *action_label(enum menu_action a)
{
	return a == MENU_ACTION_BOOT ? "boot" : a == MENU_ACTION_INSTALL ? "install" : "menu";
}

int menu_render_boot(const struct menu_model *m, struct menu_buf *b)
{
	(void)m;
	out(b, "#!ipxe\n"
	       "# ringsan-boot entry script (generated; do not edit)\n"
	       "# The query string only names this machine in the server's log.\n"
	       "chain --autofree menu.ipxe?mac=${netX/mac:hexhyp} || goto failed\n"
	       "exit 0\n"
	       ":failed\n"
	       "echo ringsan: could not load menu.ipxe from this server\n"
	       "prompt --timeout 10000 Press any key for the iPXE shell... && shell ||\n"
	       "exit 1\n");
	return b->err ? -ENOMEM : 0;
}

int menu_render_vars(const struct menu_model *m, struct menu_buf *b)
{
	out(b, "#!ipxe\n# ringsan-boot variables (generated; do not edit)\n");
	out(b, "set rs_server %s\n", m->server);
	out(b, "set rs_base http://%s:%u\n", m->server, m->http_port);
	if (m->iscsi_port && m->iscsi_port != 3260)
		out(b, "set rs_iscsi_port %u\n", m->iscsi_port);
	else
		out(b, "clear rs_iscsi_port\n");
	out(b, "set rs_iqn %s\n", m->base_iqn);
	out(b, "set rs_initiator_base %s\n", m->initiator_base);
	return b->err ? -ENOMEM : 0;
}

static void out_client(struct menu_buf *b, const struct menu_model *m, const struct menu_client *c)
{
	char mac[MAC_TEXT_LEN];
	mac_format_hexhyp(c->mac, mac);
	out(b, ":client-%s\n", mac);
	if (word_ok(c->name))
		out(b, "set rs_client %s\n", c->name);
	if (lun_name_ok(c->default_lun)) {
		int t = c->timeout_s >= 0 ? c->timeout_s : (int)m->timeout_s;
		out(b, "set rs_default lun-%s\n", c->default_lun);
		out(b, "set rs_timeout %d\n", t > 0 ? t * 1000 : 1);
		out(b, "set rs_action %s\n", action_label(c->action));
	}
	if (image_name_ok(c->image))
		out(b, "set rs_image %s\n", c->image);
	if (c->initiator_iqn && menu_token_ok(c->initiator_iqn))
		out(b, "set initiator-iqn %s\n", c->initiator_iqn);
	out(b, "goto clients_done\n");
}

/* Machines of a fleet: listed MACs (after the [client] ones, which the config keeps apart),
 * then the "*" fleet for every machine left; else the defaults. */
static void out_top_fleet_jumps(struct menu_buf *b, const struct menu_model *m)
{
	char mac[MAC_TEXT_LEN];
	const char *all = NULL;
	for (size_t i = 0; i < m->n_fleets; i++) {
		const struct menu_fleet *f = &m->fleets[i];
		if (!lun_name_ok(f->name))
			continue;
		for (size_t k = 0; k < f->n_macs; k++) {
			mac_format_hexhyp(f->macs[k], mac);
			out(b, "iseq ${rs_mac} %s && goto fleet-%s ||\n", mac, f->name);
		}
		if (f->all && !all)
			all = f->name;
	}
	if (all)
		out(b, "goto fleet-%s\n", all);
	else
		out(b, "goto clients_done\n");
}

/* Defaults, then one block per [client] selected by MAC. */
static void out_top_clients(struct menu_buf *b, const struct menu_model *m)
{
	char mac[MAC_TEXT_LEN];
	const char *first = "exit";
	for (size_t i = 0; i < m->n_luns; i++) {
		if (lun_name_ok(m->luns[i].name)) {
			first = m->luns[i].name;
			break;
		}
	}
	out(b, "set rs_mac ${netX/mac:hexhyp}\n");
	out(b, "set initiator-iqn ${rs_initiator_base}:${rs_mac}\n");
	out(b, "clear rs_client\nclear rs_image\n");
	out(b, "set rs_action %s\n", action_label(m->default_action));
	out(b, "set rs_default %s%s\n", strcmp(first, "exit") ? "lun-" : "", first);
	/* An unknown machine takes the default action after the menu timeout, like a [client]
	 * does; "menu" (or no disk to take) waits for a person. */
	unsigned t =
	    m->default_action != MENU_ACTION_MENU && strcmp(first, "exit") ? m->timeout_s : 0;
	out(b, "set rs_timeout %u\n", t * 1000);
	for (size_t i = 0; i < m->n_clients; i++) {
		mac_format_hexhyp(m->clients[i].mac, mac);
		out(b, "iseq ${rs_mac} %s && goto client-%s ||\n", mac, mac);
	}
	out_top_fleet_jumps(b, m);
	for (size_t i = 0; i < m->n_clients; i++)
		out_client(b, m, &m->clients[i]);
	for (size_t i = 0; i < m->n_fleets; i++) {
		if (!lun_name_ok(m->fleets[i].name))
			continue;
		/* The query string is the machine's boot request (ringsan-boot writes it down). */
		out(b,
		    ":fleet-%s\nchain --autofree fleet-%s.ipxe?mac=${rs_mac} || goto failed\n"
		    "goto clients_done\n",
		    m->fleets[i].name, m->fleets[i].name);
	}
	out(b, ":clients_done\n");
	/* After a failure the menu waits for a person instead of retrying the same default. */
	out(b, "isset ${rs_noauto} && set rs_timeout 0 ||\n");
}

int menu_render_top(const struct menu_model *m, struct menu_buf *b)
{
	char size[SIZE_FORMAT_MAX], text[MENU_TEXT_MAX + 1];
	out(b, "#!ipxe\n# ringsan-boot menu (generated; do not edit)\n");
	out(b, "chain --autofree vars.ipxe || goto failed\n");
	out_top_clients(b, m);
	out(b, ":top\nmenu ringsan on ${rs_server}: choose a disk\nitem --gap Disks:\n");
	for (size_t i = 0; i < m->n_luns; i++) {
		const struct menu_lun *l = &m->luns[i];
		if (!lun_name_ok(l->name))
			continue;
		size_format(l->size_bytes, size);
		menu_sanitize_text(l->description, text, sizeof(text));
		/* iPXE joins item words with single spaces: no column alignment possible. */
		out(b, "item lun-%s %s [%s]%s%s\n", l->name, l->name, size, text[0] ? " " : "",
		    text);
	}
	if (m->n_luns == 0)
		out(b, "item --gap (no disks yet: ringsan lun create NAME --size 20G)\n");
	out(b, "item --gap Other:\n"
	       "item shell iPXE shell\n"
	       "item reboot Reboot\n"
	       "item exit Exit (boot the next device)\n"
	       "choose --default ${rs_default} --timeout ${rs_timeout} rs_target || goto exit\n"
	       "goto ${rs_target}\n");
	for (size_t i = 0; i < m->n_luns; i++) {
		if (!lun_name_ok(m->luns[i].name))
			continue;
		/* Back from a disk (or its failure): no more automatic choices. */
		out(b,
		    ":lun-%s\nchain --autofree lun-%s.ipxe || goto failed\nset rs_timeout 0\n"
		    "goto top\n",
		    m->luns[i].name, m->luns[i].name);
	}
	out(b, ":shell\nset rs_timeout 0\necho Type exit to return to the menu.\nshell\ngoto top\n"
	       ":reboot\nreboot\n"
	       ":exit\nexit 0\n"
	       ":failed\n"
	       "echo ringsan: the last step failed; see the message above.\n"
	       "set rs_noauto 1\nset rs_timeout 0\n"
	       "prompt --timeout 30000 Press any key to return to the menu... ||\n"
	       "goto top\n");
	return b->err ? -ENOMEM : 0;
}

/* Credentials (iPXE settings username/password, reverse-username/reverse-password). Returns
 * false when a value cannot be carried in a script. */
static bool out_chap(struct menu_buf *b, const struct menu_lun *l)
{
	out(b, "clear username\nclear password\nclear reverse-username\nclear reverse-password\n");
	if (l->chap_user || l->chap_secret) {
		if (!menu_token_ok(l->chap_user) || !menu_token_ok(l->chap_secret))
			return false;
		out(b, "set username %s\nset password %s\n", l->chap_user, l->chap_secret);
	}
	if (l->mutual_user || l->mutual_secret) {
		if (!menu_token_ok(l->mutual_user) || !menu_token_ok(l->mutual_secret))
			return false;
		out(b, "set reverse-username %s\nset reverse-password %s\n", l->mutual_user,
		    l->mutual_secret);
	}
	return true;
}

/* Image arguments: {placeholders} become iPXE settings; anything iPXE would misread is
 * replaced (sanitised like free text, but keeping '=' and '/' which kernel args need). */
static void out_args(struct menu_buf *b, const char *args)
{
	static const char *const vars[][2] = {
	    {"{target_iqn}", "${rs_target_iqn}"},
	    {"{server}", "${rs_server}"},
	    {"{initiator_iqn}", "${initiator-iqn}"},
	    {"{lun}", "${rs_lun}"},
	    {"{base_url}", "${rs_base}"},
	};
	for (const char *s = args; s && *s;) {
		size_t i;
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
			size_t n = strlen(vars[i][0]);
			if (strncmp(s, vars[i][0], n) == 0) {
				out(b, "%s", vars[i][1]);
				s += n;
				break;
			}
		}
		if (i < sizeof(vars) / sizeof(vars[0]))
			continue;
		unsigned char c = (unsigned char)*s++;
		bool bad = c < ' ' || c >= 0x7f || strchr("${}#|&;\"'\\", c);
		out(b, "%c", bad ? '_' : (char)c);
	}
}

/* Debian's installer (partman-iscsi, disk-detect, preseed): see menu.h. */
static void out_debian_preset(struct menu_buf *b, const struct menu_model *m,
			      const struct menu_image *img)
{
	out(b, " disk-detect/ibft/enable=true partman-iscsi/login/address=${rs_server}");
	if (m->iscsi_port && m->iscsi_port != 3260)
		out(b, ":%u", m->iscsi_port);
	out(b, " partman-iscsi/login/targets=${rs_target_iqn}"
	       " partman-iscsi/login/username=${username} partman-iscsi/login/password=${password}"
	       " partman-iscsi/login/incoming_username=${reverse-username}"
	       " partman-iscsi/login/incoming_password=${reverse-password}"
	       " iscsi_initiator=${initiator-iqn}");
	if (img->preseed) {
		out(b, " auto=true priority=critical url=");
		out_media_url(b, m, img->preseed);
	}
}

static bool portal_ok(const struct menu_portal *p)
{
	return p->addr && menu_token_ok(p->addr) && !strchr(p->addr, ':');
}

/* rs_root: the root path through the server; rs_root2, rs_root3, ...: through each other portal
 * (a cluster's nodes), each a setting of its own (iPXE splits a command into words before it
 * expands settings). */
static void out_root(struct menu_buf *b, const struct menu_model *m)
{
	unsigned k = 2;

	out(b, "set rs_root iscsi:%s::${rs_iscsi_port}::${rs_target_iqn}\n", m->server);
	for (size_t i = 0; i < m->n_alt_portals && i < MENU_MAX_PORTALS; i++) {
		const struct menu_portal *p = &m->alt_portals[i];
		if (portal_ok(p))
			out(b, "set rs_root%u iscsi:%s::%u::${rs_target_iqn}\n", k++, p->addr,
			    p->port ? p->port : 3260);
	}
}

/* "CMD ${rs_root}", then " || CMD ${rs_root2}" and so on: a path that fails (its node is
 * down) is followed by the next, one at a time. (iPXE's own multipath, several root paths on
 * one sanboot line, hung the 2019 build after a redirect: one path each.) */
static void out_san(struct menu_buf *b, const struct menu_model *m, const char *cmd)
{
	unsigned k = 2;

	out(b, "%s ${rs_root}", cmd);
	for (size_t i = 0; i < m->n_alt_portals && i < MENU_MAX_PORTALS; i++)
		if (portal_ok(&m->alt_portals[i]))
			out(b, " || %s ${rs_root%u}", cmd, k++);
}

static void out_image(struct menu_buf *b, const struct menu_model *m, const struct menu_image *img)
{
	out(b, ":img-%s\nset keep-san 1\n", img->name);
	if (img->iso) {
		/* The LUN becomes the second BIOS disk; the ISO boots without an iBFT entry. */
		out_san(b, m, "sanhook --drive 0x81");
		out(b, " || goto failed\nsanboot --no-describe ");
		out_media_url(b, m, img->iso);
		out(b, " || goto failed\ngoto failed\n");
		return;
	}
	out_san(b, m, "sanhook");
	out(b, " || goto failed\nkernel ");
	out_media_url(b, m, img->kernel);
	if (img->installer == MENU_INSTALLER_DEBIAN)
		out_debian_preset(b, m, img);
	if (img->args && img->args[0]) {
		out(b, " ");
		out_args(b, img->args);
	}
	if (img->installer == MENU_INSTALLER_DEBIAN)
		out(b, "%s iscsi_auto", img->args && strstr(img->args, "---") ? "" : " ---");
	out(b, " || goto failed\n");
	for (size_t i = 0; i < img->n_initrds && i < MENU_MAX_INITRDS; i++) {
		const struct menu_initrd *r = &img->initrds[i];
		if (word_ok(r->name))
			out(b, "initrd -n %s ", r->name);
		else
			out(b, "initrd ");
		out_media_url(b, m, r->path);
		out(b, " || goto failed\n");
	}
	out(b, "boot || goto failed\ngoto failed\n");
}

static bool image_ok(const struct menu_image *img)
{
	if (!image_name_ok(img->name))
		return false;
	if (img->iso)
		return menu_token_ok(img->iso);
	if (!img->kernel || !menu_token_ok(img->kernel))
		return false;
	if (img->preseed && !menu_token_ok(img->preseed))
		return false;
	for (size_t i = 0; i < img->n_initrds && i < MENU_MAX_INITRDS; i++)
		if (!img->initrds[i].path || !menu_token_ok(img->initrds[i].path))
			return false;
	return true;
}

static void out_install_menu(struct menu_buf *b, const struct menu_model *m, const char *lun)
{
	char text[MENU_TEXT_MAX + 1];
	const char *first = NULL;
	out(b, ":install\nmenu Install onto %s: choose an installer\n", lun);
	for (size_t i = 0; i < m->n_images; i++) {
		const struct menu_image *img = &m->images[i];
		if (!image_ok(img))
			continue;
		first = first ? first : img->name;
		menu_sanitize_text(img->description ? img->description : img->name, text,
				   sizeof(text));
		out(b, "item img-%s %s\n", img->name, text);
	}
	if (!first)
		out(b, "item --gap (no [image] sections in the configuration)\n");
	out(b, "item lun Back\n");
	if (first)
		out(b, "set rs_img_default img-%s\n", first);
	else
		out(b, "set rs_img_default lun\n");
	out(b, "isset ${rs_image} && set rs_img_default img-${rs_image} ||\n");
	out(b, "choose --default ${rs_img_default} --timeout ${rs_img_timeout} rs_choice || goto "
	       "lun\nset rs_img_timeout 0\ngoto ${rs_choice}\n");
	for (size_t i = 0; i < m->n_images; i++)
		if (image_ok(&m->images[i]))
			out_image(b, m, &m->images[i]);
}

static void out_lun_head(struct menu_buf *b, const struct menu_model *m, const struct menu_lun *l)
{
	out(b, "#!ipxe\n# ringsan-boot: disk %s (generated; do not edit)\n", l->name);
	out(b, "set rs_lun %s\n", l->name);
	out(b, "set rs_target_iqn %s:%s\n", m->base_iqn, l->name);
	out_root(b, m);
}

/* The client's default action applies only when this disk is its default disk. */
static void out_lun_defaults(struct menu_buf *b, const struct menu_lun *l)
{
	out(b, "set rs_lun_action boot\nset rs_lun_timeout 0\n");
	out(b, "iseq ${rs_default} lun-%s || goto lun\n", l->name);
	out(b, "iseq ${rs_action} install && set rs_lun_action install ||\n");
	out(b, "iseq ${rs_action} menu || set rs_lun_timeout ${rs_timeout}\n");
}

int menu_render_lun(const struct menu_model *m, size_t idx, struct menu_buf *b)
{
	char size[SIZE_FORMAT_MAX], text[MENU_TEXT_MAX + 1];
	if (idx >= m->n_luns || !lun_name_ok(m->luns[idx].name))
		return -ENOENT;
	const struct menu_lun *l = &m->luns[idx];
	out_lun_head(b, m, l);
	if (!out_chap(b, l)) {
		out(b,
		    "echo ringsan: the CHAP settings of disk %s contain characters an iPXE "
		    "script cannot carry\ngoto failed\n",
		    l->name);
	}
	out_lun_defaults(b, l);
	size_format(l->size_bytes, size);
	menu_sanitize_text(l->description, text, sizeof(text));
	/* The installer chooser keeps the timeout the disk chooser had (a no-keyboard install
	 * takes both defaults); coming back here after a choice, both wait for a person. */
	out(b, ":lun\nset rs_img_timeout ${rs_lun_timeout}\nmenu %s (%s)%s%s\n", l->name, size,
	    text[0] ? ": " : "", text);
	out(b,
	    "item boot Boot from %s\nitem install Install an OS onto %s\nitem back Back to the "
	    "disk list\n",
	    l->name, l->name);
	out(b, "choose --default ${rs_lun_action} --timeout ${rs_lun_timeout} rs_choice || goto "
	       "back\nset rs_lun_timeout 0\ngoto ${rs_choice}\n");
	out(b, ":boot\nset keep-san 1\n");
	out_san(b, m, "sanboot --keep");
	out(b, " || goto failed\ngoto failed\n");
	out_install_menu(b, m, l->name);
	out(b, ":back\nexit 0\n"
	       ":failed\n"
	       "echo ringsan: could not start from disk ${rs_lun} (see the message above)\n"
	       "set rs_noauto 1\n"
	       "prompt --timeout 30000 Press any key to return to the menu... ||\n"
	       "exit 0\n");
	return b->err ? -ENOMEM : 0;
}

/* The overlay's name as iPXE builds it: {fleet} literal, {mac} from ${rs_mac}. */
static bool out_fleet_lun(struct menu_buf *b, const struct menu_fleet *f)
{
	for (const char *p = f->lun_pattern; p && *p;) {
		if (strncmp(p, "{fleet}", 7) == 0) {
			out(b, "%s", f->name);
			p += 7;
		} else if (strncmp(p, "{mac}", 5) == 0) {
			out(b, "${rs_mac}");
			p += 5;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
			   *p == '.') {
			out(b, "%c", *p++);
		} else {
			return false;
		}
	}
	return f->lun_pattern && f->lun_pattern[0];
}

int menu_render_fleet(const struct menu_model *m, size_t idx, struct menu_buf *b)
{
	if (idx >= m->n_fleets || !lun_name_ok(m->fleets[idx].name))
		return -ENOENT;
	const struct menu_fleet *f = &m->fleets[idx];
	out(b, "#!ipxe\n# ringsan-boot: fleet %s, overlays of %s (generated; do not edit)\n",
	    f->name, lun_name_ok(f->base) ? f->base : "?");
	out(b, "isset ${rs_mac} || set rs_mac ${netX/mac:hexhyp}\n");
	out(b, "isset ${rs_iqn} || chain --autofree vars.ipxe || goto failed\n");
	out(b, "set rs_lun ");
	if (!out_fleet_lun(b, f)) {
		out(b, "\necho ringsan: fleet %s has a lun_name iPXE cannot build\ngoto failed\n",
		    f->name);
	} else {
		out(b, "\n");
	}
	out(b, "set rs_target_iqn %s:${rs_lun}\n", m->base_iqn);
	out_root(b, m);
	out(b, "set keep-san 1\necho ringsan: fleet %s: this machine boots ${rs_lun}\n", f->name);
	/* The target holds a new login back (service unavailable) until the machine's previous
	 * session is gone and its overlay is ready; then a retry gets through. */
	for (unsigned t = 1; t <= MENU_FLEET_TRIES; t++) {
		out_san(b, m, "sanboot --keep");
		out(b, " || goto wait%u\n:wait%u\n", t, t);
		if (t < MENU_FLEET_TRIES)
			out(b,
			    "prompt --timeout %u000 ringsan: ${rs_lun} is not ready yet; retrying "
			    "(%u/%u)... ||\n",
			    MENU_FLEET_RETRY_WAIT, t, MENU_FLEET_TRIES - 1);
	}
	out(b, ":failed\n"
	       "echo ringsan: could not start from disk ${rs_lun} (see the message above)\n"
	       "set rs_noauto 1\n"
	       "prompt --timeout 30000 Press any key to return to the menu... ||\n"
	       "exit 0\n");
	return b->err ? -ENOMEM : 0;
}

int menu_render_file(const struct menu_model *m, const char *name, struct menu_buf *b)
{
	if (strcmp(name, "boot.ipxe") == 0)
		return menu_render_boot(m, b);
	if (strcmp(name, "vars.ipxe") == 0)
		return menu_render_vars(m, b);
	if (strcmp(name, "menu.ipxe") == 0)
		return menu_render_top(m, b);
	size_t n = strlen(name);
	if (n > 9 && strncmp(name, "lun-", 4) == 0 && strcmp(name + n - 5, ".ipxe") == 0) {
		for (size_t i = 0; i < m->n_luns; i++) {
			const char *ln = m->luns[i].name;
			if (ln && strlen(ln) == n - 9 && strncmp(name + 4, ln, n - 9) == 0)
				return menu_render_lun(m, i, b);
		}
	}
	if (n > 11 && strncmp(name, "fleet-", 6) == 0 && strcmp(name + n - 5, ".ipxe") == 0) {
		for (size_t i = 0; i < m->n_fleets; i++) {
			const char *fn = m->fleets[i].name;
			if (fn && strlen(fn) == n - 11 && strncmp(name + 6, fn, n - 11) == 0)
				return menu_render_fleet(m, i, b);
		}
	}
	return -ENOENT;
}
