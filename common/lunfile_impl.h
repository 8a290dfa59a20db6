/* lunfile_impl.h: private to lunfile*.c: the steps shared by create, clone and remove. */
#ifndef RINGSAN_COMMON_LUNFILE_IMPL_H
#define RINGSAN_COMMON_LUNFILE_IMPL_H

#include "common/lunfile.h"

/* A LUN being built in DATA_DIR/.NAME.tmp-XXXXXX. */
struct lunfile_build {
	char tmp[PATH_MAX];
	char final[PATH_MAX];
	int dir_fd;	     /* the temporary directory */
	int disk_fd;	     /* its disk.img, locked exclusively while building */
	const char *backend; /* lun.meta's backend= (a LUN on other storage), or NULL */
};

/* Creates data_dir if missing (mode 0755), removes unlocked leftovers, checks NAME is free and
 * makes the temporary directory with an empty, locked disk.img. */
int lunfile_build_begin(struct lunfile_build *b, const char *data_dir, const char *name, char *err,
			size_t errlen);
/* Writes lun.meta, fsyncs disk.img, lun.meta and the directory, renames it into place
 * (RENAME_NOREPLACE) and fsyncs data_dir. */
int lunfile_build_commit(struct lunfile_build *b, const char *data_dir, const char *name,
			 uint32_t block_size, const char *description, char *err, size_t errlen);
/* Closes fds; removes the temporary directory unless committed. */
void lunfile_build_end(struct lunfile_build *b);

/* Takes (or with F_UNLCK drops) an OFD lock on the whole file without waiting: 0 or -EBUSY. */
int lunfile_lock_fd(int fd, short type);
/* Fills lf->name, dir and path. 0, -EINVAL (bad name) or -ENAMETOOLONG; err set. */
int lunfile_paths(struct lunfile *lf, const char *data_dir, const char *name, char *err,
		  size_t errlen);
/* The one message for "someone holds the lock". */
int lunfile_busy(const char *name, char *err, size_t errlen);

/* Removes DATA_DIR/entry and the files in it. */
void lunfile_remove_tree(const char *data_dir, const char *entry);
/* Removes leftovers of interrupted operations that nobody holds. */
void lunfile_cleanup(const char *data_dir);
/* Reads the overlay map header of the LUN in dir: 0, -ENOENT (a plain LUN) or -EBADMSG with err
 * naming the LUN and what is wrong. */
struct ovlmap_header;
int lunfile_map_header(const char *dir, const char *name, struct ovlmap_header *h, char *err,
		       size_t errlen);
/* Resets overlay lf, held LUNFILE_EXCLUSIVE (lunfile_overlay_reset without the open). */
int lunfile_reset_held(const char *data_dir, struct lunfile *lf, char *err, size_t errlen);
/* Removes image if it was promoted over (it has a successor) and nothing refers to it any more. */
void lunfile_drop_superseded(const char *data_dir, const char *image);
/* A base's refusal: "LUN 'x' is the base of N overlays (a, b): ..." */
int lunfile_base_busy(const char *data_dir, const char *name, const char *what, char *err,
		      size_t errlen);

#endif
