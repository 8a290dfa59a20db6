/* luns_state.h: what a LUN keeps beside its disk.img across restarts: its persistent
 * reservations (SPC-4 5.9.5 APTPL, in pr.state) and a sanitize running or failed (in the
 * sanitize state file), saved atomically and read back when the LUN is served. */
#ifndef RINGSAN_DAEMON_LUNS_STATE_H
#define RINGSAN_DAEMON_LUNS_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target/daemon/luns.h"

/* DIR/name gets len bytes atomically (temp file, fsync, rename, fsync of the directory); len 0
 * removes it. 0 or -errno. */
int luns_state_save(const struct lun_entry *e, const char *name, const void *buf, size_t len);
/* DIR/name into buf (at most cap bytes) and its path into path: the length, -1 when there is
 * none, -2 when it cannot be read. */
ssize_t luns_state_read(const struct lun_entry *e, const char *name, uint8_t *buf, size_t cap,
			char *path, size_t pathlen);
/* scsi.h save_pr and save_bg, with ctx the entry: errors are logged. */
int luns_state_save_pr(void *ctx, const void *buf, size_t len);
int luns_state_save_bg(void *ctx, const void *buf, size_t len);
/* A new entry's reservations from pr.state (a bad file is logged and ignored). */
void luns_state_restore_pr(struct lun_entry *e);
/* A sanitize that was running starts again; one that failed leaves the LU in failure mode.
 * Caller holds the table's lock; e is in the table. */
void luns_state_restore_bg(struct lun_entry *e);

#endif
