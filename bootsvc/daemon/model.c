/* model.c: the one place where the configuration (common/config.h) and the LUN directories
 * (common/lunfile.h layout) become the renderer's struct menu_model.
 *
 * LUNs are listed here by reading DATA_DIR with stat() and lun.meta instead of lunfile_list():
 * lunfile_list() opens disk.img, which is mode 0600 and owned by whoever created it, while this
 * daemon runs unprivileged after binding its ports. The size is the file's size (what
 * lunfile_open() reports too) and the description comes from lun.meta unless [lun NAME] sets
 * one. A [lun NAME] section without a directory is not a disk yet and is not listed. */
#include "bootsvc/daemon/bootd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fleet.h"
#include "common/lunfile.h"
#include "common/mac.h"
#include "common/name.h"

static const char *keep(struct boot_model *bm, const char *s, size_t n)
{
	if (bm->n_strings == bm->cap_strings) {
		size_t cap = bm->cap_strings ? bm->cap_strings * 2 : 32;
		char **p = realloc(bm->strings, cap * sizeof(*p));
		if (!p)
			return NULL;
		bm->strings = p;
		bm->cap_strings = cap;
	}
	char *c = strndup(s, n);
	if (c)
		bm->strings[bm->n_strings++] = c;
	return c;
}

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* The description= line of NAME/lun.meta, or "". */
static void read_meta_description(int dfd, const char *name, char *out, size_t cap)
{
	char path[NAME_MAX + sizeof(LUNFILE_META) + 2], buf[4096];
	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", name, LUNFILE_META);
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "description=", 12) == 0) {
			snprintf(out, cap, "%s", line + 12);
			return;
		}
	}
}

static int cmp_lun(const void *a, const void *b)
{
	return strcmp(((const struct menu_lun *)a)->name, ((const struct menu_lun *)b)->name);
}

static void fill_lun(struct boot_model *bm, const struct bootd *d, int dfd, struct menu_lun *l)
{
	char desc[LUNFILE_DESC_MAX + 1];
	const struct config_lun *c = config_find_lun(&d->cfg, l->name);
	read_meta_description(dfd, l->name, desc, sizeof(desc));
	l->description = c && c->description[0] ? c->description : keep(bm, desc, strlen(desc));
	if (!c)
		return;
	l->chap_user = nonempty(c->chap_user);
	l->chap_secret = nonempty(c->chap_secret);
	l->mutual_user = nonempty(c->mutual_chap_user);
	l->mutual_secret = nonempty(c->mutual_chap_secret);
}

static bool listed(const struct boot_model *bm, const char *name)
{
	for (size_t i = 0; i < bm->m.n_luns; i++)
		if (strcmp(bm->luns[i].name, name) == 0)
			return true;
	return false;
}

/* The LUNs of one directory (the data dir, or a cluster's shared dir); a name listed already
 * (the data dir's own LUN) is kept once. */
