/* pipe.c: see pipe.h. The pipe itself (env, framing, checks on every target PDU) and logins;
 * the command helpers are in pipe_cmd.c. */
#define PIPE_HELPERS_IMPL
#include "test/unit/iscsi/pipe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/wire.h"
#include "target/iscsi/chap.h"
#include "target/iscsi/crc32c.h"
#include "target/iscsi/login.h"
#include "target/iscsi/sendtargets.h"

/* env: the daemon's side */

static int env_find_target(void *ctx, const char *target_name, const char *initiator_name,
			   const uint8_t isid[6], struct login_target_info *out)
{
	(void)isid;
	struct pipe *p = ctx;
	(void)initiator_name;
	memset(out, 0, sizeof(*out));
	if (strcmp(target_name, INI_TARGET) != 0)
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	snprintf(out->target_alias, sizeof(out->target_alias), "disk");
	if (p->o.chap) {
		out->chap_required = true;
		snprintf(out->chap_user, sizeof(out->chap_user), "alice");
		snprintf(out->chap_secret, sizeof(out->chap_secret), "alicesecret1");
	}
	return 0;
}

static int env_find_discovery(void *ctx, const char *initiator_name, struct login_target_info *out)
{
	(void)ctx;
	(void)initiator_name;
	memset(out, 0, sizeof(*out));
	return 0;
}

static void env_random(void *ctx, uint8_t *buf, size_t len)
{
	struct pipe *p = ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = p->rnd++;
}

static const struct login_ops test_login_ops = {env_find_target, env_find_discovery, env_random};

static int env_get_target(void *ctx, const char *name, struct conn_target *out)
{
	struct pipe *p = ctx;
	if (strcmp(name, INI_TARGET) != 0)
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	if (p->park) {
		p->park--;
		return CONN_TARGET_PENDING;
	}
	if (p->park_status)
		return p->park_status;
	p->gets++;
	out->lu = p->lu;
	out->dev = &p->dev;
	out->handle = p;
	return 0;
}

static void env_put_target(void *ctx, struct conn_target *t)
{
	struct pipe *p = ctx;
	CHECK(t->handle == p);
	p->puts++;
	p->flushes_at_put = p->mq.flushes;
}

static uint16_t env_session_add(void *ctx, struct iscsi_conn *c)
{
	struct pipe *p = ctx;
	(void)c;
	p->adds++;
	return 0x0042;
}

static void env_session_remove(void *ctx, struct iscsi_conn *c)
{
	struct pipe *p = ctx;
	(void)c;
	p->removes++;
}

/* The daemon's way: the targets this initiator may see, answered by sendtargets_build(). */
static int env_send_targets(void *ctx, struct iscsi_conn *c, const char *which, uint8_t *out,
			    uint32_t cap, uint32_t *len)
{
	struct pipe *p = ctx;
	static const struct st_portal portal = {"127.0.0.1", 3260, ISCSI_PORTAL_GROUP_TAG};
	static char names[64][128];
	struct st_target targets[64];
	unsigned n = p->o.st_targets ? p->o.st_targets : 1;

	if (n > 64)
		n = 64;
	for (unsigned i = 0; i < n; i++) {
		if (i == 0)
			snprintf(names[i], sizeof(names[i]), "%s", INI_TARGET);
		else
			snprintf(names[i], sizeof(names[i]), "%s%u", INI_TARGET, i);
		targets[i] = (struct st_target){names[i], &portal, 1};
	}
	return sendtargets_build(which, conn_is_discovery(c), conn_target_name(c), targets, n,
				 (char *)out, cap, len);
}

static void env_kick(void *ctx, struct iscsi_conn *c)
{
	struct pipe *p = ctx;
	(void)c;
	p->kicks++;
}

static void env_phase_changed(void *ctx, struct iscsi_conn *c, enum conn_phase from,
			      enum conn_phase to)
{
	struct pipe *p = ctx;
	(void)c;
	if (p->nphases == 0 && p->nphases < PIPE_PHASES_MAX)
		p->phases[p->nphases++] = from;
	if (p->nphases < PIPE_PHASES_MAX)
		p->phases[p->nphases++] = to;
}

static uint64_t env_cmd_start(void *ctx)
{
	struct pipe *p = ctx;
	return p->cmd_starts++;
}

