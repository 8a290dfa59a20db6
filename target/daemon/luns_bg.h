/* luns_bg.h: a LU's background job (a SANITIZE, SBC-4 4.11) runs on a thread of its own with
 * plain system calls, holding a use of its LUN (the file stays open and locked), so that it
 * never stalls a worker's event loop. luns_fini stops them (a sanitize resumes at the next
 * start). */
#ifndef RINGSAN_DAEMON_LUNS_BG_H
#define RINGSAN_DAEMON_LUNS_BG_H

#include "target/daemon/luns.h"

/* scsi.h start_bg, with ctx the entry. 0 or -errno. */
int luns_bg_start(void *ctx);
/* The same, with the table's lock held. */
int luns_bg_start_locked(struct lun_entry *e);

#endif
