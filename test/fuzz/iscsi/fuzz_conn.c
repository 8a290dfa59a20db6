/* fuzz_conn.c: the connection engine (conn.c, conn_cmd.c) with the SCSI layer over an in-memory
 * disk, as the daemon drives it. Byte 0 picks the scripted login (test/unit/iscsi/initiator.h:
 * Linux, iPXE or discovery; bit 2: disk I/O completes only after every other PDU, so TMFs and
 * logouts meet I/O in flight); the rest is the initiator's byte stream after the login. The framer
 * cuts it into PDUs; each goes to conn_recv, then the disk I/O runs and the tx queue drains.
 * Time advances 40 ms per PDU, so NOP-In pings and the dead-peer drop happen too. The session
 * ends as the daemon ends it: conn_shutdown, wait for CONN_CLOSED, conn_free.
 *
 * Seeds: `unit_iscsi_conn --write-corpus DIR` (test/unit/iscsi/test_conn.c). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "target/block/blk_mem.h"
#include "target/iscsi/conn.h"
#include "target/iscsi/framer.h"
#include "test/unit/iscsi/initiator.h"

#define FUZZ_DISK_SIZE (1u << 20)

struct fuzz {
	struct blk_dev dev;
	struct blk_mem_queue mq;
	struct scsi_lu *lu;
	struct iscsi_conn *c;
	uint64_t now;
	uint32_t peer_mrdsl;
	uint32_t statsn;
	bool lazy;
	unsigned pdus;
	uint8_t rnd;
};

static int find_target(void *ctx, const char *target, const char *initiator, const uint8_t isid[6],
		       struct login_target_info *out)
{
	(void)isid;
	(void)ctx;
	(void)initiator;
	memset(out, 0, sizeof(*out));
	return strcmp(target, INI_TARGET) == 0 ? 0 : ISCSI_LOGIN_STATUS_NOT_FOUND;
}

static int find_discovery(void *ctx, const char *initiator, struct login_target_info *out)
{
	(void)ctx;
	(void)initiator;
	memset(out, 0, sizeof(*out));
	return 0;
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fuzz *f = ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = f->rnd++;
}

static const struct login_ops ops = {find_target, find_discovery, fake_random};

static int get_target(void *ctx, const char *name, struct conn_target *out)
{
	struct fuzz *f = ctx;
	if (strcmp(name, INI_TARGET) != 0)
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	out->lu = f->lu;
	out->dev = &f->dev;
	out->handle = f;
	return 0;
}

static void put_target(void *ctx, struct conn_target *t)
{
	(void)ctx;
	(void)t;
}

static uint16_t session_add(void *ctx, struct iscsi_conn *c)
{
	(void)ctx;
	(void)c;
	return 1;
}

static int send_targets(void *ctx, struct iscsi_conn *c, const char *which, uint8_t *out,
			uint32_t cap, uint32_t *len)
{
	static const char answer[] = "TargetName=" INI_TARGET "\0TargetAddress=127.0.0.1:3260,1";
	(void)ctx;
	(void)c;
	if (strcmp(which, "All") != 0 || cap < sizeof(answer))
		return -1;
	memcpy(out, answer, sizeof(answer));
	*len = sizeof(answer);
	return 0;
}

/* What the daemon checks before it sends: the PDU is whole and within the peer's limit. */
static void drain_tx(struct fuzz *f)
{
	struct conn_tx *tx;
	while ((tx = conn_tx_head(f->c))) {
		conn_tx_pop(f->c);
		uint32_t dsl = (uint32_t)tx->hdr[5] << 16 | (uint32_t)tx->hdr[6] << 8 | tx->hdr[7];
		if (dsl != tx->data_len || (tx->data_len && !tx->data) || tx->hdr_len != BHS_LEN ||
		    tx->data_len > f->peer_mrdsl || tx->trailer_len != iscsi_pad4(tx->data_len))
			abort();
		if ((tx->hdr[0] & 0x3f) < 0x20) /* only target opcodes go out */
			abort();
		if (tx->data_len) /* touch every byte, so ASan sees a borrowed buffer that is gone
				   */
			f->rnd ^= tx->data[0] ^ tx->data[tx->data_len - 1];
		conn_tx_done(f->c, tx);
	}
}

static void pump(struct fuzz *f)
{
	do
		drain_tx(f);
	while (blk_mem_run(&f->mq) || conn_tx_head(f->c));
}