static void env_cmd_done(void *ctx, const struct conn_cmd_stat *st)
{
	struct pipe *p = ctx;
	p->cmd_dones++;
	if (st->stamp < PIPE_CMDS_MAX && p->cmd_done_map[st->stamp]++)
		p->cmd_twice++;
	if (st->stamp >= p->cmd_starts)
		p->cmd_twice++; /* a stamp never given out */
	p->cmd_kind[st->kind]++;
	p->cmd_bytes[st->kind] += st->bytes;
	p->cmd_bad += !st->good && st->kind != CONN_CMD_ABORTED;
}

void phases_reset(struct pipe *p)
{
	p->nphases = 0;
}

/* "closing -> flushing -> closed": the phases since the last phases_reset (the first one is the
 * phase the first recorded change started from). */
const char *phases_str(const struct pipe *p)
{
	static char buf[512];
	size_t n = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < p->nphases && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " -> " : "",
				      conn_phase_name(p->phases[i]));
	return buf;
}

/* pipe set-up */

void pipe_init(struct pipe *p, const struct pipe_opts *o)
{
	memset(p, 0, sizeof(*p));
	if (o)
		p->o = *o;
	if (!p->o.queue_depth)
		p->o.queue_depth = 16;
	if (!p->o.read_chunk)
		p->o.read_chunk = 65536;
	if (!p->o.custom_limits) {
		negotiate_target_limits_default(&p->o.limits);
		p->o.limits.max_recv_data_segment_length = 8192;
	}
	if (blk_mem_dev_init(&p->dev, DISK_SIZE, BLOCK_SIZE) != 0)
		abort();
	blk_mem_queue_init(&p->mq);
	struct scsi_lu_config lc = {
	    .block_size = BLOCK_SIZE, .write_cache = true, .rel_port_id = 1, .tpgt = 1};
	snprintf(lc.name, sizeof(lc.name), "disk");
	snprintf(lc.target_iqn, sizeof(lc.target_iqn), "%s", INI_TARGET);
	for (int i = 0; i < 16; i++)
		lc.uuid[i] = (uint8_t)(0xa0 + i);
	p->lu = scsi_lu_new(&lc, &p->dev);
	struct conn_config cc = {
	    .queue_depth = p->o.queue_depth,
	    .nop_interval_ms = p->o.nop_interval_ms,
	    .nop_timeout_ms = p->o.nop_timeout_ms,
	    .login_timeout_ms = p->o.login_timeout_ms,
	    .read_chunk = p->o.read_chunk,
	    .limits = p->o.limits,
	};
	struct conn_env env = {
	    .ctx = p,
	    .bq = &p->mq.q,
	    .login_ops = &test_login_ops,
	    .login_ctx = p,
	    .get_target = env_get_target,
	    .put_target = env_put_target,
	    .session_add = env_session_add,
	    .session_remove = env_session_remove,
	    .send_targets = env_send_targets,
	    .kick = env_kick,
	    .peer = "test",
	    .phase_changed = env_phase_changed,
	    .cmd_start = env_cmd_start,
	    .cmd_done = env_cmd_done,
	};
	p->now = 1000000;
	p->c = conn_new(&cc, &env, p->now);
	struct framer_limits fl = {.max_ahs_len = 256, .max_data_len = 1u << 20};
	if (!p->lu || !p->c || framer_init(&p->fr, &fl) != 0)
		abort();
	p->itt = 0x100;
	p->cmdsn = 7;
	p->ini_mrdsl = 8192;
	p->tgt_mrdsl = 8192;
}

void pipe_fini(struct pipe *p)
{
	conn_free(p->c);
	/* every command is told done at most once (tasks that outlive conn_free are not told) */
	CHECK_EQ(p->cmd_twice, 0);
	CHECK(p->cmd_dones <= p->cmd_starts);
	blk_mem_run(&p->mq);
	scsi_lu_free(p->lu);
	blk_mem_dev_fini(&p->dev);
	framer_fini(&p->fr);
	for (unsigned i = 0; i < p->nrx; i++)
		free(p->rx[i].data);
	free(p->rx);
	free(p->rec);
}

/* rx side: flatten a queued PDU as the daemon sends it, check it, decode it back */

bool carries_status(const uint8_t *bhs)
{
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_LOGIN_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_REJECT:
		return true;
	case ISCSI_OP_DATA_IN:
		return bhs[1] & INI_DI_S;
	case ISCSI_OP_NOP_IN:
		return get_be32(bhs + INI_OFF_ITT) != ISCSI_RSVD_TAG;
	default:
		return false;
	}
}

