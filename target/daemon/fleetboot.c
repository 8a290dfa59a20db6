/* fleetboot.c: see fleetboot.h. */
#include "target/daemon/fleetboot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fleet.h"
#include "common/log.h"
#include "common/lunfile.h"
#include "common/mac.h"
#include "target/daemon/server.h"

void fleetboot_init(struct fleetboot *fb, const struct config *cfg)
{
	pthread_mutex_init(&fb->lock, NULL);
	fb->cfg = cfg;
}

void fleetboot_fini(struct fleetboot *fb)
{
	pthread_mutex_destroy(&fb->lock);
}

void fleetboot_lock(struct fleetboot *fb)
{
	pthread_mutex_lock(&fb->lock);
}

void fleetboot_unlock(struct fleetboot *fb)
{
	pthread_mutex_unlock(&fb->lock);
}

/* Reads DATA_DIR/.fleet/name and its age in seconds: its length, -ENOENT when there is none, or
 * -errno. */
static ssize_t read_request(const char *path, uint8_t *buf, size_t cap, long *age)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap);
	int ret = n < 0 ? -errno : 0;
	*age = fstat(fd, &st) == 0 ? (long)(time(NULL) - st.st_mtime) : 0;
	close(fd);
	return ret < 0 ? ret : n;
}

/* The fleet a valid request is for, or NULL (logged). */
static const struct config_fleet *check_request(const struct config *cfg, const char *name,
						const uint8_t *buf, size_t len,
						struct fleet_request *req)
{
	char lun[NAME_MAX_LEN + 1], err[256], mac[MAC_TEXT_LEN];
	const struct config_fleet *fl;

	if (fleet_request_parse(buf, len, req) != 0) {
		log_warn("fleet: the boot request for %s does not parse: ignored", name);
		return NULL;
	}
	mac_format(req->mac, mac);
	fl = config_find_fleet(cfg, req->fleet);
	if (!fl || fleet_for_mac(cfg, req->mac) != fl ||
	    fleet_lun_name(fl->lun_name, fl->name, req->mac, lun, sizeof(lun), err, sizeof(err)) ||
	    strcmp(lun, name) != 0) {
		log_warn("fleet: boot request of machine %s for %s (fleet %s) does not match this "
			 "target's [fleet] sections: ignored (reload the target after changing "
			 "them)",
			 mac, name, req->fleet);
		return NULL;
	}
	return fl;
}

/* First boot: the overlay of the fleet's base, served at once. */
static int create_overlay(struct server *s, const struct config *cfg, const struct config_fleet *fl,
			  const char *name, const char *mac)
{
	char err[512], desc[LUNFILE_DESC_MAX + 1];
	int ret;

	if (fl->description[0])
		snprintf(desc, sizeof(desc), "%s", fl->description);
	else
		snprintf(desc, sizeof(desc), "fleet %s: machine %s", fl->name, mac);
	ret = lunfile_overlay_create(cfg->server.data_dir, name, fl->base, desc, err, sizeof(err));
	if (ret < 0 && ret != -EEXIST) {
		log_err("fleet %s: cannot create overlay %s for machine %s: %s", fl->name, name,
			mac, err);
		return ret;
	}
	if (ret == 0)
		log_notice(
		    "fleet %s: machine %s boots for the first time: overlay %s of %s created",
		    fl->name, mac, name, fl->base);
	/* A sync serves the overlay and its base as a base (read-only) from now on. */
	ret = luns_sync(&s->luns, cfg, err, sizeof(err));
	if (ret < 0)
		log_err("fleet %s: overlay %s: %s", fl->name, name, err);
	return ret < 0 ? ret : 0;
}

