/* lunfile.h: LUNs on disk, shared by the CLI (`ringsan lun ...`), the target daemon and the
 * boot service.
 *
 * Layout: one directory per LUN, DATA_DIR/NAME/, holding
 *   disk.img  the raw disk, a sparse file; its size is the LUN's size;
 *   lun.meta  text "key=value" lines written once at create: uuid=, block_size=, description=,
 *             created= (Unix time). The identity (lunid.h) comes from the uuid.
 * Create and clone build DATA_DIR/.NAME.tmp-XXXXXX/ completely (files and directory fsynced),
 * then rename it to DATA_DIR/NAME with RENAME_NOREPLACE and fsync DATA_DIR: a crash leaves the
 * old state or the new one. Remove renames to .NAME.rm-XXXXXX first, then deletes. Names
 * starting with '.' are never LUNs; leftovers of interrupted operations are cleaned up by the
 * next create, clone or remove.
 *
 * Locking: OFD locks (fcntl F_OFD_SETLK) on the whole of disk.img. The daemon holds a shared
 * lock while it serves a LUN; every change (resize, remove, clone source) takes an exclusive
 * one and fails with -EBUSY ("in use") when the daemon holds it. OFD locks belong to the open
 * file, so they work between threads and are released when the fd is closed.
 *
 * Every function that can fail returns 0 or -errno and writes one line a person can act on
 * into err. */
#ifndef RINGSAN_COMMON_LUNFILE_H
#define RINGSAN_COMMON_LUNFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/lunid.h"
#include "common/name.h"

#define LUNFILE_DISK	    "disk.img"
#define LUNFILE_META	    "lun.meta"
#define LUNFILE_SANITIZE    "sanitize.state" /* the target's: a sanitize running or failed */
#define LUNFILE_SUCCESSOR   "successor"	     /* an image promoted over: its successor's name */
#define LUNFILE_DESC_MAX    255		     /* bytes of description */
#define LUNFILE_MIN_BLOCKS  1
#define LUNFILE_BACKEND_MAX 400 /* bytes of a backend spec ("nbd:URI", "rbd:POOL/IMAGE") */

enum lunfile_lock {
	LUNFILE_NOLOCK,	   /* look only (list, info) */
	LUNFILE_SHARED,	   /* serving: the daemon; blocks changes by the CLI */
	LUNFILE_EXCLUSIVE, /* changing: resize, remove */
};

struct lunfile {
	char name[NAME_MAX_LEN + 1];
	char dir[PATH_MAX];  /* DATA_DIR/NAME */
	char path[PATH_MAX]; /* DATA_DIR/NAME/disk.img */
	int fd;		     /* disk.img: O_RDWR, or O_RDONLY when opened read-only; O_CLOEXEC */
	enum lunfile_lock lock;
	uint64_t size;	     /* bytes; read at open and by lunfile_refresh() */
	uint32_t block_size; /* 512 or 4096 */
	uint8_t uuid[16];
	uint64_t created; /* Unix time */
	char description[LUNFILE_DESC_MAX + 1];
	/* An overlay LUN (overlay.map present): its base's name, else "". An overlay's size is
	 * its map's (the base's size when the map was made). */
	char base[NAME_MAX_LEN + 1];
	uint8_t base_uuid[16];
	/* A LUN on other storage (lun.meta backend=): "nbd:URI" or "rbd:POOL/IMAGE", else "".
	 * Its disk.img holds no data: it carries the LUN's size (a sparse file of that size) and
	 * the lock, so listing, locking and the boot menus treat it like any LUN. */
	char backend[LUNFILE_BACKEND_MAX + 1];
};

/* Creates an empty (sparse) LUN. size: bytes, a non-zero multiple of block_size (512 or 4096).
 * description may be NULL. Creates data_dir if needed. -EEXIST when the name is taken. */
int lunfile_create(const char *data_dir, const char *name, uint64_t size, uint32_t block_size,
		   const char *description, char *err, size_t errlen);

/* Fills a new LUN's disk.img, already `size` bytes of holes: disk_path names it (in the
 * temporary directory; another process such as qemu-img may write it), disk_fd is ours and
 * holds the exclusive lock. Must leave the size as it is. 0, or -errno with err set. */
typedef int lunfile_fill_fn(const char *disk_path, int disk_fd, void *arg, char *err,
			    size_t errlen);

