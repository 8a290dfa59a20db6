/* test_scsi_cdb.c: sense constructors and encoders; the CDB table: every reserved bit of every
 * command refused with the right field pointer, CONTROL byte, unknown opcodes, LUN not
 * supported. */
#include <errno.h>
#include <stdlib.h>

#include "common/wire.h"
#include "target/scsi/cdb.h"
#include "target/scsi/sense.h"
#include "test/unit/check.h"
#include "scsi_driver.h"

static const struct {
	const char *name;
	struct sense (*make)(void);
	uint8_t key, asc, ascq;
} sense_cases[] = {
    {"no sense", sense_no_sense, 0x0, 0x00, 0x00},
    {"invalid opcode", sense_invalid_opcode, 0x5, 0x20, 0x00},
    {"param list length", sense_param_list_length_error, 0x5, 0x1a, 0x00},
    {"lba out of range", sense_lba_out_of_range, 0x5, 0x21, 0x00},
    {"lun not supported", sense_lun_not_supported, 0x5, 0x25, 0x00},
    {"saving params", sense_saving_params_unsupported, 0x5, 0x39, 0x00},
    {"write protected", sense_write_protected, 0x7, 0x27, 0x00},
    {"space alloc failed", sense_space_alloc_failed, 0x7, 0x27, 0x07},
    {"internal failure", sense_internal_target_failure, 0x4, 0x44, 0x00},
    {"aborted", sense_aborted_command, 0xb, 0x00, 0x00},
    {"ua power on", sense_ua_power_on, 0x6, 0x29, 0x00},
    {"ua bus device reset", sense_ua_bus_device_reset, 0x6, 0x29, 0x03},
    {"ua mode params", sense_ua_mode_params_changed, 0x6, 0x2a, 0x01},
    {"ua res preempted", sense_ua_reservations_preempted, 0x6, 0x2a, 0x03},
    {"ua res released", sense_ua_reservations_released, 0x6, 0x2a, 0x04},
    {"ua reg preempted", sense_ua_registrations_preempted, 0x6, 0x2a, 0x05},
    {"ua capacity", sense_ua_capacity_changed, 0x6, 0x2a, 0x09},
    {"ua soft threshold", sense_ua_soft_threshold, 0x6, 0x38, 0x07},
    {"ua luns changed", sense_ua_reported_luns_changed, 0x6, 0x3f, 0x0e},
};

static void test_sense_constructors(void)
{
	for (size_t i = 0; i < sizeof(sense_cases) / sizeof(sense_cases[0]); i++) {
		struct sense s = sense_cases[i].make();
		uint8_t f[SENSE_DESC_MAX], d[SENSE_DESC_MAX];
		CHECK_EQ(sense_encode(&s, false, f), 18);
		CHECK_EQ(f[0], 0x70);
		CHECK_EQ(f[2], sense_cases[i].key);
		CHECK_EQ(f[7], 10);
		CHECK_EQ(f[12], sense_cases[i].asc);
		CHECK_EQ(f[13], sense_cases[i].ascq);
		CHECK_EQ(f[15], 0); /* no SKSV */
		CHECK_EQ(sense_encode(&s, true, d), 8);
		CHECK_EQ(d[0], 0x72);
		CHECK_EQ(d[1], sense_cases[i].key);
		CHECK_EQ(d[2], sense_cases[i].asc);
		CHECK_EQ(d[3], sense_cases[i].ascq);
		CHECK_EQ(d[7], 0);
	}
}

/* A failed backend request: remote storage out of reach or too slow is ABORTED COMMAND (retried
 * by initiators), not a medium error. */
static void test_sense_io_error(void)
{
	static const struct {
		bool write;
		int64_t res;
		uint8_t key, asc, ascq;
	} cases[] = {
	    {true, -ETIMEDOUT, 0xb, 0x08, 0x01}, {false, -ETIMEDOUT, 0xb, 0x08, 0x01},
	    {true, -ENOTCONN, 0xb, 0x08, 0x00},	 {false, -ENOTCONN, 0xb, 0x08, 0x00},
	    {true, -EIO, 0x3, 0x0c, 0x00},	 {false, -EIO, 0x3, 0x11, 0x00},
	    {true, -EROFS, 0x7, 0x27, 0x00},	 {true, -ECANCELED, 0xb, 0x00, 0x00},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sense s = sense_io_error(cases[i].write, cases[i].res, 7);
		CHECK_EQ(s.key, cases[i].key);
		CHECK_EQ(s.asc, cases[i].asc);
		CHECK_EQ(s.ascq, cases[i].ascq);
	}
}

