/* blk_direct.h: a LUN file opened a second time with O_DIRECT ([lun] cache = direct), and the
 * rule for which requests may use it.
 *
 * O_DIRECT moves data between the caller's buffer and the disk without the page cache, but only
 * for requests aligned as the file system says (statx STATX_DIOALIGN: the file offset and every
 * segment's length to dio_offset_align, every buffer address to dio_mem_align). A request that
 * is not (a 512-byte LUN on a disk of 4096-byte sectors, a buffer of the SCSI layer's) goes
 * through the buffered descriptor instead: the kernel keeps the two coherent (a direct write
 * writes back and drops the cached pages it covers, a direct read writes back dirty ones first).
 * Durability is unchanged: an O_DIRECT write may still sit in the disk's volatile cache, so
 * SYNCHRONIZE CACHE stays fdatasync and FUA stays RWF_DSYNC. */
#ifndef RINGSAN_BLOCK_BLK_DIRECT_H
#define RINGSAN_BLOCK_BLK_DIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "target/block/blk.h"

/* Opens path (the file dev->fd is open on) with O_DIRECT for dev: 0, or -errno with why set
 * (the file system refuses O_DIRECT, or the path is now another file); dev is then unchanged
 * and served through the page cache. When the file system does not say its alignment, 4096 is
 * assumed for both (what every Linux block device accepts). */
int blk_direct_open(struct blk_dev *dev, const char *path, bool read_only, char *why,
		    size_t whylen);
void blk_direct_close(struct blk_dev *dev);
/* Whether [off, off + the vector's length) with these buffers may go to dev->dio_fd. */
bool blk_direct_aligned(const struct blk_dev *dev, uint64_t off, const struct iovec *iov,
			unsigned iov_cnt);
/* The alignment buffers get when they should suit O_DIRECT on any file system: 4096. */
#define BLK_DIRECT_BUF_ALIGN 4096u

#endif
