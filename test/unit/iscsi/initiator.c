/* initiator.c: see initiator.h. Every field is written where RFC 7143 section 11 puts it. */
#include "test/unit/iscsi/initiator.h"

#include <string.h>

#include "common/wire.h"

const char ini_keys_ipxe_security[] = "InitiatorName=" INI_NAME_IPXE "\n"
				      "TargetName=" INI_TARGET "\n"
				      "SessionType=Normal\n"
				      "AuthMethod=None";

const char ini_keys_ipxe_operational[] = "HeaderDigest=None\nDataDigest=None\nMaxConnections=1\n"
					 "InitialR2T=Yes\nImmediateData=No\n"
					 "MaxRecvDataSegmentLength=8192\nMaxBurstLength=262144\n"
					 "FirstBurstLength=65536\nDefaultTime2Wait=0\n"
					 "DefaultTime2Retain=0\nMaxOutstandingR2T=1\n"
					 "DataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
					 "ErrorRecoveryLevel=0";

const char ini_keys_linux[] = "InitiatorName=" INI_NAME_LNX "\nInitiatorAlias=host1\n"
			      "TargetName=" INI_TARGET "\nSessionType=Normal\n"
			      "HeaderDigest=None\nDataDigest=None\nDefaultTime2Wait=2\n"
			      "DefaultTime2Retain=0\nIFMarker=No\nOFMarker=No\n"
			      "ErrorRecoveryLevel=0\nInitialR2T=No\nImmediateData=Yes\n"
			      "MaxBurstLength=16776192\nFirstBurstLength=262144\n"
			      "MaxOutstandingR2T=1\nMaxConnections=1\nDataPDUInOrder=Yes\n"
			      "DataSequenceInOrder=Yes\nMaxRecvDataSegmentLength=262144";

const char ini_keys_linux_fuzz[] = "InitiatorName=" INI_NAME_LNX "\nInitiatorAlias=host1\n"
				   "TargetName=" INI_TARGET "\nSessionType=Normal\n"
				   "HeaderDigest=None\nDataDigest=None\nDefaultTime2Wait=2\n"
				   "DefaultTime2Retain=0\nIFMarker=No\nOFMarker=No\n"
				   "ErrorRecoveryLevel=0\nInitialR2T=No\nImmediateData=Yes\n"
				   "MaxBurstLength=16776192\nFirstBurstLength=262144\n"
				   "MaxOutstandingR2T=2\nMaxConnections=1\nDataPDUInOrder=Yes\n"
				   "DataSequenceInOrder=Yes\nMaxRecvDataSegmentLength=8192";

const uint8_t ini_isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};

const char ini_keys_discovery[] = "InitiatorName=" INI_NAME_LNX "\nSessionType=Discovery\n"
				  "HeaderDigest=None\nDataDigest=None\n"
				  "MaxRecvDataSegmentLength=32768";

static void head(struct iscsi_pdu *pdu, uint8_t op, bool immediate, uint8_t flags, uint8_t *data,
		 uint32_t len)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->bhs[0] = (uint8_t)((immediate ? 0x40 : 0) | (op & 0x3f));
	pdu->bhs[1] = flags;
	put_be24(pdu->bhs + 5, len);
	pdu->data = len ? data : NULL;
	pdu->data_len = len;
}

/* RFC 7143 11.12 Login Request. */
void ini_build_login(struct iscsi_pdu *pdu, const struct ini_login *l, uint8_t *data, uint32_t len)
{
	uint8_t flags = (uint8_t)((l->transit ? 0x80 : 0) | (l->cont ? 0x40 : 0) |
				  (l->csg & 3) << 2 | (l->transit ? (l->nsg & 3) : 0));
	head(pdu, ISCSI_OP_LOGIN_REQ, true, flags, data, len);
	pdu->bhs[2] = 0; /* Version-max */
	pdu->bhs[3] = 0; /* Version-min */
	memcpy(pdu->bhs + 8, l->isid, 6);
	put_be16(pdu->bhs + 14, l->tsih);
	put_be32(pdu->bhs + 16, l->itt);
	put_be16(pdu->bhs + 20, l->cid);
	put_be32(pdu->bhs + 24, l->cmdsn);
	put_be32(pdu->bhs + 28, l->exp_statsn);
}