/* lunfile_create, with fill writing the data before the LUN appears (atomically, like
 * create: on failure nothing is left). */
int lunfile_create_filled(const char *data_dir, const char *name, uint64_t size,
			  uint32_t block_size, const char *description, lunfile_fill_fn *fill,
			  void *arg, char *err, size_t errlen);

/* lunfile_create for a LUN whose data lives on other storage: backend is "nbd:URI" or
 * "rbd:POOL/IMAGE" (lunfile_backend_check); the caller has checked the storage is there and
 * big enough. */
int lunfile_create_backend(const char *data_dir, const char *name, uint64_t size,
			   uint32_t block_size, const char *description, const char *backend,
			   char *err, size_t errlen);
/* Checks a backend spec: "nbd:" or "rbd:" and a non-empty rest, at most LUNFILE_BACKEND_MAX
 * bytes, no control characters. 0 or -EINVAL with err set. */
int lunfile_backend_check(const char *spec, char *err, size_t errlen);
static inline bool lunfile_is_backend(const struct lunfile *lf)
{
	return lf->backend[0] != '\0';
}
/* The refusal for an operation on a file's data (clone, overlay, export) of a backend LUN. */
int lunfile_backend_refuse(const struct lunfile *lf, const char *what, char *err, size_t errlen);

/* Opens a LUN and takes the lock asked for (without waiting): -ENOENT when there is no such
 * LUN, -EBUSY when the lock is held elsewhere (err says so). read_only opens O_RDONLY (a shared
 * lock still works). Close with lunfile_close(). */
int lunfile_open(const char *data_dir, const char *name, enum lunfile_lock lock, bool read_only,
		 struct lunfile *out, char *err, size_t errlen);
/* Closes the fd, which drops its lock. Safe on a closed or zeroed-then-failed lunfile. */
void lunfile_close(struct lunfile *lf);
/* Re-reads the size (after a resize by the CLI; the daemon calls it on reload). */
int lunfile_refresh(struct lunfile *lf);

/* Whether another open file holds a lock on the LUN (the daemon serving it, or a CLI
 * command changing it). Our own lock on lf->fd does not count. */
bool lunfile_in_use(const struct lunfile *lf);
/* Bytes of disk space the file uses (st_blocks * 512). */
uint64_t lunfile_allocated_bytes(const struct lunfile *lf);
/* Bytes of data (not holes) in [from, end of file) by SEEK_DATA/SEEK_HOLE. 0 or -errno. */
int lunfile_data_bytes_from(int fd, uint64_t from, uint64_t *bytes);

/* Calls fn for each LUN of data_dir in name order, with the LUN opened LUNFILE_NOLOCK read-only
 * (closed again after fn returns). Directories that are not LUNs (no valid name, no disk.img or
 * lun.meta) are skipped. A non-zero return from fn stops the walk and is returned. A missing
 * data_dir has no LUNs. */
int lunfile_list(const char *data_dir, int (*fn)(const struct lunfile *lf, void *arg), void *arg,
		 char *err, size_t errlen);
/* The same, and bad(name, why, arg) for each directory that has a disk.img but cannot be opened
 * (a damaged lun.meta or overlay map, unreadable files), so it can be reported. */
int lunfile_list_report(const char *data_dir, int (*fn)(const struct lunfile *lf, void *arg),
			void (*bad)(const char *name, const char *why, void *arg), void *arg,
			char *err, size_t errlen);

/* Resizes in place. lf must be held LUNFILE_EXCLUSIVE. Growing always works; shrinking needs
 * allow_shrink and only cuts holes: when data lies at or after new_size it fails with
 * -ENOTEMPTY and err says how many bytes. new_size: a non-zero multiple of the block size. */
int lunfile_resize(struct lunfile *lf, uint64_t new_size, bool allow_shrink, char *err,
		   size_t errlen);

/* Removes a LUN and its data; -EBUSY when in use. */
int lunfile_remove(const char *data_dir, const char *name, char *err, size_t errlen);

/* Progress of a copy: bytes of data copied so far out of total. */
typedef void lunfile_progress_fn(uint64_t done, uint64_t total, void *arg);

/* Copies src to a new LUN dst with a new uuid: a reflink (FICLONE) where the file system can,
 * otherwise a copy of the data extents only, so holes stay holes. src is locked exclusively
 * during the copy (nobody may write it). description NULL keeps src's. progress may be NULL.
 * *reflinked (may be NULL) tells which way it went. */