void check_sequence_numbers(struct pipe *p, const uint8_t *bhs)
{
	int op = pdu_opcode(bhs);
	uint32_t statsn = get_be32(bhs + INI_OFF_STATSN);
	uint32_t exp = get_be32(bhs + INI_OFF_EXPCMDSN), max = get_be32(bhs + INI_OFF_MAXCMDSN);

	if (carries_status(bhs)) {
		if (p->statsn_known && statsn != p->exp_statsn)
			FAIL("%s: StatSN %u, expected %u", pdu_op_name(op), statsn, p->exp_statsn);
		else
			check_passed++;
		p->exp_statsn = statsn + 1;
		p->statsn_known = true;
	} else if (op == ISCSI_OP_R2T || op == ISCSI_OP_NOP_IN) {
		/* RFC 7143 11.8.3 / 11.19.4: the next StatSN, not advanced. */
		if (statsn != p->exp_statsn)
			FAIL("%s: StatSN %u, expected the next one %u", pdu_op_name(op), statsn,
			     p->exp_statsn);
	}
	if (op == ISCSI_OP_LOGIN_RSP && (bhs[INI_OFF_LOGIN_STATUS] != 0))
		return;
	/* RFC 7143 4.2.2.1: MaxCmdSN and ExpCmdSN never move back; MaxCmdSN >= ExpCmdSN - 1. */
	if (p->window_known) {
		if (sna_lt(exp, p->seen_exp_cmdsn) || sna_lt(max, p->seen_max_cmdsn))
			FAIL("%s: window went back: ExpCmdSN %u (was %u), MaxCmdSN %u (was %u)",
			     pdu_op_name(op), exp, p->seen_exp_cmdsn, max, p->seen_max_cmdsn);
	}
	if (sna_lt(max + 1, exp))
		FAIL("%s: MaxCmdSN %u < ExpCmdSN %u - 1", pdu_op_name(op), max, exp);
	p->seen_exp_cmdsn = exp;
	p->seen_max_cmdsn = max;
	p->window_known = true;
}

void collect(struct pipe *p, struct conn_tx *tx)
{
	uint8_t digest[4];
	struct rx r = {0};

	memcpy(r.bhs, tx->hdr, BHS_LEN);
	if (p->hd && p->logged_in) {
		crc32c_put(digest, framer_header_digest(tx->hdr, NULL, 0));
		CHECK_EQ(tx->hdr_len, BHS_LEN + 4);
		CHECK_MEM(tx->hdr + BHS_LEN, digest, 4);
	} else {
		CHECK_EQ(tx->hdr_len, BHS_LEN);
	}
	r.len = get_be24(r.bhs + INI_OFF_DSL);
	CHECK_EQ(r.len, tx->data_len);
	CHECK_EQ(r.bhs[4], 0); /* no AHS from the target */
	uint32_t trailer = iscsi_pad4(tx->data_len);
	if (p->dd && p->logged_in && tx->data_len) {
		crc32c_put(digest, framer_data_digest(tx->data, tx->data_len));
		CHECK_MEM(tx->trailer + trailer, digest, 4);
		trailer += 4;
	}
	CHECK_EQ(tx->trailer_len, trailer);
	for (uint32_t i = 0; i < iscsi_pad4(tx->data_len); i++)
		CHECK_EQ(tx->trailer[i], 0);
	if (r.len > (p->logged_in ? p->ini_mrdsl : 8192u))
		FAIL("%s: data segment %u > the initiator's MaxRecvDataSegmentLength %u",
		     pdu_op_name(pdu_opcode(r.bhs)), r.len, p->ini_mrdsl);
	if (r.len) {
		r.data = malloc(r.len);
		if (!r.data)
			abort();
		memcpy(r.data, tx->data, r.len);
	}
	check_sequence_numbers(p, r.bhs);
	if (p->nrx == p->rx_cap) {
		p->rx_cap = p->rx_cap ? 2 * p->rx_cap : 64;
		p->rx = realloc(p->rx, p->rx_cap * sizeof(*p->rx));
		if (!p->rx)
			abort();
	}
	p->rx[p->nrx++] = r;
}

/* Sends what the target queued and completes the disk I/O until both are quiet. */
void pump(struct pipe *p)
{
	for (;;) {
		bool any = false;
		struct conn_tx *tx;
		while ((tx = conn_tx_head(p->c))) {
			conn_tx_pop(p->c);
			collect(p, tx);
			conn_tx_done(p->c, tx);
			any = true;
		}
		if (blk_mem_run(&p->mq))
			any = true;
		if (!any)
			return;
	}
}