static void test_sense_field_pointers(void)
{
	uint8_t f[SENSE_DESC_MAX], d[SENSE_DESC_MAX];
	struct sense s = sense_invalid_field_in_cdb(9, 3);
	CHECK_EQ(sense_encode(&s, false, f), 18);
	CHECK_EQ(f[2], 0x05);
	CHECK_EQ(f[12], 0x24);
	CHECK_EQ(f[15], 0x80 | 0x40 | 0x08 | 3); /* SKSV, C/D, BPV, bit 3 */
	CHECK_EQ(get_be16(f + 16), 9);
	s = sense_invalid_field_in_param_list(300, -1);
	CHECK_EQ(sense_encode(&s, false, f), 18);
	CHECK_EQ(f[12], 0x26);
	CHECK_EQ(f[15], 0x80); /* SKSV only: parameter list, no bit pointer */
	CHECK_EQ(get_be16(f + 16), 300);
	CHECK_EQ(sense_encode(&s, true, d), 16);
	CHECK_EQ(d[7], 8);
	CHECK_EQ(d[8], 0x02);
	CHECK_EQ(d[9], 0x06);
	CHECK_EQ(d[12], 0x80);
	CHECK_EQ(get_be16(d + 13), 300);
}

static void test_sense_information(void)
{
	uint8_t f[SENSE_DESC_MAX], d[SENSE_DESC_MAX];
	struct sense s = sense_medium_error_read(0x12345678);
	CHECK_EQ(sense_encode(&s, false, f), 18);
	CHECK_EQ(f[0], 0xf0); /* VALID */
	CHECK_EQ(f[2], 0x03);
	CHECK_EQ(get_be32(f + 3), 0x12345678);
	CHECK_EQ(f[12], 0x11);
	s = sense_write_error(0x100000000ull); /* does not fit: VALID = 0 */
	CHECK_EQ(sense_encode(&s, false, f), 18);
	CHECK_EQ(f[0], 0x70);
	CHECK_EQ(f[12], 0x0c);
	CHECK_EQ(sense_encode(&s, true, d), 20);
	CHECK_EQ(d[7], 12);
	CHECK_EQ(d[8], 0x00);
	CHECK_EQ(d[9], 0x0a);
	CHECK_EQ(d[10], 0x80);
	CHECK_EQ(get_be64(d + 12), 0x100000000ull);
	s = sense_miscompare(77);
	CHECK_EQ(sense_encode(&s, false, f), 18);
	CHECK_EQ(f[2], 0x0e);
	CHECK_EQ(f[12], 0x1d);
	CHECK_EQ(get_be32(f + 3), 77);
}

static uint8_t allowed_bits(const struct scsi_cmd *c, unsigned i)
{
	uint8_t a = c->usage[i];
	if (i == 1 && (c->flags & CDB_F_SA))
		a |= 0x1f;
	if (i == c->cdb_len - 1u)
		a |= 0xc0;
	return a;
}

/* Every bit outside the usage map of every command: INVALID FIELD IN CDB, C/D=1, BPV, the byte
 * and the bit. */
