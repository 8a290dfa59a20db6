/* fleetboot.h: the target's half of [fleet NAME] sections: boot requests (common/fleet.h) that
 * ringsan-boot leaves in DATA_DIR/.fleet/ are carried out here, at the login they are for.
 *
 * Every login to a target BASE_IQN:NAME first looks for DATA_DIR/.fleet/NAME, one login at a
 * time (one mutex). A request that is valid for the target's own config (its fleet exists, the
 * MAC belongs to it, the fleet names this overlay) is carried out before the login goes on:
 *   - no such LUN yet: the overlay of the fleet's base is created and served (first boot);
 *   - reset = never: nothing to do;
 *   - reset = boot: the overlay is emptied, but only when no session is logged in to it. If
 *     sessions of the machine's previous boot still are (iPXE's and the OS's sessions linger
 *     until the target notices the peer is gone), they are pinged at once (a stack that answers
 *     stray segments with a TCP reset ends them at once; iPXE's does not, so they end when the
 *     ping is not answered within WORKER_PING_TIMEOUT_MS) and this login is refused as "service
 *     unavailable"; the boot script retries, and the first login after they ended empties the
 *     overlay.
 * The request is removed once carried out, so it is used by exactly one login: later logins of
 * the same boot (the OS taking over from iPXE) find none and keep the overlay as it is. One older
 * than FLEET_REQUEST_TTL_S is dropped unused: its boot is over (iPXE gave up). */
#ifndef RINGSAN_DAEMON_FLEETBOOT_H
#define RINGSAN_DAEMON_FLEETBOOT_H

#include <pthread.h>

#include "common/config.h"

struct server;

struct fleetboot {
	pthread_mutex_t lock;	  /* one request at a time; guards cfg */
	const struct config *cfg; /* the daemon's; reload swaps it between lock and unlock */
};

void fleetboot_init(struct fleetboot *fb, const struct config *cfg);
void fleetboot_fini(struct fleetboot *fb);
/* Around a reload that replaces *cfg in place. */
void fleetboot_lock(struct fleetboot *fb);
void fleetboot_unlock(struct fleetboot *fb);

/* Carries out a pending boot request for target_iqn (see above). 0: go on with the login;
 * otherwise a login status: SERVICE_UNAVAILABLE (retry: old sessions still logged in) or
 * TARGET_ERROR (the overlay cannot be emptied; logged). */
int fleetboot_login(struct fleetboot *fb, struct server *s, const char *target_iqn);

#endif