void on_frame(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	struct pipe *p = ctx;
	if (res == FRAMER_PDU)
		p->last_ret = conn_recv(p->c, pdu, p->now);
	else if (res == FRAMER_DATA_DIGEST_ERROR)
		conn_data_digest_error(p->c, pdu->bhs);
	else
		p->framer_errors++;
}

/* One initiator PDU: serialized, then pushed through the framer in two pieces (a different cut
 * every time, so every split point of the BHS gets used). */
void send_pdu(struct pipe *p, const struct iscsi_pdu *pdu)
{
	static uint8_t wire[(1u << 20) + 1024];
	static unsigned cut;
	bool on = p->logged_in;
	size_t n = framer_serialize(pdu, on && p->hd, on && p->dd, wire, sizeof(wire));

	CHECK(n > 0);
	if (p->recording) {
		if (p->rec_len + n > p->rec_cap) {
			p->rec_cap = (p->rec_len + n) * 2;
			p->rec = realloc(p->rec, p->rec_cap);
			if (!p->rec)
				abort();
		}
		memcpy(p->rec + p->rec_len, wire, n);
		p->rec_len += n;
	}
	size_t first = (cut++ % 53) % (n + 1);
	p->last_ret = 0;
	CHECK_EQ(framer_push(&p->fr, wire, first, on_frame, p), first);
	CHECK_EQ(framer_push(&p->fr, wire + first, n - first, on_frame, p), n - first);
	CHECK_EQ(p->framer_errors, 0);
	if (!p->hold)
		pump(p);
}

uint32_t rx32(const struct rx *r, int off);

struct rx *expect_(struct pipe *p, int op, int line)
{
	if (p->rx_next >= p->nrx) {
		FAIL("test_conn.c:%d: expected %s, got nothing", line, pdu_op_name(op));
		memset(&p->none, 0, sizeof(p->none));
		return &p->none;
	}
	struct rx *r = &p->rx[p->rx_next++];
	if (pdu_opcode(r->bhs) != op)
		FAIL("test_conn.c:%d: expected %s, got %s", line, pdu_op_name(op),
		     pdu_op_name(pdu_opcode(r->bhs)));
	else
		check_passed++;
	return r;
}

void expect_none_(struct pipe *p, int line)
{
	if (p->rx_next < p->nrx)
		FAIL("test_conn.c:%d: expected no PDU, got %s (ITT 0x%x, byte 3 0x%02x, and %u "
		     "more)",
		     line, pdu_op_name(pdu_opcode(p->rx[p->rx_next].bhs)),
		     rx32(&p->rx[p->rx_next], INI_OFF_ITT), p->rx[p->rx_next].bhs[3],
		     p->nrx - p->rx_next - 1);
	else
		check_passed++;
	p->rx_next = p->nrx;
}

uint32_t rx32(const struct rx *r, int off)
{
	return get_be32(r->bhs + off);
}

/* ---- login ---- */

/* Reads the negotiated values the data path needs from the responses (and our own offer). */
void learn_keys(struct pipe *p, const struct text_in *rsp, const char *offer)
{
	const char *v;
	if ((v = text_in_get(rsp, "MaxRecvDataSegmentLength")))
		p->tgt_mrdsl = (uint32_t)strtoul(v, NULL, 0);
	if ((v = text_in_get(rsp, "MaxBurstLength")) && strcmp(v, "Irrelevant") != 0)
		p->mbl = (uint32_t)strtoul(v, NULL, 0);
	if ((v = text_in_get(rsp, "FirstBurstLength")) && strcmp(v, "Irrelevant") != 0)
		p->fbl = (uint32_t)strtoul(v, NULL, 0);
	if ((v = text_in_get(rsp, "MaxOutstandingR2T")))
		p->max_r2t = (uint32_t)strtoul(v, NULL, 0);
	if ((v = text_in_get(rsp, "InitialR2T")))
		p->initial_r2t = strcmp(v, "Yes") == 0;
	if ((v = text_in_get(rsp, "ImmediateData")))
		p->immediate_data = strcmp(v, "Yes") == 0;
	if ((v = text_in_get(rsp, "HeaderDigest")))
		p->hd = strcmp(v, "CRC32C") == 0;
	if ((v = text_in_get(rsp, "DataDigest")))
		p->dd = strcmp(v, "CRC32C") == 0;
	const char *m = offer ? strstr(offer, "MaxRecvDataSegmentLength=") : NULL;
	if (m)
		p->ini_mrdsl = (uint32_t)strtoul(m + strlen("MaxRecvDataSegmentLength="), NULL, 0);
}

