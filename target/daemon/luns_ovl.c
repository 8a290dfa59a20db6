/* luns_ovl.c: the LUN table's part for overlay LUNs and their images (see luns.h): which LUNs
 * are images (served read-only), checking an overlay before it is served, and opening its
 * image and map while it has sessions. */
#include "target/daemon/luns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "target/block/blk_backend.h"
#include "target/block/blk_ovl.h"

static int bases_add(const char *name, const char *base, void *arg)
{
	struct luns_bases *b = arg;
	(void)name;
	if (luns_bases_has(b, base))
		return 0;
	if (b->count == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		char **n = realloc(b->names, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->names = n;
		b->cap = cap;
	}
	b->names[b->count] = strdup(base);
	if (!b->names[b->count])
		return -ENOMEM;
	b->count++;
	return 0;
}

int luns_bases_collect(struct luns_bases *b, const char *data_dir)
{
	return lunfile_overlays_each(data_dir, NULL, bases_add, b);
}

bool luns_bases_has(const struct luns_bases *b, const char *name)
{
	for (unsigned i = 0; i < b->count; i++)
		if (strcmp(b->names[i], name) == 0)
			return true;
	return false;
}

void luns_bases_free(struct luns_bases *b)
{
	for (unsigned i = 0; i < b->count; i++)
		free(b->names[i]);
	free(b->names);
	memset(b, 0, sizeof(*b));
}

bool luns_overlay_servable(const char *data_dir, const struct lunfile *lf)
{
	struct blk_ovl *o;
	char err[768];

	if (!lunfile_is_overlay(lf))
		return true;
	if (blk_ovl_open(data_dir, lf, &o, err, sizeof(err)) != 0) {
		log_err("%s; the other LUNs are served", err);
		return false;
	}
	blk_ovl_close(o);
	return true;
}

/* A LUN on other storage: connect for its first user. */
static int backend_attach(struct lun_entry *e)
{
	struct blk_backend_info info;
	char err[1024];

	if (blk_backend_open(e->lf.backend, e->lf.name, e->lf.size,
			     e->table->exclusive && !e->read_only, &e->dev.be, &info, err,
			     sizeof(err)) != 0) {
		log_err("%s; login refused", err);
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	log_info("LUN %s: connected to %s (%llu bytes; %s)", e->lf.name, e->lf.backend,
		 (unsigned long long)info.size, info.detail);
	if (info.read_only && !e->read_only)
		log_warn("LUN %s: %s is read-only: writes fail as write-protected; set read_only "
			 "in [lun %s] to say so up front",
			 e->lf.name, e->lf.backend, e->lf.name);
	if (!info.can_flush && !e->read_only)
		log_notice("LUN %s: %s has no cache to flush: a write is as durable as its server "
			   "makes it when it completes",
			   e->lf.name, e->lf.backend);
	return 0;
}

int luns_overlay_attach(struct lun_entry *e)
{
	struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
	char err[768], names[128];
	int ret = 0;

	if (lunfile_is_backend(&e->lf)) {
		ret = backend_attach(e);
	} else if (lunfile_is_overlay(&e->lf)) {
		if (blk_ovl_open(e->table->data_dir, &e->lf, &e->dev.ovl, err, sizeof(err)) != 0) {
			log_err("%s; login refused", err);
			ret = ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
		}
	} else if (!e->read_only &&
		   lunfile_overlay_holders(e->table->data_dir, e->lf.name, names, sizeof(names))) {
		log_warn("LUN %s became the base image of overlays (%s): login refused until a "
			 "reload serves it read-only",
			 e->lf.name, names);
		ret = ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	if (ret)
		fcntl(e->lf.fd, F_OFD_SETLK, &fl);
	return ret;
}

void luns_overlay_detach(struct lun_entry *e)
{
	blk_backend_close(e->dev.be);
	e->dev.be = NULL;
	blk_ovl_close(e->dev.ovl);
	e->dev.ovl = NULL;
}
