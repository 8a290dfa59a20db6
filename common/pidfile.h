/* pidfile.h: the running target announces itself in DATA_DIR/.ringsan.pid so that the CLI can
 * tell it to reload (SIGHUP) after `ringsan lun create|resize|rm|clone`. A pid counts only when
 * the process is alive and its /proc/PID/comm is the expected name, so a stale file whose pid
 * was reused by another program is ignored. */
#ifndef RINGSAN_COMMON_PIDFILE_H
#define RINGSAN_COMMON_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

#define PIDFILE_NAME "/.ringsan.pid" /* appended to the data dir */
#define PIDFILE_COMM "ringsan"	     /* the daemon's /proc/PID/comm */

/* DATA_DIR/.ringsan.pid into buf. Returns 0 or -ENAMETOOLONG. */
int pidfile_path(char *buf, size_t len, const char *data_dir);

/* Writes our pid (via a temporary file and rename). Refuses with -EEXIST (err names the pid)
 * when the file names another live process called `comm`. Returns 0 or -errno. */
int pidfile_write(const char *path, const char *comm, char *err, size_t errlen);

/* The pid in the file if that process is alive and called `comm`; 0 when there is no file, or
 * the process is gone or is something else. */
pid_t pidfile_read_alive(const char *path, const char *comm);

/* Removes the file if it names us. Returns 0 or -errno (-ENOENT when absent, -EPERM when it
 * names another process). */
int pidfile_remove(const char *path);

#endif
