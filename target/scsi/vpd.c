/* vpd.c: vital product data pages (SPC-5 7.7, SBC-4 6.6): supported pages, unit serial number,
 * device identification, block limits, block device characteristics and logical block
 * provisioning. Identity comes from the LUN's stable UUID only (not its name, not the host), so it
 * survives renames, restarts and resizes. */
#include <stdio.h>
#include <string.h>

#include "common/wire.h"
#include "target/scsi/scsi_int.h"

#define VPD_BUF 1024 /* the largest page (0x83 with two 223-byte IQNs) is about 560 bytes */

static const uint8_t supported_pages[] = {0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2};

static void uuid_hex(const struct scsi_lu *lu, char out[33])
{
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", lu->cfg.uuid[i]);
}

static uint32_t vpd_supported(struct scsi_lu *lu, uint8_t *d)
{
	(void)lu;
	memcpy(d + 4, supported_pages, sizeof(supported_pages));
	return 4 + sizeof(supported_pages);
}

/* SPC-5 7.7.18: 32 hex digits of the UUID. */
static uint32_t vpd_serial(struct scsi_lu *lu, uint8_t *d)
{
	char hex[33];
	uuid_hex(lu, hex);
	memcpy(d + 4, hex, 32);
	return 4 + 32;
}

/* One designation descriptor (SPC-5 7.7.6.1); returns its total length. */
static uint32_t put_designator(uint8_t *d, uint8_t proto_codeset, uint8_t piv_assoc_type,
			       const void *id, uint32_t len)
{
	d[0] = proto_codeset;
	d[1] = piv_assoc_type;
	d[3] = (uint8_t)len;
	memcpy(d + 4, id, len);
	return 4 + len;
}

/* SCSI name string (SPC-5 7.7.6.11): UTF-8, NUL terminated, NUL padded to a multiple of 4. */
static uint32_t put_name_string(uint8_t *d, uint8_t assoc, const char *name)
{
	uint32_t n = (uint32_t)strlen(name) + 1;
	uint32_t padded = (n + 3) & ~3u;
	if (padded > 252)
		padded = 252, n = 251;
	memset(d + 4, 0, padded);
	/* iSCSI protocol (5), UTF-8 (3); PIV, association, type 8 */
	put_designator(d, 0x53, (uint8_t)(0x80 | assoc << 4 | 0x08), name, n - 1);
	d[3] = (uint8_t)padded;
	return 4 + padded;
}

/* SPC-5 7.7.6: the logical unit's NAA (locally assigned, type 3: the UUID's top 60 bits) and T10
 * vendor ID designators, then the target port's relative port and SCSI name string (the iSCSI
 * target port name "IQN,t,0xTPGT", RFC 7143 / SPC-5 7.7.6.11), then the target device's name. */
static uint32_t vpd_device_id(struct scsi_lu *lu, uint8_t *d)
{
	uint8_t naa[8], relport[4] = {0}, t10[40];
	char hex[33], port[sizeof(lu->cfg.target_iqn) + 16];
	uint32_t off = 4;

	scsi_lu_naa(lu, naa);
	off += put_designator(d + off, 0x01, 0x03, naa, 8); /* binary; LU, NAA */
	uuid_hex(lu, hex);
	memcpy(t10, "RINGSAN ", 8);
	memcpy(t10 + 8, hex, 32);
	off += put_designator(d + off, 0x02, 0x01, t10, 40); /* ASCII; LU, T10 vendor ID */
	put_be16(relport + 2, lu->cfg.rel_port_id);
	off += put_designator(d + off, 0x51, 0x94, relport, 4); /* target port, relative port */
	snprintf(port, sizeof(port), "%s,t,0x%04x", lu->cfg.target_iqn, lu->cfg.tpgt);
	off += put_name_string(d + off, 1, port);
	off += put_name_string(d + off, 2, lu->cfg.target_iqn);
	return off;
}