static bool login_one(struct fuzz *f, bool transit, uint8_t csg, uint8_t nsg, const char *keys)
{
	static uint8_t text[4096];
	struct iscsi_pdu pdu;
	struct ini_login l = {.transit = transit,
			      .csg = csg,
			      .nsg = nsg,
			      .itt = 0x0a000000u,
			      .cmdsn = INI_FUZZ_CMDSN,
			      .exp_statsn = f->statsn};
	memcpy(l.isid, ini_isid, 6);
	ini_build_login(&pdu, &l, text, ini_text_keys(keys, text, sizeof(text)));
	conn_recv(f->c, &pdu, f->now);
	struct conn_tx *tx = conn_tx_head(f->c);
	if (!tx || tx->hdr[36] != 0)
		return false;
	f->statsn = ((uint32_t)tx->hdr[24] << 24 | (uint32_t)tx->hdr[25] << 16 |
		     (uint32_t)tx->hdr[26] << 8 | tx->hdr[27]) +
		    1;
	pump(f);
	return true;
}

static bool login(struct fuzz *f, unsigned mode)
{
	switch (mode % INI_FUZZ_MODES) {
	case INI_FUZZ_MODE_IPXE:
		return login_one(f, true, 0, 1, ini_keys_ipxe_security) &&
		       login_one(f, true, 1, 3, ini_keys_ipxe_operational);
	case INI_FUZZ_MODE_DISCOVERY:
		f->peer_mrdsl = 32768;
		return login_one(f, true, 1, 3, ini_keys_discovery);
	default:
		return login_one(f, true, 1, 3, ini_keys_linux_fuzz);
	}
}

static void on_pdu(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	struct fuzz *f = ctx;

	if (conn_phase(f->c) != CONN_FULL_FEATURE)
		return;
	f->now += 40;
	if (res == FRAMER_PDU)
		conn_recv(f->c, pdu, f->now);
	else if (res == FRAMER_DATA_DIGEST_ERROR)
		conn_data_digest_error(f->c, pdu->bhs);
	else
		conn_shutdown(f->c, framer_result_name(res));
	conn_tick(f->c, f->now);
	if (!f->lazy || ++f->pdus % 2 == 0)
		pump(f);
	else
		drain_tx(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz f;
	static bool once;
	struct framer fr;

	if (size < 1)
		return 0;
	if (!once) {
		log_set_level(LOG_ERR); /* one line per login and drop is noise here */
		if (blk_mem_dev_init(&f.dev, FUZZ_DISK_SIZE, 512) != 0)
			abort();
		once = true;
	}
	memset(f.dev.mem, 0, FUZZ_DISK_SIZE);
	blk_mem_queue_init(&f.mq);
	f.now = 1000000;
	f.peer_mrdsl = 8192;
	f.statsn = 0;
	f.pdus = 0;
	f.rnd = 0;
	f.lazy = data[0] & 4;

	struct scsi_lu_config lc = {
	    .block_size = 512, .write_cache = true, .thin = true, .rel_port_id = 1, .tpgt = 1};
	strcpy(lc.name, "disk");
	strcpy(lc.target_iqn, INI_TARGET);
	f.lu = scsi_lu_new(&lc, &f.dev);
	struct conn_config cc = {.queue_depth = INI_FUZZ_QUEUE_DEPTH,
				 .nop_interval_ms = 2000,
				 .nop_timeout_ms = 1000,
				 .read_chunk = INI_FUZZ_READ_CHUNK};
	negotiate_target_limits_default(&cc.limits);
	cc.limits.max_recv_data_segment_length = INI_FUZZ_MRDSL;
	cc.limits.max_burst_length = INI_FUZZ_MBL;
	cc.limits.first_burst_length = INI_FUZZ_FBL;
	cc.limits.max_outstanding_r2t = INI_FUZZ_R2T;
	struct conn_env env = {.ctx = &f,
			       .bq = &f.mq.q,
			       .login_ops = &ops,
			       .login_ctx = &f,
			       .get_target = get_target,
			       .put_target = put_target,
			       .session_add = session_add,
			       .send_targets = send_targets,
			       .peer = "fuzz"};
	f.c = f.lu ? conn_new(&cc, &env, f.now) : NULL;
	if (!f.c)
		abort();
	if (!login(&f, data[0]) || conn_phase(f.c) != CONN_FULL_FEATURE)
		abort(); /* the scripted login must work */

	struct framer_limits fl = {.max_ahs_len = 256, .max_data_len = conn_max_recv_data(f.c)};
	if (framer_init(&fr, &fl) != 0)
		abort();
	framer_set_max_data_len(&fr, conn_max_recv_data(f.c));
	framer_push(&fr, data + 1, size - 1, on_pdu, &f);
	framer_fini(&fr);

	/* The end, as the daemon does it: shut down, let the I/O come back, free. */
	conn_shutdown(f.c, "end of input");
	pump(&f);
	if (conn_phase(f.c) != CONN_CLOSED)
		abort();
	conn_free(f.c);
	if (blk_mem_run(&f.mq))
		abort(); /* nothing may be left queued for a freed connection */
	scsi_lu_free(f.lu);
	return 0;
}
