/* pr.h: persistent reservation state of one LU (SPC-4 5.9) and its APTPL serialization. The
 * state is plain data guarded by lu->lock; the parser and serializer are pure functions. */
#ifndef RINGSAN_SCSI_PR_H
#define RINGSAN_SCSI_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PR_MAX_REGS 32	/* registrations per LU; one more is INSUFFICIENT REGISTRATION RESOURCES */
#define PR_PORT_MAX 256 /* "NAME,i,0xISID" with its NUL */

/* SPC-4 6.16.3 persistent reservation types */
enum pr_type {
	PR_NONE = 0,
	PR_WE = 1,   /* write exclusive */
	PR_EA = 3,   /* exclusive access */
	PR_WERO = 5, /* write exclusive, registrants only */
	PR_EARO = 6, /* exclusive access, registrants only */
	PR_WEAR = 7, /* write exclusive, all registrants */
	PR_EAAR = 8, /* exclusive access, all registrants */
};

struct pr_reg {
	uint64_t key;
	bool all_tg_pt;
	char port[PR_PORT_MAX]; /* the I_T nexus: initiator port name (one target port) */
};

struct pr_state {
	uint32_t generation;
	bool aptpl;
	uint8_t type; /* enum pr_type; PR_NONE: no reservation */
	int holder;   /* index into regs of the holder (single-holder types), else -1 */
	unsigned nregs;
	struct pr_reg regs[PR_MAX_REGS];
};

/* Serialized form: "RPR1", flags (bit 0 APTPL), type, holder (0xff none), generation (be32),
 * count (be16), then per registration: key (be64), flags (bit 0 ALL_TG_PT), port length, port. */
#define PR_SAVE_MAX (14u + PR_MAX_REGS * (10u + PR_PORT_MAX))

/* Writes st into buf (at least PR_SAVE_MAX bytes); returns the length. */
size_t pr_serialize(const struct pr_state *st, uint8_t *buf);
/* Parses a buffer written by pr_serialize into *st. 0, or -EINVAL for anything malformed (st is
 * then empty). */
int pr_parse(struct pr_state *st, const uint8_t *buf, size_t len);

#endif