/* reset = boot on an overlay that exists: 0 (emptied), or a login status. */
static int reset_overlay(struct server *s, const struct config *cfg, const struct config_fleet *fl,
			 const char *name, const char *mac, const char *target_iqn)
{
	char err[512];
	unsigned pinged = server_ping_target(s, target_iqn);

	if (pinged) {
		log_notice("fleet %s: machine %s starts a new boot while %u session%s of %s %s "
			   "still logged in: pinged; the overlay is emptied once they end",
			   fl->name, mac, pinged, pinged == 1 ? "" : "s", name,
			   pinged == 1 ? "is" : "are");
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	int ret = luns_reset_overlay(&s->luns, cfg, name, err, sizeof(err));
	if (ret == -EBUSY) {
		log_info("fleet %s: overlay %s is still in use (%s): the new boot of %s waits",
			 fl->name, name, err, mac);
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	if (ret < 0) {
		log_err("fleet %s: cannot empty overlay %s for the new boot of machine %s: %s; "
			"see `ringsan lun check %s`",
			fl->name, name, mac, err, name);
		return ISCSI_LOGIN_STATUS_TARGET_ERROR;
	}
	log_notice("fleet %s: machine %s starts a new boot: overlay %s emptied", fl->name, mac,
		   name);
	return 0;
}

static int carry_out(struct server *s, const struct config *cfg, const char *name, const char *path,
		     const char *target_iqn)
{
	char base[NAME_MAX_LEN + 1], err[512], mac[MAC_TEXT_LEN];
	uint8_t buf[FLEET_REQUEST_MAX + 1];
	struct fleet_request req;
	const struct config_fleet *fl;
	long age = 0;
	ssize_t n = read_request(path, buf, sizeof(buf), &age);
	int ret = 0;

	if (n == -ENOENT)
		return 0;
	if (n < 0) {
		log_warn("fleet: cannot read %s: %s", path, strerror((int)-n));
		return 0;
	}
	if (age > FLEET_REQUEST_TTL_S) {
		log_warn(
		    "fleet: the boot request for %s is %ld s old: the boot it was for is over; "
		    "dropped unused",
		    name, age);
		goto out_done;
	}
	fl = check_request(cfg, name, buf, (size_t)n, &req);
	if (!fl)
		goto out_done;
	mac_format(req.mac, mac);
	ret = lunfile_overlay_base_of(cfg->server.data_dir, name, base, err, sizeof(err));
	if (ret == -ENOENT) {
		ret = create_overlay(s, cfg, fl, name, mac);
		if (ret < 0)
			return 0; /* kept: a later boot tries again (say, once the base exists) */
		goto out_done;
	}
	if (ret < 0 || !base[0]) {
		log_warn("fleet %s: %s is %s: left alone", fl->name, name,
			 ret < 0 ? err : "a LUN of its own, not an overlay");
		ret = 0;
		goto out_done;
	}
	if (fl->reset == FLEET_RESET_BOOT) {
		ret = reset_overlay(s, cfg, fl, name, mac, target_iqn);
		if (ret)
			return ret; /* kept until it is carried out */
	} else {
		log_info(
		    "fleet %s: machine %s starts a new boot on overlay %s (kept: reset = never)",
		    fl->name, mac, name);
	}
out_done:
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("fleet: cannot remove the boot request %s: %s", path, strerror(errno));
	return ret;
}

int fleetboot_login(struct fleetboot *fb, struct server *s, const char *target_iqn)
{
	char path[PATH_MAX + NAME_MAX_LEN + 16];
	int ret = 0;

	pthread_mutex_lock(&fb->lock);
	const struct config *cfg = fb->cfg;
	size_t blen = strlen(cfg->server.base_iqn);
	const char *name = target_iqn + blen + 1;
	char why[128];
	if (!cfg->fleet_count || strncmp(target_iqn, cfg->server.base_iqn, blen) != 0 ||
	    target_iqn[blen] != ':' || name_check_lun(name, why, sizeof(why)) != 0)
		goto out_unlock;
	snprintf(path, sizeof(path), "%s/%s/%s", cfg->server.data_dir, FLEET_DIR, name);
	ret = carry_out(s, cfg, name, path, target_iqn);
out_unlock:
	pthread_mutex_unlock(&fb->lock);
	return ret;
}
