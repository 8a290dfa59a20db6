/* cdb.h: the CDB table. One declarative entry per command (opcode, or opcode + service action)
 * with its CDB length, a usage map of the bits it accepts per byte, its data direction, flags
 * and handlers. The dispatcher (task.c) checks every CDB against the map before the handler runs;
 * REPORT SUPPORTED OPERATION CODES reports the same maps (SPC-5 6.35). */
#ifndef RINGSAN_SCSI_CDB_H
#define RINGSAN_SCSI_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/scsi/scsi.h"
#include "target/scsi/sense.h"

#define CDB_MAX_LEN 16

enum cdb_dir {
	CDB_DIR_NONE,
	CDB_DIR_IN,  /* Data-In: from the LU to the initiator */
	CDB_DIR_OUT, /* Data-Out: from the initiator to the LU */
};

enum cdb_flag {
	CDB_F_UA_EXEMPT = 1u << 0, /* SPC-5 5.14: INQUIRY, REPORT LUNS, REQUEST SENSE do not
				    * report (or clear) a pending unit attention */
	CDB_F_ANY_LUN = 1u << 1,   /* answered for a LUN that does not exist (lu == NULL) */
	CDB_F_WRITES = 1u << 2,	   /* changes the medium: DATA PROTECT on a read-only LU */
	CDB_F_MEDIUM = 1u << 3,	   /* accesses the medium */
	CDB_F_SA = 1u << 4,	   /* has a service action in byte 1, bits 4..0 */
	CDB_F_THIN = 1u << 5,	   /* logical block provisioning: only on thin LUs (else it is
				    * an unsupported opcode, and RSOC leaves it out) */
	/* Reservations (SPC-4 5.9.1 table "SPC commands that are allowed in the presence of
	 * various reservations", SBC-4 4.17): whether a nexus that is not a reservation holder
	 * (nor, for the registrants-only and all-registrants types, a registrant) may run the
	 * command. Neither flag: a conflict under every reservation type. */
	CDB_F_PR_WE = 1u << 6,	 /* allowed under the Write Exclusive types */
	CDB_F_PR_EA = 1u << 7,	 /* allowed under the Exclusive Access types too */
	CDB_F_SPC2_OK = 1u << 8, /* SPC-2 7.21: allowed while another nexus holds a RESERVE */
};

typedef enum scsi_next (*scsi_cmd_fn)(struct scsi_lu *lu, struct scsi_task *task);

struct scsi_cmd {
	const char *name;
	uint8_t opcode;
	uint8_t sa;	 /* service action, with CDB_F_SA */
	uint8_t cdb_len; /* 6, 10, 12 or 16 */
	/* Allowed bits per byte = the CDB USAGE DATA of SPC-5 6.35.3 (byte 0 is the opcode; the
	 * service action bits are not part of the map). A set bit outside the map is a reserved
	 * (or unsupported) field: INVALID FIELD IN CDB pointing at it. The CONTROL byte's vendor
	 * specific bits 7..6 are ignored; NACA and LINK are refused (no ACA, no linking). */
	uint8_t usage[CDB_MAX_LEN];
	enum cdb_dir dir;
	uint32_t flags;
	scsi_cmd_fn start;
	scsi_cmd_fn resume; /* after SCSI_NEXT_DATA_OUT / SCSI_NEXT_IO; NULL if never needed */
	uint32_t timeout_s; /* recommended command timeout for RSOC's timeouts descriptor */
};

/* The entry for this CDB (by opcode, and service action where the opcode has them), or NULL.
 * cdb must hold at least 2 bytes. */
const struct scsi_cmd *cdb_lookup(const uint8_t *cdb, size_t len);
/* The entry for opcode/sa; sa is ignored for opcodes without service actions. */
const struct scsi_cmd *cdb_find(uint8_t opcode, uint8_t sa);
/* Whether the opcode is in the table with service actions. */
bool cdb_opcode_has_sa(uint8_t opcode);
/* Every supported command in opcode, service action order: returns the count, fills up to cap. */
size_t cdb_list(const struct scsi_cmd **out, size_t cap);
/* Checks a CDB of cmd->cdb_len bytes against the usage map. false: *err is INVALID FIELD IN CDB
 * pointing at the first offending byte and its highest offending bit. */
bool cdb_check(const struct scsi_cmd *cmd, const uint8_t *cdb, struct sense *err);
/* CDB USAGE DATA for RSOC: the map with the opcode and service action filled in. */
void cdb_usage(const struct scsi_cmd *cmd, uint8_t out[CDB_MAX_LEN]);

#endif
