/* luns_open.h: the first use of a LUN: its file's lock (shared, or exclusive for a writable
 * shared LUN of a cluster), the check that the file is still the LUN's, its size re-read, and
 * what it needs beyond the file (an overlay's image and map, a connection to other storage:
 * luns_overlay_attach).
 *
 * A LUN on other storage (NBD, RBD) connects on a thread of its own when a login asks for it
 * (luns_get with a wait): connecting may take seconds (a server that does not answer, a Ceph
 * cluster electing its monitors) and the worker that asked goes on serving its other
 * connections meanwhile. The thread holds a use of the LUN (its file stays locked, and
 * e->opening tells others it has no storage yet); logins that come meanwhile wait for the same
 * connect. When it ends, each waiter gets its own use (or the refusal) through its done
 * callback, and the thread lets go of its use. luns_fini waits for these threads. */
#ifndef RINGSAN_DAEMON_LUNS_OPEN_H
#define RINGSAN_DAEMON_LUNS_OPEN_H

#include "target/daemon/luns.h"

/* Caller holds the table's lock and e has no user. 0, or a login status with the lock let go
 * (the reason logged): SERVICE_UNAVAILABLE (a ringsan command or another node holds it, or its
 * storage refused), NOT_FOUND (removed or replaced on disk). The connect to other storage
 * happens here, blocking. */
int luns_open_first(struct lun_entry *e);
/* The same for a login that can wait, on a LUN on other storage that is connecting or has no
 * user: LUNS_PENDING with wait queued (the connect started, or was under way already); 0 with
 * a use taken (no thread could be made: connected here); or a login status. Caller holds the
 * table's lock. */
int luns_open_async(struct lun_entry *e, struct luns_wait *wait);
/* Connects e to its storage (blocking): 0, or SERVICE_UNAVAILABLE with the reason logged. */
int luns_open_backend(struct lun_entry *e);

#endif