static void test_reserved_bits(void)
{
	const struct scsi_cmd *cmds[128];
	size_t n = cdb_list(cmds, 128);
	struct drv d;
	unsigned tried = 0;
	CHECK(n >= 28 && n < 128);
	CHECK_EQ(drv_init(&d, 1 << 20, 512), 0);
	for (size_t k = 0; k < n; k++) {
		const struct scsi_cmd *c = cmds[k];
		CHECK(c->cdb_len == 6 || c->cdb_len == 10 || c->cdb_len == 12 || c->cdb_len == 16);
		CHECK(c->start != NULL);
		for (unsigned i = 1; i < c->cdb_len; i++) {
			for (int b = 0; b < 8; b++) {
				if (allowed_bits(c, i) & (1u << b))
					continue;
				uint8_t cdb[16] = {c->opcode};
				struct drv_result r;
				bool cd = false;
				int bit = -9;
				unsigned field = 999;
				if (c->flags & CDB_F_SA)
					cdb[1] = c->sa;
				cdb[i] |= (uint8_t)(1u << b);
				drv_run(&d, d.lu, NULL, cdb, c->cdb_len, NULL, 0, &r);
				tried++;
				CHECK_EQ(r.status, SCSI_CHECK_CONDITION);
				CHECK_EQ(r.key, 0x05);
				CHECK_EQ(r.asc, 0x24);
				CHECK(drv_field_pointer(&r, &cd, &bit, &field));
				CHECK(cd);
				CHECK_EQ(bit, b);
				CHECK_EQ(field, i);
				if (r.asc != 0x24 || field != i || bit != b)
					fprintf(stderr, "  %s byte %u bit %d\n", c->name, i, b);
				drv_result_free(&r);
			}
		}
	}
	CHECK(tried > 300);
	drv_fini(&d);
}

static void test_control_byte(void)
{
	struct drv d;
	struct drv_result r;
	bool cd;
	int bit;
	unsigned field;
	CHECK_EQ(drv_init(&d, 1 << 20, 512), 0);
	static const uint8_t naca[6] = {0x00, 0, 0, 0, 0, 0x04},
			     link[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x01};
	static const uint8_t vendor[6] = {0x00, 0, 0, 0, 0, 0xc0};
	drv_run(&d, d.lu, NULL, naca, 6, NULL, 0, &r);
	CHECK_EQ(r.asc, 0x24);
	CHECK(drv_field_pointer(&r, &cd, &bit, &field) && field == 5 && bit == 2);
	drv_result_free(&r);
	drv_run(&d, d.lu, NULL, link, 10, NULL, 0, &r);
	CHECK_EQ(r.asc, 0x24);
	CHECK(drv_field_pointer(&r, &cd, &bit, &field) && field == 9 && bit == 0);
	drv_result_free(&r);
	drv_run(&d, d.lu, NULL, vendor, 6, NULL, 0, &r);
	CHECK_EQ(r.status, SCSI_GOOD); /* vendor specific bits are not ours to refuse */
	drv_result_free(&r);
	drv_fini(&d);
}

static void test_unknown_opcodes(void)
{
	struct drv d;
	CHECK_EQ(drv_init(&d, 1 << 20, 512), 0);
	unsigned unknown = 0;
	for (unsigned op = 0; op < 256; op++) {
		uint8_t cdb[16] = {(uint8_t)op};
		struct drv_result r;
		bool known = cdb_find((uint8_t)op, 0) || cdb_opcode_has_sa((uint8_t)op);
		if (known)
			continue;
		drv_run(&d, d.lu, NULL, cdb, 16, NULL, 0, &r);
		CHECK_EQ(r.status, SCSI_CHECK_CONDITION);
		CHECK_EQ(r.key, 0x05);
		CHECK_EQ(r.asc, 0x20);
		drv_result_free(&r);
		unknown++;
	}
	CHECK(unknown > 200);
	/* a service action we do not have: INVALID FIELD IN CDB at the service action (SPC-4) */
	uint8_t sa[16] = {0x9e, 0x1f};
	struct drv_result r;
	drv_run(&d, d.lu, NULL, sa, 16, NULL, 0, &r);
	CHECK_EQ(r.asc, 0x24);
	drv_result_free(&r);
	drv_fini(&d);
}

static void test_no_such_lun(void)
{
	struct drv d;
	struct drv_result r;
	CHECK_EQ(drv_init(&d, 1 << 20, 512), 0);
	static const uint8_t tur[6] = {0}, read10[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	static const uint8_t inq[6] = {0x12, 0, 0, 0, 96, 0}, vpd[6] = {0x12, 1, 0x80, 0, 96, 0};
	static const uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0};
	static const uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	drv_run(&d, NULL, NULL, tur, 6, NULL, 0, &r);
	CHECK_EQ(r.status, SCSI_CHECK_CONDITION);
	CHECK_EQ(r.asc, 0x25);
	drv_result_free(&r);
	drv_run(&d, NULL, NULL, read10, 10, NULL, 0, &r);
	CHECK_EQ(r.asc, 0x25);
	drv_result_free(&r);
	drv_run(&d, NULL, NULL, inq, 6, NULL, 0, &r);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK(r.data_len >= 36 && r.data[0] == 0x7f);
	drv_result_free(&r);
	drv_run(&d, NULL, NULL, vpd, 6, NULL, 0, &r);
	CHECK_EQ(r.asc, 0x25);
	drv_result_free(&r);
	drv_run(&d, NULL, NULL, rl, 12, NULL, 0, &r);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 16);
	drv_result_free(&r);
	drv_run(&d, NULL, NULL, rs, 6, NULL, 0, &r);
	CHECK_EQ(r.status, SCSI_GOOD);
	CHECK_EQ(r.data_len, 18);
	CHECK(r.data[2] == 0x05 && r.data[12] == 0x25);
	drv_result_free(&r);
	drv_fini(&d);
}

