/* atomicfile.h: replacing a small file whole, so that a crash at any moment leaves either the old
 * content or the new one, never a mix, and the new one survives a power cut once the call
 * returned 0: a temporary file beside it (PATH.tmp-PID, so two processes never share one), write,
 * fsync, rename over PATH, fsync of the directory (the rename lives in the directory). Used for
 * the pid file, persistent reservation and sanitize state, leases, rendered menus, fleet boot
 * requests and an image's successor. The directory fsyncs are here too, for the callers that
 * rename by themselves (LUN directories, exported images). */
#ifndef RINGSAN_COMMON_ATOMICFILE_H
#define RINGSAN_COMMON_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Replaces path with len bytes of data, created with mode (before the umask). Returns 0 or
 * -errno; on failure path is unchanged and the temporary file is gone. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);

/* Removes path (absent is fine) and fsyncs its directory. Returns 0 or -errno. */
int atomicfile_remove(const char *path);

/* fsync of the directory dir, so that the entries created, renamed or removed in it survive a
 * power cut. Returns 0 or -errno. */
int atomicfile_fsync_dir(const char *dir);
/* The same for the directory that holds path ("." for a path without '/'). */
int atomicfile_fsync_parent(const char *path);

#endif