/* One Login Request; fills text with the response's keys. Returns the login status. */
uint16_t login_pdu(struct pipe *p, const struct login_step *s, struct text_in *text,
		   struct rx **rsp_out)
{
	static uint8_t buf[8192];
	struct iscsi_pdu pdu;
	uint32_t len = s->keys ? ini_text_keys(s->keys, buf, sizeof(buf)) : 0;
	struct ini_login l = {.transit = s->transit,
			      .csg = s->csg,
			      .nsg = s->nsg,
			      .itt = 0x0a000000u + p->itt,
			      .cmdsn = p->cmdsn,
			      .exp_statsn = p->statsn_known ? p->exp_statsn : 0};

	memcpy(l.isid, test_isid, 6);
	ini_build_login(&pdu, &l, buf, len);
	send_pdu(p, &pdu);
	struct rx *r = expect(p, ISCSI_OP_LOGIN_RSP);
	*rsp_out = r;
	CHECK_EQ(rx32(r, INI_OFF_ITT), l.itt);
	CHECK_MEM(r->bhs + 8, test_isid, 6);
	text_in_reset(text);
	if (r->len) {
		CHECK_EQ(text_in_append(text, r->data, r->len), 0);
		CHECK_EQ(text_in_parse(text, TEXT_BINARY_VALUE_MAX), 0);
	}
	learn_keys(p, text, s->keys);
	uint16_t status = get_be16(r->bhs + INI_OFF_LOGIN_STATUS);
	if (status == 0) {
		CHECK_EQ(rx32(r, INI_OFF_EXPCMDSN), p->cmdsn);
	}
	return status;
}

/* Switches the pipe to full feature phase as the daemon does after the last login response. */
void enter_ffp(struct pipe *p)
{
	CHECK_EQ(conn_phase(p->c), CONN_FULL_FEATURE);
	p->logged_in = true;
	framer_set_max_data_len(&p->fr, conn_max_recv_data(p->c));
	framer_set_digests(&p->fr, conn_header_digest(p->c), conn_data_digest(p->c));
	CHECK_EQ(conn_header_digest(p->c), p->hd);
	CHECK_EQ(conn_data_digest(p->c), p->dd);
	CHECK_EQ(conn_max_recv_data(p->c), p->tgt_mrdsl);
}

/* Runs a scripted login that must succeed; returns false if it did not. */
bool login_steps(struct pipe *p, const struct login_step *steps, unsigned n)
{
	struct text_in text;
	struct rx *r = NULL;
	uint16_t st = 0;

	if (text_in_init(&text, 65536) != 0)
		abort();
	for (unsigned i = 0; i < n && st == 0; i++)
		st = login_pdu(p, &steps[i], &text, &r);
	text_in_fini(&text);
	CHECK_EQ(st, 0);
	if (st || !r)
		return false;
	CHECK(r->bhs[1] & INI_T);
	CHECK_EQ(r->bhs[1] & 3, ISCSI_STAGE_FULL_FEATURE);
	CHECK_EQ(get_be16(r->bhs + INI_OFF_TSIH), 0x0042);
	enter_ffp(p);
	return conn_phase(p->c) == CONN_FULL_FEATURE;
}

bool login_linux(struct pipe *p, const char *keys)
{
	const struct login_step s[] = {{true, 1, 3, keys ? keys : ini_keys_linux}};
	return login_steps(p, s, 1);
}

bool login_ipxe(struct pipe *p)
{
	const struct login_step s[] = {{true, 0, 1, ini_keys_ipxe_security},
				       {true, 1, 3, ini_keys_ipxe_operational}};
	return login_steps(p, s, 2);
}

/* A key set with some values replaced: overrides is "Key=Value\n..." */
const char *keys_with(const char *base, const char *overrides)
{
	static char out[4096];
	char tmp[4096];
	size_t o = 0;

	snprintf(tmp, sizeof(tmp), "%s", base);
	for (char *line = strtok(tmp, "\n"); line; line = strtok(NULL, "\n")) {
		size_t klen = strcspn(line, "=") + 1;
		const char *ov = overrides;
		const char *hit = NULL;
		while (ov && *ov) {
			if (strncmp(ov, line, klen) == 0)
				hit = ov;
			ov = strchr(ov, '\n');
			ov = ov ? ov + 1 : NULL;
		}
		size_t n = hit ? strcspn(hit, "\n") : strlen(line);
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? "\n" : "", (int)n,
				      hit ? hit : line);
	}
	return out;
}
