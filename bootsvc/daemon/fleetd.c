/* fleetd.c: the boot service's half of [fleet NAME]: when a fleet machine asks for its fleet
 * script (fleet-NAME.ipxe?mac=..., chained by menu.ipxe at each boot), it leaves a boot request
 * for the machine's overlay in DATA_DIR/.fleet/LUN (common/fleet.h). The target acts on it at
 * the overlay's next login: it creates the overlay on the first boot and, with reset = boot,
 * empties it once the machine's previous sessions are gone. This daemon never touches a LUN:
 * it runs unprivileged and only writes requests into a directory it owns. */
#include "bootsvc/daemon/bootd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fleet.h"
#include "common/log.h"
#include "common/mac.h"

static void fleetd_dir(const struct bootd *d, char *out, size_t cap)
{
	snprintf(out, cap, "%.4000s/%s", d->data_dir, FLEET_DIR);
}

int fleetd_prepare(struct bootd *d)
{
	char dir[PATH_MAX];
	int rc;

	/* Made even without a [fleet] yet, so one added later by a reload (SIGHUP) works: once
	 * root is dropped this daemon could not create it any more. */
	fleetd_dir(d, dir, sizeof(dir));
	rc = bootd_prepare_state_dir(d, dir);
	if (rc < 0 && d->cfg.fleet_count)
		log_warn("fleets: cannot create %s (%s): fleet machines will not get their "
			 "overlays; create the data dir %s and restart ringsan-boot",
			 dir, strerror(-rc), d->data_dir);
	return 0;
}

/* "fleet-NAME.ipxe" -> NAME. */
static bool fleetd_script_fleet(const char *script, char *out, size_t cap)
{
	size_t n = strlen(script);

	if (n <= 11 || strncmp(script, "fleet-", 6) != 0 || strcmp(script + n - 5, ".ipxe") != 0 ||
	    n - 11 >= cap)
		return false;
	memcpy(out, script + 6, n - 11);
	out[n - 11] = '\0';
	return true;
}

void fleetd_boot_request(struct bootd *d, const char *script, const char *mac_text,
			 const char *peer)
{
	char name[NAME_MAX_LEN + 1], lun[NAME_MAX_LEN + 1], err[256], text[FLEET_REQUEST_MAX];
	char path[PATH_MAX + NAME_MAX_LEN + 16], dir[PATH_MAX];
	const struct config_fleet *fl;
	uint8_t mac[6];

	if (!fleetd_script_fleet(script, name, sizeof(name)) ||
	    !(fl = config_find_fleet(&d->cfg, name)))
		return;
	if (mac_parse(mac_text, mac) != 0) {
		log_warn("fleet %s: %s asked for %s without a MAC (mac=%s): no boot request", name,
			 peer, script, mac_text);
		return;
	}
	if (fleet_for_mac(&d->cfg, mac) != fl) {
		log_warn("fleet %s: machine %s (from %s) is not one of its machines: no boot "
			 "request",
			 name, mac_text, peer);
		return;
	}
	if (fleet_lun_name(fl->lun_name, fl->name, mac, lun, sizeof(lun), err, sizeof(err)) != 0) {
		log_warn("fleet %s: %s", name, err);
		return;
	}
	size_t len = fleet_request_format(fl->name, mac, text, sizeof(text));
	fleetd_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, lun);
	int rc = atomicfile_write(path, text, len, 0644);
	if (rc < 0) {
		log_err("fleet %s: cannot write the boot request %s: %s%s", name, path,
			strerror(-rc),
			rc == -ENOENT ? " (restart ringsan-boot so it creates the directory)" : "");
		return;
	}
	log_info("fleet %s: machine %s starts a boot: overlay %s of %s (%s)", name, mac_text, lun,
		 fl->base, fl->reset == FLEET_RESET_BOOT ? "emptied first" : "kept");
}
