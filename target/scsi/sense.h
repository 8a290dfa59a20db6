/* sense.h: SCSI sense data (SPC-5 4.4) from named constructors. A struct sense is the decoded
 * form; sense_encode() writes it as fixed format (response code 70h, SPC-5 4.4.3) or descriptor
 * format (72h, SPC-5 4.4.2), chosen by the control mode page's D_SENSE bit or REQUEST SENSE's
 * DESC bit. */
#ifndef RINGSAN_SCSI_SENSE_H
#define RINGSAN_SCSI_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sense_key {
	SENSE_NO_SENSE = 0x0,
	SENSE_RECOVERED_ERROR = 0x1,
	SENSE_NOT_READY = 0x2,
	SENSE_MEDIUM_ERROR = 0x3,
	SENSE_HARDWARE_ERROR = 0x4,
	SENSE_ILLEGAL_REQUEST = 0x5,
	SENSE_UNIT_ATTENTION = 0x6,
	SENSE_DATA_PROTECT = 0x7,
	SENSE_COPY_ABORTED = 0xA,
	SENSE_ABORTED_COMMAND = 0xB,
	SENSE_MISCOMPARE = 0xE,
};

struct sense {
	uint8_t key, asc, ascq;
	bool info_valid;
	uint64_t info; /* INFORMATION: an LBA, or a byte offset for MISCOMPARE */
	/* SENSE KEY SPECIFIC (SPC-5 4.4.2.3): the field pointer of an ILLEGAL REQUEST. */
	bool sks_valid;
	bool sks_cdb;	    /* C/D: 1 = the error is in the CDB, 0 = in the parameter list */
	int8_t sks_bit;	    /* bit pointer 0..7, or -1 when BPV = 0 */
	uint16_t sks_field; /* byte of the CDB / parameter list */
	/* SENSE KEY SPECIFIC as a progress indication (SPC-5 4.4.2.3.3) instead: NOT READY while
	 * a long operation runs; progress is the fraction done, in 65536ths. */
	bool sks_progress;
	uint16_t progress;
};

/* Largest encoding: 18 bytes fixed; 8 + 12 + 8 descriptor. */
#define SENSE_FIXED_LEN 18
#define SENSE_DESC_MAX	28

/* Writes s into out (at least SENSE_DESC_MAX bytes); returns the length. */
size_t sense_encode(const struct sense *s, bool descriptor, uint8_t *out);

struct sense sense_no_sense(void);
/* 05/20/00 INVALID COMMAND OPERATION CODE */
struct sense sense_invalid_opcode(void);
/* 05/24/00 INVALID FIELD IN CDB, pointing at CDB byte `byte`, bit `bit` (-1: whole byte). */
struct sense sense_invalid_field_in_cdb(unsigned byte, int bit);
/* 05/26/00 INVALID FIELD IN PARAMETER LIST, pointing into the Data-Out parameter list. */
struct sense sense_invalid_field_in_param_list(unsigned byte, int bit);
/* 05/1A/00 PARAMETER LIST LENGTH ERROR */
struct sense sense_param_list_length_error(void);
/* 05/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE */
struct sense sense_lba_out_of_range(void);
/* 05/25/00 LOGICAL UNIT NOT SUPPORTED */
struct sense sense_lun_not_supported(void);
/* 05/39/00 SAVING PARAMETERS NOT SUPPORTED */
struct sense sense_saving_params_unsupported(void);
/* 07/27/00 WRITE PROTECTED */
struct sense sense_write_protected(void);
/* 07/27/02 LOGICAL UNIT SOFTWARE WRITE PROTECTED (control mode page SWP, SPC-4 7.5.8) */
struct sense sense_sw_write_protected(void);
/* 07/27/07 SPACE ALLOCATION FAILED WRITE PROTECT (SBC-4 4.7.3.7) */
struct sense sense_space_alloc_failed(void);
/* 03/11/00 UNRECOVERED READ ERROR, INFORMATION = the first LBA of the failed request */
struct sense sense_medium_error_read(uint64_t lba);
/* 03/0C/00 WRITE ERROR, INFORMATION = the first LBA of the failed request */
struct sense sense_write_error(uint64_t lba);
/* The sense for a failed backend request (-errno res) that read (write false) or wrote at
 * lba. */
struct sense sense_io_error(bool write, int64_t res, uint64_t lba);
/* 0E/1D/00 MISCOMPARE DURING VERIFY OPERATION, INFORMATION = byte offset (SBC-4 5.32) */
struct sense sense_miscompare(uint64_t offset);
/* 05/26/04 INVALID RELEASE OF PERSISTENT RESERVATION (SPC-4 5.9.11.2) */
struct sense sense_invalid_release(void);
/* 05/55/04 INSUFFICIENT REGISTRATION RESOURCES (SPC-4 5.9.7) */
struct sense sense_insufficient_registration(void);
/* 04/44/00 INTERNAL TARGET FAILURE */
struct sense sense_internal_target_failure(void);
/* 02/04/1B LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS, with a progress indication */
struct sense sense_sanitize_in_progress(uint16_t progress);
/* 03/31/03 SANITIZE COMMAND FAILED (SBC-4 4.11.3) */
struct sense sense_sanitize_failed(void);
/* 05/00/16 OPERATION IN PROGRESS (an EXTENDED COPY list identifier in use, SPC-4 6.4.3) */
struct sense sense_operation_in_progress(void);
/* EXTENDED COPY parameter list errors (SPC-4 6.4.3): 05/26/06 TOO MANY TARGET DESCRIPTORS,
 * 05/26/08 TOO MANY SEGMENT DESCRIPTORS, 05/26/07 UNSUPPORTED TARGET DESCRIPTOR TYPE CODE,
 * 05/26/09 UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE. */
struct sense sense_too_many_target_descriptors(void);
struct sense sense_too_many_segment_descriptors(void);
struct sense sense_unsupported_target_descriptor(void);
struct sense sense_unsupported_segment_descriptor(void);
/* COPY ABORTED (SPC-4 6.4.3.x, errors while processing segments): 0A/0D/02 COPY TARGET DEVICE
 * NOT REACHABLE; 0A/00/00 with no more to say (a segment beyond a copy target's capacity);
 * 0A/26/0A UNEXPECTED INEXACT SEGMENT; and the sense of a failed backend request, s, re-keyed
 * as COPY ABORTED. */
struct sense sense_copy_target_unreachable(void);
struct sense sense_copy_aborted(void);
struct sense sense_copy_inexact_segment(void);
struct sense sense_copy_aborted_by(struct sense s);
/* 0B/00/00 ABORTED COMMAND, no additional sense */
struct sense sense_aborted_command(void);

/* Unit attentions (SPC-5 5.14 and its table of additional sense codes). */
struct sense sense_ua_power_on(void);		     /* 29/00 */
struct sense sense_ua_bus_device_reset(void);	     /* 29/03 */
struct sense sense_ua_mode_params_changed(void);     /* 2A/01 */
struct sense sense_ua_reservations_preempted(void);  /* 2A/03 */
struct sense sense_ua_reservations_released(void);   /* 2A/04 */
struct sense sense_ua_registrations_preempted(void); /* 2A/05 */
struct sense sense_ua_capacity_changed(void);	     /* 2A/09 */
struct sense sense_ua_soft_threshold(void);	     /* 38/07 */
struct sense sense_ua_reported_luns_changed(void);   /* 3F/0E */

#endif
