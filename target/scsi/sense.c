/* sense.c: sense data constructors and the fixed / descriptor encoders (SPC-5 4.4). */
#include "target/scsi/sense.h"

#include <errno.h>
#include <string.h>

#include "common/wire.h"

/* SENSE KEY SPECIFIC bytes for a field pointer (SPC-5 4.4.2.3, table "Field pointer"). */
static void encode_sks(const struct sense *s, uint8_t out[3])
{
	if (s->sks_progress) {
		out[0] = 0x80;
		put_be16(out + 1, s->progress);
		return;
	}
	out[0] = 0x80 | (s->sks_cdb ? 0x40 : 0);
	if (s->sks_bit >= 0)
		out[0] |= 0x08 | (uint8_t)(s->sks_bit & 7);
	put_be16(out + 1, s->sks_field);
}

static size_t encode_fixed(const struct sense *s, uint8_t *out)
{
	memset(out, 0, SENSE_FIXED_LEN);
	out[0] = 0x70;
	/* INFORMATION is 4 bytes here: VALID only when the value fits (SPC-5 4.4.3). */
	if (s->info_valid && s->info <= UINT32_MAX) {
		out[0] |= 0x80;
		put_be32(out + 3, (uint32_t)s->info);
	}
	out[2] = s->key & 0x0f;
	out[7] = SENSE_FIXED_LEN - 8;
	out[12] = s->asc;
	out[13] = s->ascq;
	if (s->sks_valid || s->sks_progress)
		encode_sks(s, out + 15);
	return SENSE_FIXED_LEN;
}

static size_t encode_descriptor(const struct sense *s, uint8_t *out)
{
	size_t len = 8;
	memset(out, 0, SENSE_DESC_MAX);
	out[0] = 0x72;
	out[1] = s->key & 0x0f;
	out[2] = s->asc;
	out[3] = s->ascq;
	if (s->info_valid) { /* information descriptor, SPC-5 4.4.2.2 */
		out[len] = 0x00;
		out[len + 1] = 0x0a;
		out[len + 2] = 0x80;
		put_be64(out + len + 4, s->info);
		len += 12;
	}
	if (s->sks_valid || s->sks_progress) { /* sense key specific descriptor, SPC-5 4.4.2.3 */
		out[len] = 0x02;
		out[len + 1] = 0x06;
		encode_sks(s, out + len + 4);
		len += 8;
	}
	out[7] = (uint8_t)(len - 8);
	return len;
}

size_t sense_encode(const struct sense *s, bool descriptor, uint8_t *out)
{
	return descriptor ? encode_descriptor(s, out) : encode_fixed(s, out);
}

static struct sense make(uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct sense s = {.key = key, .asc = asc, .ascq = ascq, .sks_bit = -1};
	return s;
}

static struct sense make_info(uint8_t key, uint8_t asc, uint8_t ascq, uint64_t info)
{
	struct sense s = make(key, asc, ascq);
	s.info_valid = true;
	s.info = info;
	return s;
}

static struct sense make_field(uint8_t asc, bool cdb, unsigned byte, int bit)
{
	struct sense s = make(SENSE_ILLEGAL_REQUEST, asc, 0x00);
	s.sks_valid = true;
	s.sks_cdb = cdb;
	s.sks_field = (uint16_t)byte;
	s.sks_bit = (int8_t)(bit >= 0 && bit <= 7 ? bit : -1);
	return s;
}

struct sense sense_no_sense(void)
{
	return make(SENSE_NO_SENSE, 0x00, 0x00);
}

struct sense sense_invalid_opcode(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x20, 0x00);
}

struct sense sense_invalid_field_in_cdb(unsigned byte, int bit)
{
	return make_field(0x24, true, byte, bit);
}

struct sense sense_invalid_field_in_param_list(unsigned byte, int bit)
{
	return make_field(0x26, false, byte, bit);
}

struct sense sense_param_list_length_error(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
}

struct sense sense_lba_out_of_range(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
}

struct sense sense_lun_not_supported(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
}

struct sense sense_saving_params_unsupported(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x39, 0x00);
}

struct sense sense_write_protected(void)
{
	return make(SENSE_DATA_PROTECT, 0x27, 0x00);
}

struct sense sense_sw_write_protected(void)
{
	return make(SENSE_DATA_PROTECT, 0x27, 0x02);
}

