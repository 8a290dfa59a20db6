/* blk_direct.c: see blk_direct.h. */
#include "target/block/blk_direct.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef STATX_DIOALIGN
#define STATX_DIOALIGN 0x2000u
#endif
/* struct statx as the kernel lays it out (include/uapi/linux/stat.h); glibc 2.36 does not name
 * the direct I/O fields yet, so they are read at their offsets. */
#define STATX_LEN		256
#define STATX_OFF_MASK		0x00
#define STATX_OFF_DIO_MEM_ALIGN 0x98
#define STATX_OFF_DIO_OFF_ALIGN 0x9c

static uint32_t get_ne32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* 0 with the alignments (0, 0 when the file system does not say), or -errno. */
static int dio_alignment(int fd, uint32_t *mem, uint32_t *off)
{
	uint8_t buf[STATX_LEN] = {0};

	*mem = *off = 0;
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, buf) < 0)
		return errno == ENOSYS ? 0 : -errno;
	if (!(get_ne32(buf + STATX_OFF_MASK) & STATX_DIOALIGN))
		return 0;
	*mem = get_ne32(buf + STATX_OFF_DIO_MEM_ALIGN);
	*off = get_ne32(buf + STATX_OFF_DIO_OFF_ALIGN);
	return *off ? 0 : -EINVAL; /* it says: no direct I/O on this file */
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int blk_direct_open(struct blk_dev *dev, const char *path, bool read_only, char *why, size_t whylen)
{
	struct stat a, b;
	uint32_t mem, off;
	int ret;

	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "%s",
			 ret == -EINVAL ? "the file system refuses O_DIRECT" : strerror(-ret));
		return ret;
	}
	if (fstat(fd, &a) < 0 || fstat(dev->fd, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		snprintf(why, whylen, "the file was replaced while it was opened");
		ret = -ESTALE;
		goto out_close;
	}
	ret = dio_alignment(fd, &mem, &off);
	if (ret < 0) {
		snprintf(why, whylen, "%s",
			 ret == -EINVAL ? "the file system does no direct I/O on this file"
					: strerror(-ret));
		goto out_close;
	}
	if (!off) /* not said: what every block device takes */
		mem = off = BLK_DIRECT_BUF_ALIGN;
	if (!pow2(off) || (mem && !pow2(mem))) {
		snprintf(why, whylen, "the file system gives a direct I/O alignment of %u/%u", off,
			 mem);
		ret = -EINVAL;
		goto out_close;
	}
	dev->dio_fd = fd;
	dev->dio_off_align = off;
	dev->dio_mem_align = mem ? mem : 1;
	dev->direct = true;
	return 0;
out_close:
	close(fd);
	return ret;
}

void blk_direct_close(struct blk_dev *dev)
{
	if (!dev->direct)
		return;
	close(dev->dio_fd);
	dev->direct = false;
	dev->dio_fd = -1;
}

bool blk_direct_aligned(const struct blk_dev *dev, uint64_t off, const struct iovec *iov,
			unsigned iov_cnt)
{
	uintptr_t bits = 0;

	if (!dev->direct || off & (dev->dio_off_align - 1))
		return false;
	for (unsigned i = 0; i < iov_cnt; i++) {
		if ((uintptr_t)iov[i].iov_base & (dev->dio_mem_align - 1))
			return false;
		bits |= iov[i].iov_len;
	}
	return !(bits & (dev->dio_off_align - 1));
}