/* The reservation class flags (SPC-4 5.9.1 table of commands allowed in the presence of
 * reservations, SBC-4 4.17): a command that writes the medium is never allowed, one allowed
 * under Exclusive Access is allowed under Write Exclusive too, and some classes by name. */
static void test_reservation_flags(void)
{
	static const struct {
		uint8_t opcode, sa;
		uint32_t flags; /* of CDB_F_PR_WE, CDB_F_PR_EA, CDB_F_SPC2_OK */
	} cases[] = {
	    {0x00, 0, CDB_F_PR_WE | CDB_F_PR_EA},		  /* TEST UNIT READY */
	    {0x03, 0, CDB_F_PR_WE | CDB_F_PR_EA | CDB_F_SPC2_OK}, /* REQUEST SENSE */
	    {0x12, 0, CDB_F_PR_WE | CDB_F_PR_EA | CDB_F_SPC2_OK}, /* INQUIRY */
	    {0x28, 0, CDB_F_PR_WE},				  /* READ(10) */
	    {0x2a, 0, 0},					  /* WRITE(10) */
	    {0x15, 0, 0},					  /* MODE SELECT(6) */
	    {0x1a, 0, CDB_F_PR_WE},				  /* MODE SENSE(6) */
	    {0x17, 0, CDB_F_SPC2_OK},				  /* RELEASE(6) */
	    {0x56, 0, 0},					  /* RESERVE(10) */
	    {0x5e, 0, CDB_F_PR_WE | CDB_F_PR_EA},		  /* PERSISTENT RESERVE IN */
	    {0x5f, 0, CDB_F_PR_WE | CDB_F_PR_EA},		  /* PERSISTENT RESERVE OUT */
	    {0x83, 0, 0},					  /* EXTENDED COPY */
	    {0x84, 0, 0},					  /* RECEIVE COPY RESULTS */
	    {0x9e, 0x10, CDB_F_PR_WE | CDB_F_PR_EA},		  /* READ CAPACITY(16) */
	    {0x9e, 0x12, CDB_F_PR_WE},				  /* GET LBA STATUS */
	    {0xa0, 0, CDB_F_PR_WE | CDB_F_PR_EA | CDB_F_SPC2_OK}, /* REPORT LUNS */
	    {0x48, 0x01, 0},					  /* SANITIZE(OVERWRITE) */
	};
	const uint32_t pr = CDB_F_PR_WE | CDB_F_PR_EA | CDB_F_SPC2_OK;
	const struct scsi_cmd *cmds[128];
	size_t n = cdb_list(cmds, 128);
	for (size_t k = 0; k < n && k < 128; k++) {
		uint32_t f = cmds[k]->flags;
		CHECK(!(f & CDB_F_WRITES) || !(f & (CDB_F_PR_WE | CDB_F_PR_EA)));
		CHECK(!(f & CDB_F_PR_EA) || (f & CDB_F_PR_WE));
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scsi_cmd *c = cdb_find(cases[i].opcode, cases[i].sa);
		CHECK(c != NULL);
		if (c)
			CHECK_EQ(c->flags & pr, cases[i].flags);
	}
}

int main(void)
{
	test_sense_constructors();
	test_sense_io_error();
	test_sense_field_pointers();
	test_sense_information();
	test_reserved_bits();
	test_reservation_flags();
	test_control_byte();
	test_unknown_opcodes();
	test_no_such_lun();
	return CHECK_SUMMARY();
}