struct sense sense_space_alloc_failed(void)
{
	return make(SENSE_DATA_PROTECT, 0x27, 0x07);
}

struct sense sense_medium_error_read(uint64_t lba)
{
	return make_info(SENSE_MEDIUM_ERROR, 0x11, 0x00, lba);
}

struct sense sense_write_error(uint64_t lba)
{
	return make_info(SENSE_MEDIUM_ERROR, 0x0c, 0x00, lba);
}

struct sense sense_miscompare(uint64_t offset)
{
	return make_info(SENSE_MISCOMPARE, 0x1d, 0x00, offset);
}

struct sense sense_invalid_release(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x26, 0x04);
}

struct sense sense_insufficient_registration(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x55, 0x04);
}

struct sense sense_internal_target_failure(void)
{
	return make(SENSE_HARDWARE_ERROR, 0x44, 0x00);
}

struct sense sense_sanitize_in_progress(uint16_t progress)
{
	struct sense s = make(SENSE_NOT_READY, 0x04, 0x1b);
	s.sks_progress = true;
	s.progress = progress;
	return s;
}

struct sense sense_sanitize_failed(void)
{
	return make(SENSE_MEDIUM_ERROR, 0x31, 0x03);
}

struct sense sense_operation_in_progress(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x00, 0x16);
}

struct sense sense_too_many_target_descriptors(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x26, 0x06);
}

struct sense sense_too_many_segment_descriptors(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x26, 0x08);
}

struct sense sense_unsupported_target_descriptor(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x26, 0x07);
}

struct sense sense_unsupported_segment_descriptor(void)
{
	return make(SENSE_ILLEGAL_REQUEST, 0x26, 0x09);
}

struct sense sense_copy_target_unreachable(void)
{
	return make(SENSE_COPY_ABORTED, 0x0d, 0x02);
}

struct sense sense_copy_aborted(void)
{
	return make(SENSE_COPY_ABORTED, 0x00, 0x00);
}

struct sense sense_copy_inexact_segment(void)
{
	return make(SENSE_COPY_ABORTED, 0x26, 0x0a);
}

struct sense sense_copy_aborted_by(struct sense s)
{
	s.key = SENSE_COPY_ABORTED;
	return s;
}

struct sense sense_aborted_command(void)
{
	return make(SENSE_ABORTED_COMMAND, 0x00, 0x00);
}

struct sense sense_ua_power_on(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x29, 0x00);
}

struct sense sense_ua_bus_device_reset(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x29, 0x03);
}

struct sense sense_ua_mode_params_changed(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x2a, 0x01);
}

struct sense sense_ua_reservations_preempted(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x2a, 0x03);
}

struct sense sense_ua_reservations_released(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x2a, 0x04);
}

struct sense sense_ua_registrations_preempted(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x2a, 0x05);
}

struct sense sense_ua_capacity_changed(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x2a, 0x09);
}

struct sense sense_ua_soft_threshold(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x38, 0x07);
}

struct sense sense_ua_reported_luns_changed(void)
{
	return make(SENSE_UNIT_ATTENTION, 0x3f, 0x0e);
}

/* SBC-4 4.18 / 4.7.3.7: how a failed transfer reads to the initiator. A LUN on remote storage
 * that times out or is out of reach answers ABORTED COMMAND (LOGICAL UNIT COMMUNICATION
 * TIME-OUT / FAILURE): the medium is fine and a retry may succeed, so initiators retry it
 * (Linux's SCSI midlayer does, up to its retry count), where a MEDIUM ERROR would fail the I/O
 * at once and NOT READY with these codes is not retried. */
struct sense sense_io_error(bool write, int64_t res, uint64_t lba)
{
	switch (-res) {
	case ENOSPC:
	case EDQUOT:
		return write ? sense_space_alloc_failed() : sense_medium_error_read(lba);
	case ECANCELED:
		return sense_aborted_command();
	case ETIMEDOUT: /* the LUN's storage did not answer in time (SPC-5 D.2: 08h/01h) */
		return make(SENSE_ABORTED_COMMAND, 0x08, 0x01);
	case ENOTCONN: /* the LUN's storage is out of reach (08h/00h) */
		return make(SENSE_ABORTED_COMMAND, 0x08, 0x00);
	case EROFS:
		return write ? sense_write_protected() : sense_medium_error_read(lba);
	default:
		return write ? sense_write_error(lba) : sense_medium_error_read(lba);
	}
}
