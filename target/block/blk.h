/* blk.h: the block backend interface. The SCSI layer describes I/O as struct blk_io; the transport
 * (target/daemon) submits it to the worker's queue and is called back when it is done. Two
 * implementations: the io_uring one (blk_uring.c, per worker) and an in-memory one for tests
 * (blk_mem.c). A LUN on other storage (NBD, Ceph RBD) has a struct blk_backend on its device:
 * the queue hands its requests to it, and it posts their completions back from any thread
 * (blk_uring turns them into completions of the worker's loop through an eventfd). Offsets and
 * lengths are in bytes. */
#ifndef RINGSAN_BLOCK_BLK_H
#define RINGSAN_BLOCK_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/* One open LUN backing file, shared by every worker. */
struct blk_backend;

struct blk_dev {
	int fd;		     /* O_RDWR (or O_RDONLY for read-only LUNs), shared OFD lock held */
	uint64_t size;	     /* bytes; changes only on reload, under the daemon's control */
	uint32_t block_size; /* 512 or 4096 */
	void *mem;	     /* blk_mem backend: the disk contents (size bytes); NULL otherwise */
	struct blk_ovl *ovl; /* an overlay LUN (blk_ovl.h): fd is its own disk.img; NULL else */
	/* A LUN on other storage (blk_nbd.h, blk_rbd.h): every request goes to it; fd is only
	 * the LUN's lock file. NULL for LUN files. */
	struct blk_backend *be;
	/* Whether the file system takes buffered writes with RWF_NOWAIT (enum blk_nowait): learnt
	 * at the first write, read and written by every worker with relaxed atomics. */
	int write_nowait;
	/* Whether READs are read inline (blk_uring.c: the file is on tmpfs or ramfs), as enum
	 * blk_nowait (YES: inline): learnt at the first read, like write_nowait. */
	int read_inline;
	/* [lun] cache = direct (blk_direct.h): a second descriptor on the same file, O_DIRECT, for
	 * the READs and WRITEs aligned to what the file system needs; every other request, and
	 * every one while !direct, uses fd. */
	bool direct;
	int dio_fd;
	uint32_t dio_off_align, dio_mem_align; /* powers of two */
};

enum blk_nowait {
	BLK_NOWAIT_UNKNOWN = 0,
	BLK_NOWAIT_YES, /* XFS, btrfs: a write that would block says EAGAIN */
	BLK_NOWAIT_NO,	/* ext4, tmpfs: EOPNOTSUPP for every buffered RWF_NOWAIT write */
};

enum blk_op {
	BLK_READ,      /* read len bytes at off into iov */
	BLK_WRITE,     /* write len bytes at off from iov; BLK_F_FUA: durable before completion */
	BLK_FLUSH,     /* fdatasync the whole file */
	BLK_PUNCH,     /* deallocate [off, off+len): reads back as zeroes (PUNCH_HOLE|KEEP_SIZE) */
	BLK_SEEK_DATA, /* result: first offset >= off that holds data, or dev->size if none */
	BLK_SEEK_HOLE, /* result: first offset >= off inside a hole (dev->size at the end) */
	BLK_COPY,      /* copy len bytes from (src, src_off) to (dev, off): copy_file_range */
};

#define BLK_F_FUA 0x1u

#define BLK_MAX_IOV 8

struct blk_io;
typedef void (*blk_done_fn)(struct blk_io *io);

struct blk_io {
	enum blk_op op;
	uint32_t flags;
	struct blk_dev *dev;
	uint64_t off;
	uint64_t len;
	struct iovec iov[BLK_MAX_IOV]; /* READ/WRITE buffers, summing to len */
	unsigned iov_cnt;
	struct blk_dev *src; /* COPY source */
	uint64_t src_off;
	/* Completion: res = len on success (READ/WRITE/COPY/PUNCH/FLUSH: 0 for the last two),
	 * the offset found (SEEK_*), or -errno. Short transfers are retried inside the backend:
	 * a READ/WRITE completes whole or with an error. */
	int64_t res;
	blk_done_fn done;
	void *owner; /* for the submitter; the backend never touches it */
	uint64_t backend_priv[4];
	uint64_t remote_priv[6]; /* a struct blk_backend's, while it holds the request */
};

/* Called once per request handed to a blk_backend, from any thread (the backend's own, or
 * inside submit when it fails at once), with what the completion carries. */
typedef void blk_post_fn(void *ctx, struct blk_io *io, int64_t res);

struct blk_backend_ops {
	const char *kind; /* "nbd", "rbd" */
	/* Starts io (any op but COPY, which the queue splits into READs and WRITEs); calls
	 * post(ctx, io, res) exactly once. Never blocks, but for SEEK_* (queues send those from
	 * a thread that may wait). */
	void (*submit)(struct blk_backend *be, struct blk_io *io, blk_post_fn *post, void *ctx);
	/* Ends the connection; nothing may be in flight. */
	void (*close)(struct blk_backend *be);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
};

/* Per-worker submission endpoint. submit never calls io->done synchronously: completion always
 * arrives later from the worker's event loop (or blk_mem_run() in tests), so callers need not
 * handle re-entrancy. */
struct blk_queue {
	void (*submit)(struct blk_queue *q, struct blk_io *io);
};

static inline void blk_submit(struct blk_queue *q, struct blk_io *io)
{
	q->submit(q, io);
}

static inline void blk_io_set_buf(struct blk_io *io, void *buf, uint64_t len)
{
	io->iov[0].iov_base = buf;
	io->iov[0].iov_len = (size_t)len;
	io->iov_cnt = 1;
	io->len = len;
}

#endif
