/* scsi_driver.c: see scsi_driver.h. */
#include "scsi_driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

#define DRV_MAX_STEPS 100000u

static int drv_start_bg(void *ctx)
{
	struct drv *d = ctx;
	d->bg_pending = true;
	d->bg_starts++;
	return 0;
}

unsigned drv_run_bg(struct drv *d)
{
	struct blk_io io;
	unsigned n = 0;
	d->bg_pending = false;
	while (sanitize_bg_next(d->lu, &io)) {
		if (d->bg_stop_after && n == d->bg_stop_after)
			break;
		n++;
		if (++d->bg_requests == d->bg_fail_at)
			io.res = d->bg_fail_res;
		else
			blk_mem_execute(&io);
		sanitize_bg_done(d->lu, &io);
	}
	return n;
}

int drv_init(struct drv *d, uint64_t size, uint32_t block_size)
{
	memset(d, 0, sizeof(*d));
	if (blk_mem_dev_init(&d->dev, size, block_size) != 0)
		return -ENOMEM;
	blk_mem_queue_init(&d->mq);
	snprintf(d->cfg.name, sizeof(d->cfg.name), "disk0");
	snprintf(d->cfg.target_iqn, sizeof(d->cfg.target_iqn), "iqn.2024-01.org.example:disk0");
	for (unsigned i = 0; i < 16; i++)
		d->cfg.uuid[i] = (uint8_t)(0x10 * (i + 1) + i);
	d->cfg.block_size = block_size;
	d->cfg.write_cache = true;
	d->cfg.thin = true;
	d->cfg.rel_port_id = 1;
	d->cfg.tpgt = 1;
	d->cfg.ctx = d;
	d->cfg.start_bg = drv_start_bg;
	return drv_reopen(d);
}

int drv_reopen(struct drv *d)
{
	if (d->lu) {
		scsi_lu_detach(d->lu, &d->nx);
		scsi_lu_free(d->lu);
	}
	d->dev.block_size = d->cfg.block_size;
	d->lu = scsi_lu_new(&d->cfg, &d->dev);
	if (!d->lu)
		return -ENOMEM;
	snprintf(d->nx.initiator_name, sizeof(d->nx.initiator_name), "iqn.1994-05.com.example:a");
	scsi_lu_attach(d->lu, &d->nx);
	return 0;
}

void drv_fini(struct drv *d)
{
	if (d->lu) {
		scsi_lu_detach(d->lu, &d->nx);
		scsi_lu_free(d->lu);
	}
	blk_mem_dev_fini(&d->dev);
	d->lu = NULL;
}

void drv_result_free(struct drv_result *r)
{
	free(r->data);
	r->data = NULL;
	r->data_len = 0;
}

static void io_done(struct blk_io *io)
{
	(void)io;
}

static void keep_data(struct drv_result *r, const uint8_t *p, uint64_t len)
{
	free(r->data);
	r->data = malloc(len ? (size_t)len : 1);
	if (!r->data)
		abort();
	if (len)
		memcpy(r->data, p, (size_t)len);
	r->data_len = (uint32_t)len;
}

/* Moves a READ / WRITE stream through the memory disk as a transport would. */
static int64_t stream(struct drv *d, struct scsi_task *t, bool write, const uint8_t *dout,
		      size_t dout_len, struct drv_result *r)
{
	struct blk_io io = {.op = write ? BLK_WRITE : BLK_READ,
			    .dev = &d->dev,
			    .off = t->io_off,
			    .flags = t->io_flags};
	uint8_t *buf = calloc(1, t->io_len ? (size_t)t->io_len : 1);
	if (!buf)
		abort();
	if (write)
		memcpy(buf, dout, dout_len < t->io_len ? dout_len : (size_t)t->io_len);
	blk_io_set_buf(&io, buf, t->io_len);
	blk_mem_execute(&io);
	if (!write && io.res >= 0)
		keep_data(r, buf, t->io_len);
	free(buf);
	r->io_off = t->io_off;
	r->io_len = t->io_len;
	if (write) {
		r->write_flags = t->io_flags;
		r->writes++;
		d->mq.fua_writes += (t->io_flags & BLK_F_FUA) != 0;
	} else {
		r->reads++;
	}
	/* Injected faults apply to streams too. */
	if (d->mq.fail_count) {
		d->mq.fail_count--;
		return d->mq.fail_res;
	}
	return io.res;
}

/* A single command in drv_run() can only wait behind a range a test left held; the wake must
 * come before the command is resumed. */
static unsigned drv_wakes;

static void drv_wake(struct scsi_task *t)
{
	(void)t;
	drv_wakes++;
}

static void decode_sense(struct drv_result *r)
{
	const uint8_t *s = r->sense;
	if (r->sense_len >= 14 && (s[0] & 0x7f) == 0x70) {
		r->key = s[2] & 0x0f, r->asc = s[12], r->ascq = s[13];
	} else if (r->sense_len >= 8 && (s[0] & 0x7f) == 0x72) {
		r->key = s[1] & 0x0f, r->asc = s[2], r->ascq = s[3];
	}
}