/* SBC-4 6.6.4 block limits, page length 3Ch. Values and why:
 * - MAXIMUM TRANSFER LENGTH 32 MiB: READ/WRITE stream, so this only bounds one command's time;
 *   OPTIMAL TRANSFER LENGTH 1 MiB (a multiple of any physical block we allow); granularity =
 *   the physical block, at least 4 KiB (scsi_lu_granularity_blocks()).
 * - MAXIMUM COMPARE AND WRITE LENGTH: 256 KiB to compare, at most 255 blocks (sbc_compare.c).
 * - Thin LUs: MAXIMUM UNMAP LBA COUNT FFFFFFFFh (no limit: a hole punch costs the same whatever
 *   its size, so a whole-disk UNMAP is a few commands), 256 descriptors per UNMAP, OPTIMAL UNMAP
 *   GRANULARITY = the same granularity (UGAVALID 0: UNMAP of any alignment works, a partial
 *   physical block is zero-filled by the punch); MAXIMUM WRITE SAME LENGTH 1 GiB.
 * - WRITE ATOMIC(16) (sbc_compare.c): MAXIMUM ATOMIC TRANSFER LENGTH 1 MiB, ATOMIC ALIGNMENT and
 *   ATOMIC TRANSFER LENGTH GRANULARITY 1 block (0 would mean "no requirement" too; 1 says it
 *   plainly), no atomic boundaries. */
static uint32_t vpd_block_limits(struct scsi_lu *lu, uint8_t *d)
{
	uint32_t bs = lu->cfg.block_size;
	d[3] = 0x3c;
	d[4] = 0x00; /* WSNZ 0: WRITE SAME with NUMBER OF LOGICAL BLOCKS 0 runs to the last LBA */
	d[5] = (uint8_t)scsi_caw_max_blocks(bs);
	put_be16(d + 6, (uint16_t)scsi_lu_granularity_blocks(lu));
	put_be32(d + 8, SCSI_MAX_XFER_BYTES / bs);
	put_be32(d + 12, SCSI_OPT_XFER_BYTES / bs);
	if (scsi_lu_thin(lu)) {
		put_be32(d + 20, SCSI_UNMAP_MAX_LBAS);
		put_be32(d + 24, SCSI_UNMAP_MAX_DESC);
		put_be32(d + 28, scsi_lu_granularity_blocks(lu));
		put_be64(d + 36, SCSI_WSAME_MAX_BYTES / bs);
	}
	put_be32(d + 44, SCSI_ATOMIC_MAX_BYTES / bs);
	put_be32(d + 48, 1);
	put_be32(d + 52, 1);
	return 64;
}

/* SBC-4 6.6.2: MEDIUM ROTATION RATE 1 = non-rotating medium; WABEREQ 01b on thin LUs (a read
 * after SANITIZE BLOCK ERASE succeeds: the blocks read back as zeroes), WACEREQ 00b (no
 * CRYPTOGRAPHIC ERASE). */
static uint32_t vpd_block_characteristics(struct scsi_lu *lu, uint8_t *d)
{
	d[3] = 0x3c;
	put_be16(d + 4, 0x0001);
	if (scsi_lu_thin(lu))
		d[7] = 0x40;
	return 64;
}

/* SBC-4 6.6.5 logical block provisioning: thin LUs support UNMAP (LBPU) and WRITE SAME(16/10)
 * with UNMAP (LBPWS, LBPWS10); punched blocks read back as zeroes (LBPRZ 001b); provisioning
 * type 010b thin. A fully provisioned LU reports none of it. */
static uint32_t vpd_provisioning(struct scsi_lu *lu, uint8_t *d)
{
	d[3] = 0x04;
	if (scsi_lu_thin(lu)) {
		d[5] = 0x80 | 0x40 | 0x20 | 0x04;
		d[6] = 0x02;
	}
	return 8;
}

enum scsi_next vpd_inquiry(struct scsi_lu *lu, struct scsi_task *task, uint8_t page,
			   uint32_t alloc_len)
{
	uint32_t (*build)(struct scsi_lu *, uint8_t *);
	switch (page) {
	case 0x00:
		build = vpd_supported;
		break;
	case 0x80:
		build = vpd_serial;
		break;
	case 0x83:
		build = vpd_device_id;
		break;
	case 0x8f:
		build = xcopy_vpd;
		break;
	case 0xb0:
		build = vpd_block_limits;
		break;
	case 0xb1:
		build = vpd_block_characteristics;
		break;
	case 0xb2:
		build = vpd_provisioning;
		break;
	default:
		return scsi_task_fail(lu, task, sense_invalid_field_in_cdb(2, 7));
	}
	uint8_t *d = scsi_task_datain(task, VPD_BUF);
	if (!d)
		return scsi_task_busy(task);
	uint32_t len = build(lu, d);
	d[0] = 0x00; /* qualifier 0, direct access block device */
	d[1] = page;
	put_be16(d + 2, (uint16_t)(len - 4));
	return scsi_task_datain_done(task, len, alloc_len);
}
