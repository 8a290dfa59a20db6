/* fleet.h: the rules of [fleet NAME] sections, shared by ringsan-boot (which machine boots which
 * overlay) and ringsan (which overlay a boot request may create or reset). Pure functions: no
 * I/O, no clock.
 *
 * A machine belongs to the fleet that lists its MAC; failing that, when it has no [client]
 * section, to the one fleet whose machines are "*". Its overlay LUN is named by the fleet's
 * lun_name pattern: {fleet} is the fleet's name, {mac} the MAC as iPXE's ${mac:hexhyp} writes
 * it (52-54-00-12-34-56), so the boot menu can build the same name inside iPXE.
 *
 * A boot request is the small text file the boot service leaves in DATA_DIR/.fleet/ under the
 * overlay's name when a machine of a fleet starts a boot:
 *   fleet=NAME
 *   mac=52:54:00:12:34:56
 * (in that order, each line ending in '\n', nothing else). The target acts on it at that
 * overlay's next login; see README "Fleets". */
#ifndef RINGSAN_COMMON_FLEET_H
#define RINGSAN_COMMON_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/name.h"

struct config;
struct config_fleet;

#define FLEET_DIR	  ".fleet" /* under the data dir: boot requests, one file per LUN */
#define FLEET_REQUEST_MAX 128	   /* bytes of a boot request file */
/* Seconds a boot request stays good: longer than the fleet script retries sanboot (two minutes);
 * an older one belongs to a boot that is over and is dropped unused, so it can never empty the
 * overlay under an OS that happens to log in again later. */
#define FLEET_REQUEST_TTL_S 300

struct fleet_request {
	char fleet[NAME_MAX_LEN + 1];
	uint8_t mac[6];
};

/* Checks a lun_name pattern: LUN name characters plus the placeholders {fleet} and {mac}, and
 * {mac} at least once (each machine needs its own overlay). 0 or -EINVAL with err set. */
int fleet_check_pattern(const char *pattern, char *err, size_t errlen);

/* The overlay name of machine mac in fleet (pattern from lun_name). 0, or -EINVAL with err set
 * when the result is not a valid LUN name (too long, for one). */
int fleet_lun_name(const char *pattern, const char *fleet, const uint8_t mac[6], char *out,
		   size_t cap, char *err, size_t errlen);

/* fleet_config.c: the rules over a loaded configuration (common/config.h). */

/* Whether the fleet's machines list names mac (false for "*"). */
bool fleet_lists_mac(const struct config_fleet *fl, const uint8_t mac[6]);
/* Whether the fleet's machines are "*". */
bool fleet_is_wildcard(const struct config_fleet *fl);

/* The fleet mac belongs to, or NULL (see above: a listed MAC first, then "*" for a machine
 * without a [client] section). */
const struct config_fleet *fleet_for_mac(const struct config *cfg, const uint8_t mac[6]);

/* Writes a boot request into out (cap >= FLEET_REQUEST_MAX). Returns its length. */
size_t fleet_request_format(const char *fleet, const uint8_t mac[6], char *out, size_t cap);
/* Parses a boot request: 0, or -EBADMSG for anything but the exact format above. */
int fleet_request_parse(const uint8_t *buf, size_t len, struct fleet_request *out);

#endif