void drv_run(struct drv *d, struct scsi_lu *lu, struct scsi_nexus *nexus, const uint8_t *cdb,
	     size_t cdb_len, const void *dout, size_t dout_len, struct drv_result *r)
{
	struct scsi_task t;
	uint8_t cdbbuf[32] = {0};
	size_t used = 0;
	memset(r, 0, sizeof(*r));
	memcpy(cdbbuf, cdb, cdb_len < sizeof(cdbbuf) ? cdb_len : sizeof(cdbbuf));
	memset(&t, 0, sizeof(t));
	t.cdb = cdbbuf;
	t.cdb_len = (uint16_t)(cdb_len < 16 ? 16 : cdb_len); /* iSCSI carries at least 16 */
	t.lun = lu ? 0 : 1;
	t.nexus = nexus;
	t.exp_xfer_len = (uint32_t)dout_len;
	t.wake = drv_wake;
	enum scsi_next next = scsi_task_start(lu, &t);
	for (;;) {
		if (++r->steps > DRV_MAX_STEPS)
			abort(); /* a command that never finishes is a bug */
		if (next == SCSI_NEXT_DONE)
			break;
		switch (next) {
		case SCSI_NEXT_DATA_OUT: {
			size_t n = dout_len - used < t.data_len ? dout_len - used : t.data_len;
			memset(t.data, 0, t.data_len);
			if (n)
				memcpy(t.data, (const uint8_t *)dout + used, n);
			used += n;
			r->data_outs++;
			next = scsi_task_resume(lu, &t);
			break;
		}
		case SCSI_NEXT_READ:
		case SCSI_NEXT_WRITE: {
			bool w = next == SCSI_NEXT_WRITE;
			int64_t res = stream(d, &t, w, dout, dout_len, r);
			next = scsi_task_stream_done(lu, &t, res);
			break;
		}
		case SCSI_NEXT_IO:
			t.io.done = io_done;
			t.io.owner = &t;
			blk_submit(&d->mq.q, &t.io);
			blk_mem_run(&d->mq);
			r->ios++;
			next = scsi_task_resume(lu, &t);
			break;
		case SCSI_NEXT_WAIT: /* nothing else runs here: a wait that is never woken is a bug
				      */
			if (!drv_wakes && d && d->bg_pending && lu == d->lu)
				drv_run_bg(d); /* a SANITIZE waiting for its job */
			if (!drv_wakes)
				abort();
			drv_wakes--;
			next = scsi_task_resume(lu, &t);
			break;
		default:
			abort();
		}
	}
	r->status = t.status;
	r->sense_len = t.sense_len;
	memcpy(r->sense, t.sense, sizeof(r->sense));
	decode_sense(r);
	if (t.data_len)
		keep_data(r, t.data, t.data_len);
	scsi_task_fini(&t);
	if (d && d->bg_pending && !d->bg_manual && d->lu)
		drv_run_bg(d);
}

void drv_cmd(struct drv *d, const uint8_t *cdb, size_t cdb_len, const void *dout, size_t dout_len,
	     struct drv_result *r)
{
	drv_run(d, d->lu, &d->nx, cdb, cdb_len, dout, dout_len, r);
}

void drv_clear_ua(struct drv *d)
{
	static const uint8_t tur[6] = {0};
	struct drv_result r;
	for (int i = 0; i < 32; i++) {
		drv_cmd(d, tur, 6, NULL, 0, &r);
		drv_result_free(&r);
		if (r.status == SCSI_GOOD)
			return;
	}
}

bool drv_field_pointer(const struct drv_result *r, bool *cd, int *bit, unsigned *field)
{
	const uint8_t *sks = NULL;
	if ((r->sense[0] & 0x7f) == 0x70) {
		sks = r->sense + 15;
	} else {
		for (unsigned off = 8; off + 1 < r->sense_len; off += 2u + r->sense[off + 1])
			if (r->sense[off] == 0x02)
				sks = r->sense + off + 4;
	}
	if (!sks || !(sks[0] & 0x80))
		return false;
	*cd = sks[0] & 0x40;
	*bit = (sks[0] & 0x08) ? sks[0] & 7 : -1;
	*field = get_be16(sks + 1);
	return true;
}

bool drv_information(const struct drv_result *r, uint64_t *info)
{
	if ((r->sense[0] & 0x7f) == 0x70) {
		*info = get_be32(r->sense + 3);
		return r->sense[0] & 0x80;
	}
	for (unsigned off = 8; off + 1 < r->sense_len; off += 2u + r->sense[off + 1]) {
		if (r->sense[off] == 0x00 && (r->sense[off + 2] & 0x80)) {
			*info = get_be64(r->sense + off + 4);
			return true;
		}
	}
	return false;
}
