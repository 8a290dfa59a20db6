/* luns_open.h: the first use of a LUN: its file's lock (shared, or exclusive for a writable
 * shared LUN of a cluster), the check that the file is still the LUN's, its size re-read, and
 * what it needs beyond the file (an overlay's image and map, a connection to other storage:
 * luns_overlay_attach). */
#ifndef RINGSAN_DAEMON_LUNS_OPEN_H
#define RINGSAN_DAEMON_LUNS_OPEN_H

#include "target/daemon/luns.h"

/* Caller holds the table's lock and e has no user. 0, or a login status with the lock let go
 * (the reason logged): SERVICE_UNAVAILABLE (a ringsan command or another node holds it, or its
 * storage refused), NOT_FOUND (removed or replaced on disk). */
int luns_open_first(struct lun_entry *e);

#endif