/* RFC 7143 11.3 SCSI Command. */
void ini_build_scsi_cmd(struct iscsi_pdu *pdu, const struct ini_cmd *c, uint8_t *data, uint32_t len)
{
	uint8_t flags = (uint8_t)((c->final ? 0x80 : 0) | (c->read ? 0x40 : 0) |
				  (c->write ? 0x20 : 0) | (c->attr & 7));
	head(pdu, ISCSI_OP_SCSI_CMD, c->immediate, flags, data, len);
	put_be64(pdu->bhs + 8, c->lun);
	put_be32(pdu->bhs + 16, c->itt);
	put_be32(pdu->bhs + 20, c->edtl);
	put_be32(pdu->bhs + 24, c->cmdsn);
	put_be32(pdu->bhs + 28, c->exp_statsn);
	memcpy(pdu->bhs + 32, c->cdb, 16);
}

/* RFC 7143 11.7 SCSI Data-Out. */
void ini_build_data_out(struct iscsi_pdu *pdu, const struct ini_data_out *d, uint8_t *data,
			uint32_t len)
{
	head(pdu, ISCSI_OP_DATA_OUT, false, d->final ? 0x80 : 0, data, len);
	put_be64(pdu->bhs + 8, d->lun);
	put_be32(pdu->bhs + 16, d->itt);
	put_be32(pdu->bhs + 20, d->ttt);
	put_be32(pdu->bhs + 28, d->exp_statsn);
	put_be32(pdu->bhs + 36, d->datasn);
	put_be32(pdu->bhs + 40, d->offset);
}

/* RFC 7143 11.18 NOP-Out. */
void ini_build_nop_out(struct iscsi_pdu *pdu, const struct ini_nop_out *n, uint8_t *data,
		       uint32_t len)
{
	head(pdu, ISCSI_OP_NOP_OUT, n->immediate, 0x80, data, len);
	put_be64(pdu->bhs + 8, n->lun);
	put_be32(pdu->bhs + 16, n->itt);
	put_be32(pdu->bhs + 20, n->ttt);
	put_be32(pdu->bhs + 24, n->cmdsn);
	put_be32(pdu->bhs + 28, n->exp_statsn);
}

/* RFC 7143 11.5 Task Management Function Request. */
void ini_build_tmf(struct iscsi_pdu *pdu, const struct ini_tmf *t)
{
	head(pdu, ISCSI_OP_TMF_REQ, t->immediate, (uint8_t)(0x80 | (t->function & 0x7f)), NULL, 0);
	put_be64(pdu->bhs + 8, t->lun);
	put_be32(pdu->bhs + 16, t->itt);
	put_be32(pdu->bhs + 20, t->ref_itt);
	put_be32(pdu->bhs + 24, t->cmdsn);
	put_be32(pdu->bhs + 28, t->exp_statsn);
	put_be32(pdu->bhs + 32, t->ref_cmdsn);
	put_be32(pdu->bhs + 36, t->exp_datasn);
}

/* RFC 7143 11.10 Text Request. */
void ini_build_text(struct iscsi_pdu *pdu, const struct ini_text *t, uint8_t *data, uint32_t len)
{
	uint8_t flags = (uint8_t)((t->final ? 0x80 : 0) | (t->cont ? 0x40 : 0));
	head(pdu, ISCSI_OP_TEXT_REQ, t->immediate, flags, data, len);
	put_be64(pdu->bhs + 8, t->lun);
	put_be32(pdu->bhs + 16, t->itt);
	put_be32(pdu->bhs + 20, t->ttt);
	put_be32(pdu->bhs + 24, t->cmdsn);
	put_be32(pdu->bhs + 28, t->exp_statsn);
}

/* RFC 7143 11.14 Logout Request. */
void ini_build_logout(struct iscsi_pdu *pdu, const struct ini_logout *l)
{
	head(pdu, ISCSI_OP_LOGOUT_REQ, l->immediate, (uint8_t)(0x80 | (l->reason & 0x7f)), NULL, 0);
	put_be32(pdu->bhs + 16, l->itt);
	put_be16(pdu->bhs + 20, l->cid);
	put_be32(pdu->bhs + 24, l->cmdsn);
	put_be32(pdu->bhs + 28, l->exp_statsn);
}

uint32_t ini_text_keys(const char *lines, uint8_t *out, uint32_t cap)
{
	size_t n = strlen(lines);
	if (n + 1 > cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = lines[i] == '\n' ? 0 : (uint8_t)lines[i];
	out[n] = 0;
	return (uint32_t)n + 1;
}

void ini_cdb_rw10(uint8_t cdb[16], uint8_t opcode, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = opcode;
	put_be32(cdb + 2, lba);
	put_be16(cdb + 7, blocks);
}

void ini_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc_len)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x12;
	cdb[1] = evpd ? 1 : 0;
	cdb[2] = page;
	put_be16(cdb + 3, alloc_len);
}