int lunfile_clone(const char *data_dir, const char *src, const char *dst, const char *description,
		  lunfile_progress_fn *progress, void *arg, bool *reflinked, char *err,
		  size_t errlen);

/* Overlays: a LUN whose unwritten clusters read from a read-only base LUN (an "image"); what
 * it writes lives in its own sparse disk.img, tracked by DATA_DIR/NAME/overlay.map (ovlmap.h).
 * A base any overlay refers to cannot be resized or removed (nor become an overlay itself); the
 * target serves it read-only. */

/* Creates overlay NAME of image base, instantly (a sparse disk.img and a map saying "all from
 * the base"), atomically like lunfile_create. -EEXIST if NAME is taken, -ENOENT if there is no
 * base, -EINVAL if base is itself an overlay, -EBUSY if a session is logged in to base. */
int lunfile_overlay_create(const char *data_dir, const char *name, const char *base,
			   const char *description, char *err, size_t errlen);
/* Drops every change of overlay NAME, atomically (a new map first, then the data is punched),
 * moving it to its base's promoted successor if there is one (following the chain); keeps its
 * identity. An image promoted over that no overlay refers to any more is then removed.
 * -EBUSY when in use (OFD lock held), -EINVAL if NAME is not an overlay. */
int lunfile_overlay_reset(const char *data_dir, const char *name, char *err, size_t errlen);
bool lunfile_is_overlay(const struct lunfile *lf);
/* The base's name of an opened overlay ("" for a plain LUN). */
const char *lunfile_overlay_base(const struct lunfile *lf);
/* The base of LUN name without opening it fully: 0 with base set ("" for a plain LUN), or
 * -errno (-ENOENT: no such LUN; -EBADMSG: a damaged map, err says so). */
int lunfile_overlay_base_of(const char *data_dir, const char *name, char base[NAME_MAX_LEN + 1],
			    char *err, size_t errlen);
/* Calls fn for each overlay of data_dir whose base is base (any base when base is NULL), in no
 * particular order, with its name and its base's name. A non-zero return stops the walk. */
int lunfile_overlays_each(const char *data_dir, const char *base,
			  int (*fn)(const char *name, const char *base, void *arg), void *arg);
/* Up to `len` bytes of "a, b, c" naming the overlays of base; returns how many there are. */
unsigned lunfile_overlay_holders(const char *data_dir, const char *base, char *names, size_t len);
/* The image that replaced image (its successor file), or "" when none. */
void lunfile_successor(const char *data_dir, const char *image, char out[NAME_MAX_LEN + 1]);

/* Builds image newimage from overlay's base + overlay (a new identity, holes kept), offline
 * (the overlay must not be in use), atomically; the old base then names newimage as its
 * successor, the overlay itself moves onto newimage (its contents are the same), and the old
 * base is removed if nothing refers to it any more. progress may be NULL. */
int lunfile_promote(const char *data_dir, const char *overlay, const char *newimage,
		    const char *description, lunfile_progress_fn *progress, void *arg, char *err,
		    size_t errlen);

/* Reads and checks the whole map of overlay lf: header, length, entries. *entries (malloc'ed,
 * h->clusters bytes, one enum ovlmap_state each) on success; -EBADMSG with err naming the LUN
 * when it is damaged. Changes nothing. */
struct ovlmap_header;
int lunfile_map_load(const struct lunfile *lf, struct ovlmap_header *h, uint8_t **entries,
		     char *err, size_t errlen);

struct lunfile_check {
	uint64_t clusters, in_overlay, zero, from_base;
	uint64_t stray_bytes; /* data in disk.img under clusters the map does not use (writes
			       * no flush acknowledged before a crash, or a reset cut short) */
};
/* Verifies overlay name's map against its files: header, length, every entry, the base (there,
 * same identity and size) and disk.img. 0 when clean (report filled), -EBADMSG (damage), or
 * another -errno; err says what is wrong. Changes nothing. */
int lunfile_overlay_check(const char *data_dir, const char *name, struct lunfile_check *report,
			  char *err, size_t errlen);

/* Checks a description: at most 255 bytes, no control characters. */
int lunfile_check_description(const char *text, char *err, size_t errlen);

#endif