static int list_dir(struct boot_model *bm, const struct bootd *d, const char *data_dir,
		    size_t *capp)
{
	char err[128], path[NAME_MAX + sizeof(LUNFILE_DISK) + 2];
	size_t cap = *capp;
	DIR *dir = opendir(data_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	int dfd = dirfd(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		struct stat st;
		if (e->d_name[0] == '.' || name_check_lun(e->d_name, err, sizeof(err)) != 0 ||
		    listed(bm, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", e->d_name, LUNFILE_DISK);
		if (fstatat(dfd, path, &st, 0) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (bm->m.n_luns == cap) {
			cap = cap ? cap * 2 : 16;
			struct menu_lun *p = realloc(bm->luns, cap * sizeof(*p));
			if (!p)
				break;
			bm->luns = p;
		}
		struct menu_lun *l = &bm->luns[bm->m.n_luns++];
		memset(l, 0, sizeof(*l));
		l->name = keep(bm, e->d_name, strlen(e->d_name));
		l->size_bytes = (uint64_t)st.st_size;
		fill_lun(bm, d, dfd, l);
	}
	closedir(dir);
	*capp = cap;
	return 0;
}

/* Every LUN the menu offers: the data dir's, and with [cluster] shared_dir the shared ones (any
 * node serves them; the portal the menus name redirects to the one that does). */
static int list_luns(struct boot_model *bm, const struct bootd *d)
{
	size_t cap = 0;
	int rc = list_dir(bm, d, d->data_dir, &cap);
	if (rc == 0 && d->cfg.cluster.shared_dir[0])
		rc = list_dir(bm, d, d->cfg.cluster.shared_dir, &cap);
	if (rc != 0)
		return rc;
	if (bm->m.n_luns)
		qsort(bm->luns, bm->m.n_luns, sizeof(*bm->luns), cmp_lun);
	bm->m.luns = bm->luns;
	return 0;
}

static void fill_image(struct boot_model *bm, const struct config_image *c, struct menu_image *i)
{
	memset(i, 0, sizeof(*i));
	i->name = c->name;
	i->description = nonempty(c->description);
	i->kernel = nonempty(c->kernel);
	i->iso = nonempty(c->iso);
	i->args = nonempty(c->args);
	i->installer =
	    c->installer == IMAGE_INSTALLER_DEBIAN ? MENU_INSTALLER_DEBIAN : MENU_INSTALLER_NONE;
	i->preseed = nonempty(c->preseed);
	for (unsigned k = 0; k < c->initrd.count && k < MENU_MAX_INITRDS; k++) {
		const char *item = c->initrd.items[k];
		const char *eq = strchr(item, '=');
		/* "NAME=PATH" names the file for wimboot; a URL's '=' is after "://". */
		const char *url = strstr(item, "://");
		if (eq && (!url || eq < url)) {
			i->initrds[k].name = keep(bm, item, (size_t)(eq - item));
			i->initrds[k].path = eq + 1;
		} else {
			i->initrds[k].path = item;
		}
		i->n_initrds = k + 1;
	}
}

static enum menu_action map_action(enum boot_action a)
{
	return a == BOOT_ACTION_BOOT	  ? MENU_ACTION_BOOT
	       : a == BOOT_ACTION_INSTALL ? MENU_ACTION_INSTALL
					  : MENU_ACTION_MENU;
}

static int fill_lists(struct boot_model *bm, const struct config *cfg)
{
	bm->images = calloc(cfg->image_count + 1, sizeof(*bm->images));
	bm->clients = calloc(cfg->client_count + 1, sizeof(*bm->clients));
	if (!bm->images || !bm->clients)
		return -ENOMEM;
	for (unsigned k = 0; k < cfg->image_count; k++)
		fill_image(bm, &cfg->images[k], &bm->images[k]);
	for (unsigned k = 0; k < cfg->client_count; k++) {
		const struct config_client *c = &cfg->clients[k];
		struct menu_client *o = &bm->clients[k];
		memcpy(o->mac, c->mac, 6);
		o->name = nonempty(c->name);
		o->default_lun = nonempty(c->lun);
		o->action = map_action(c->action);
		o->image = nonempty(c->image);
		o->timeout_s = (int)c->timeout;
		o->initiator_iqn = nonempty(c->initiator_iqn);
	}
	bm->m.images = bm->images;
	bm->m.n_images = cfg->image_count;
	bm->m.clients = bm->clients;
	bm->m.n_clients = cfg->client_count;
	return 0;
}

static int fill_fleets(struct boot_model *bm, const struct config *cfg)
{
	size_t n_macs = 0, used = 0;
	for (unsigned k = 0; k < cfg->fleet_count; k++)
		n_macs += cfg->fleets[k].machines.count;
	bm->fleets = calloc(cfg->fleet_count + 1, sizeof(*bm->fleets));
	bm->fleet_macs = calloc(n_macs + 1, sizeof(*bm->fleet_macs));
	if (!bm->fleets || !bm->fleet_macs)
		return -ENOMEM;
	for (unsigned k = 0; k < cfg->fleet_count; k++) {
		const struct config_fleet *c = &cfg->fleets[k];
		struct menu_fleet *o = &bm->fleets[k];
		o->name = c->name;
		o->base = c->base;
		o->lun_pattern = c->lun_name;
		o->all = fleet_is_wildcard(c);
		o->macs = (const uint8_t(*)[6]) & bm->fleet_macs[used];
		for (unsigned i = 0; i < c->machines.count; i++)
			if (mac_parse(c->machines.items[i], bm->fleet_macs[used]) == 0) {
				used++;
				o->n_macs++;
			}
	}
	bm->m.fleets = bm->fleets;
	bm->m.n_fleets = cfg->fleet_count;
	return 0;
}

/* A cluster's other nodes (IPv4 ones: the root path names them as dotted addresses), so that
 * iPXE reaches a disk through any node that is up, not only through the server's portal. */
static void fill_portals(struct boot_model *bm, const struct config *cfg)
{
	size_t n = 0;
	for (unsigned i = 0; i < cfg->cluster.n_parsed && n < MENU_MAX_PORTALS; i++) {
		const struct cluster_node *c = &cfg->cluster.parsed[i];
		if (c->ipv6 || (strcmp(c->host, bm->m.server) == 0 && c->port == bm->m.iscsi_port))
			continue;
		bm->portals[n].addr = c->host;
		bm->portals[n].port = c->port;
		n++;
	}
	bm->m.alt_portals = bm->portals;
	bm->m.n_alt_portals = n;
}

int boot_model_build(struct boot_model *bm, const struct bootd *d)
{
	const struct config *cfg = &d->cfg;
	memset(bm, 0, sizeof(*bm));
	bm->m.server = d->server_text;
	bm->m.http_port = d->http_listen.port;
	bm->m.iscsi_port = cfg->server.listen_count ? cfg->server.listen[0].port : 3260;
	bm->m.base_iqn = cfg->server.base_iqn;
	char initiator[IQN_MAX_LEN + 16];
	snprintf(initiator, sizeof(initiator), "%s.client", cfg->server.base_iqn);
	bm->m.initiator_base = keep(bm, initiator, strlen(initiator));
	bm->m.timeout_s = cfg->boot.menu_timeout;
	bm->m.media_dir = nonempty(cfg->boot.media_dir);
	bm->m.default_action = map_action(cfg->boot.default_action);
	fill_portals(bm, cfg);
	int rc = fill_lists(bm, cfg);
	if (rc == 0)
		rc = fill_fleets(bm, cfg);
	if (rc == 0)
		rc = list_luns(bm, d);
	if (rc == 0 && !bm->m.initiator_base)
		rc = -ENOMEM;
	if (rc)
		boot_model_free(bm);
	return rc;
}

void boot_model_free(struct boot_model *bm)
{
	for (size_t i = 0; i < bm->n_strings; i++)
		free(bm->strings[i]);
	free(bm->strings);
	free(bm->luns);
	free(bm->images);
	free(bm->clients);
	free(bm->fleets);
	free(bm->fleet_macs);
	memset(bm, 0, sizeof(*bm));
}

int boot_render(const struct bootd *d, const char *name, struct menu_buf *out)
{
	struct boot_model bm;
	int rc = boot_model_build(&bm, d);
	if (rc)
		return rc;
	rc = menu_render_file(&bm.m, name, out);
	boot_model_free(&bm);
	return rc;
}
