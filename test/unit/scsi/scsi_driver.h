/* scsi_driver.h: a test transport for the SCSI layer. It plays the iSCSI side of scsi.h against
 * an in-memory LU: feeds Data-Out, streams READ / WRITE ranges through blk_mem, submits
 * SCSI_NEXT_IO requests to a blk_mem queue, and collects status, sense and Data-In. Shared by the
 * unit tests and the fuzz target. */
#ifndef RINGSAN_TEST_SCSI_DRIVER_H
#define RINGSAN_TEST_SCSI_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/block/blk_mem.h"
#include "target/scsi/scsi.h"

struct drv {
	struct blk_dev dev;
	struct blk_mem_queue mq;
	struct scsi_lu_config cfg;
	struct scsi_lu *lu;
	struct scsi_nexus nx; /* attached: its first command sees POWER ON */
	/* The LU's background job (cfg.start_bg = the driver's, cfg.ctx = d): a started job runs
	 * synchronously when a command waits for it, else right after the command that started
	 * it, unless bg_manual is set: then only on drv_run_bg(). */
	bool bg_pending, bg_manual;
	unsigned bg_starts, bg_requests;
	unsigned bg_fail_at; /* 1-based request number to fail with bg_fail_res; 0: none */
	int64_t bg_fail_res;
	unsigned bg_stop_after; /* run at most this many requests, then stop (a shutdown); 0: all */
};

struct drv_result {
	uint8_t status;
	uint8_t sense[SCSI_SENSE_MAX];
	uint8_t sense_len;
	uint8_t key, asc, ascq; /* decoded from either sense format */
	uint8_t *data;		/* Data-In: the DONE buffer or the streamed READ bytes (malloc) */
	uint32_t data_len;
	unsigned steps; /* dispositions seen */
	unsigned reads, writes, ios, data_outs;
	uint32_t write_flags;	 /* io_flags of the last SCSI_NEXT_WRITE */
	uint64_t io_off, io_len; /* of the last READ / WRITE stream */
};

/* A thin, write-back, 512-byte-block LU of `size` bytes named "disk0" (cfg may be edited and
 * drv_reopen() called). Returns 0 or -ENOMEM. */
int drv_init(struct drv *d, uint64_t size, uint32_t block_size);
/* Recreates the LU from d->cfg (after changing it); the nexus is attached again. */
int drv_reopen(struct drv *d);
void drv_fini(struct drv *d);
/* Runs the LU's started background job (requests on the memory disk) until it ends or
 * bg_stop_after requests have run. Returns the number of requests run. */
unsigned drv_run_bg(struct drv *d);

/* Clears the nexus's pending unit attentions by running TEST UNIT READY until GOOD. */
void drv_clear_ua(struct drv *d);

/* Runs one command to completion. lu may be d->lu or NULL (a LUN that does not exist); nexus
 * NULL runs without unit attentions. Data-Out comes from dout (zeroes past dout_len). */
void drv_run(struct drv *d, struct scsi_lu *lu, struct scsi_nexus *nexus, const uint8_t *cdb,
	     size_t cdb_len, const void *dout, size_t dout_len, struct drv_result *r);
/* Shorthand: on d->lu through d->nx. */
void drv_cmd(struct drv *d, const uint8_t *cdb, size_t cdb_len, const void *dout, size_t dout_len,
	     struct drv_result *r);
void drv_result_free(struct drv_result *r);

/* SENSE KEY SPECIFIC field pointer of r's sense (either format): false when SKSV is 0. */
bool drv_field_pointer(const struct drv_result *r, bool *cd, int *bit, unsigned *field);
/* INFORMATION of r's sense; false when not valid. */
bool drv_information(const struct drv_result *r, uint64_t *info);

/* CHECKs on a result (drv_expect.c, linked into the unit tests only): CHECK CONDITION with this
 * sense key/ASC/ASCQ; the SENSE-KEY SPECIFIC field pointer names CDB (or parameter list) byte
 * `field`, bit `bit` (-1: no bit pointer). */
void drv_expect_sense(const struct drv_result *r, uint8_t key, uint8_t asc, uint8_t ascq);
void drv_expect_field(const struct drv_result *r, unsigned field, int bit);
#ifndef DRV_EXPECT_IMPL /* failures name the calling test's line too (check.h) */
#define drv_expect_sense(...) CHECK_CALLED(drv_expect_sense(__VA_ARGS__))
#define drv_expect_field(...) CHECK_CALLED(drv_expect_field(__VA_ARGS__))
#endif

#endif
