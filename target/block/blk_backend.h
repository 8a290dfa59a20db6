/* blk_backend.h: LUNs on other storage (blk.h struct blk_backend), chosen by the spec in the
 * LUN's lun.meta: "nbd:URI" (blk_nbd.c, through libnbd) or "rbd:POOL/IMAGE" (through librbd).
 * Each library is optional at build time: a ringsan built without it says so when such a LUN
 * is opened or created. */
#ifndef RINGSAN_BLOCK_BLK_BACKEND_H
#define RINGSAN_BLOCK_BLK_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/block/blk.h"

struct blk_backend_info {
	uint64_t size;	 /* bytes the storage holds */
	bool read_only;	 /* the storage refuses writes */
	bool can_flush;	 /* it has a cache to flush (else writes are durable when done) */
	bool can_fua;	 /* it takes FUA writes (else a FUA write is a write and a flush) */
	bool can_zero;	 /* it writes zeroes without data (UNMAP); else zeroes are written */
	char detail[96]; /* for logs: what else it said */
};

/* How LUNs on Ceph RBD reach the cluster ([server] ceph_conf, ceph_user, ceph_keyring,
 * ceph_op_timeout). */
struct blk_ceph_env {
	char conf[4096];
	char user[256];
	char keyring[4096];
	unsigned op_timeout; /* seconds a request waits for the cluster; 0 = forever */
};
/* Set by the daemon at start and reload, and by the CLI before it touches an RBD image. */
void blk_backend_set_ceph(const char *conf, const char *user, const char *keyring,
			  unsigned op_timeout);
void blk_backend_get_ceph(struct blk_ceph_env *out);

/* [server] nbd_timeout: a LUN on NBD whose server sends no reply for this long while requests
 * wait fails them (as when the server dies) and connects again at the next request; 0 = wait
 * for ever. Set at start and reload; read at each check. */
void blk_backend_set_nbd_timeout(uint32_t ms);
uint32_t blk_backend_nbd_timeout(void);

/* Connects to the storage of spec for LUN lun (named in messages; NULL: a LUN to be made), which
 * serves size bytes of it (0: all of it; *info says how much that is). Blocks until connected, at
 * most a few seconds. 0, or -errno with err saying what to do: -ENOTSUP when this build lacks the
 * library, -EFBIG when the storage is smaller than size.
 * fence: the caller holds the LUN's shared-dir lock exclusively, so whoever else holds the
 * storage's own lock (RBD's exclusive lock) is a node that died with it: RBD breaks that lock and
 * blocklists its owner. Without fence such a lock refuses the open. */
int blk_backend_open(const char *spec, const char *lun, uint64_t size, bool fence,
		     struct blk_backend **out, struct blk_backend_info *info, char *err,
		     size_t errlen);
/* For the CLI (create, resize): makes sure the storage of spec holds at least size bytes (0:
 * any), then reports on it. NBD: the export must be that big. RBD: a missing image is created
 * when create is set (size given), a smaller one grown. */
int blk_backend_prepare(const char *spec, uint64_t size, bool create, struct blk_backend_info *info,
			char *err, size_t errlen);
/* For the CLI (clone): makes new_spec, a copy-on-write clone of spec's storage at a snapshot named
 * snap, and writes its spec ("rbd:POOL/CHILD", the same pool) to new_spec. RBD only: NBD exports
 * have no snapshots (-EOPNOTSUPP, err saying what to do instead). */
int blk_backend_clone(const char *spec, const char *snap, const char *child, char *new_spec,
		      size_t new_len, char *err, size_t errlen);
/* Ends the connection (after the caller's last flush); NULL is fine. Nothing may be in flight. */
void blk_backend_close(struct blk_backend *be);
/* Which backends this build has, e.g. "nbd", "nbd rbd" or "" (for `ringsan version`). */
const char *blk_backend_kinds(void);

#endif
