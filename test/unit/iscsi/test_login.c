/* test_login.c: login transcripts (RFC 7143 6.3, 11.12, 11.13, 12.1): iPXE with AuthMethod=None,
 * iPXE with CHAP and mutual CHAP (T bit set throughout the security stage), Linux's one-PDU
 * operational-stage login, discovery logins, continued requests and responses, and every failure
 * class. The test plays the initiator, CHAP included (chap.c is checked against hashlib vectors in
 * test_chap.c). */
#include <stdlib.h>

#include "common/wire.h"
#include "target/iscsi/login.h"
#include "target/iscsi/text.h"
#include "test/unit/check.h"

#define T_DISK	  "iqn.2026-01.lab.ringsan:disk1"
#define T_CHAP	  "iqn.2026-01.lab.ringsan:chap"
#define T_MUTUAL  "iqn.2026-01.lab.ringsan:mutual"
#define T_ACL	  "iqn.2026-01.lab.ringsan:private"
#define T_MOVED	  "iqn.2026-01.lab.ringsan:moved"
#define T_NOWHERE "iqn.2026-01.lab.ringsan:nowhere"
#define I_IPXE	  "iqn.2010-04.org.ipxe:00112233-4455"
#define I_LINUX	  "iqn.2004-10.com.ubuntu:01:abcdef"

struct env {
	uint8_t next_random;
	bool discovery_chap;
};

static int find_target(void *ctx, const char *target, const char *initiator, const uint8_t isid[6],
		       struct login_target_info *out)
{
	(void)isid;
	(void)ctx;
	memset(out, 0, sizeof(*out));
	if (strcmp(target, T_DISK) == 0) {
		snprintf(out->target_alias, sizeof(out->target_alias), "disk1");
		return 0;
	}
	if (strcmp(target, T_CHAP) == 0 || strcmp(target, T_MUTUAL) == 0) {
		snprintf(out->chap_user, sizeof(out->chap_user), "alice");
		snprintf(out->chap_secret, sizeof(out->chap_secret), "alicesecret1");
		if (strcmp(target, T_MUTUAL) == 0) {
			snprintf(out->mutual_user, sizeof(out->mutual_user), "target1");
			snprintf(out->mutual_secret, sizeof(out->mutual_secret), "targetsecret");
		}
		return 0;
	}
	if (strcmp(target, T_ACL) == 0)
		return strcmp(initiator, I_LINUX) == 0 ? 0 : ISCSI_LOGIN_STATUS_NOT_AUTHORIZED;
	if (strcmp(target, T_MOVED) == 0) {
		snprintf(out->redirect, sizeof(out->redirect), "192.0.2.7:3261,1");
		return ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP;
	}
	if (strcmp(target, T_NOWHERE) == 0) /* a redirect without an address */
		return ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP;
	return ISCSI_LOGIN_STATUS_NOT_FOUND;
}

static int find_discovery(void *ctx, const char *initiator, struct login_target_info *out)
{
	struct env *e = ctx;
	(void)initiator;
	memset(out, 0, sizeof(*out));
	if (e->discovery_chap) {
		snprintf(out->chap_user, sizeof(out->chap_user), "disc");
		snprintf(out->chap_secret, sizeof(out->chap_secret), "discoverysecret");
	}
	return 0;
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct env *e = ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = e->next_random++;
}

static const struct login_ops ops = {find_target, find_discovery, fake_random};
static const uint8_t isid[6] = {0x80, 0x00, 0x00, 0x01, 0x00, 0x02};

struct req {
	bool transit, cont;
	uint8_t csg, nsg;
	const char *text; /* lines separated by \n */
	uint16_t tsih;
	uint8_t version_min;
	bool no_final_nul; /* the text ends inside a pair (continued in the next PDU) */
};

static struct iscsi_pdu make_pdu(const struct req *r, char *buf, size_t cap)
{
	struct iscsi_pdu pdu = {0};
	size_t len = r->text ? strlen(r->text) : 0;

	if (len + 1 > cap)
		abort();
	memcpy(buf, r->text ? r->text : "", len + 1);
	for (size_t i = 0; i < len; i++)
		buf[i] = buf[i] == '\n' ? '\0' : buf[i];
	uint32_t dlen = len ? (uint32_t)len + !r->no_final_nul : 0;
	pdu.bhs[0] = 0x40 | ISCSI_OP_LOGIN_REQ;
	pdu.bhs[1] =
	    (uint8_t)((r->transit ? 0x80 : 0) | (r->cont ? 0x40 : 0) | r->csg << 2 | r->nsg);
	pdu.bhs[3] = r->version_min;
	put_be24(pdu.bhs + 5, dlen);
	memcpy(pdu.bhs + 8, isid, 6);
	put_be16(pdu.bhs + 14, r->tsih);
	put_be32(pdu.bhs + 16, 0x1000);
	put_be16(pdu.bhs + 20, 0);
	put_be32(pdu.bhs + 24, 5); /* CmdSN */
	put_be32(pdu.bhs + 28, 0);
	pdu.data = (uint8_t *)buf;
	pdu.data_len = dlen;
	return pdu;
}

struct rsp {
	struct login_out out;
	struct text_in text;
	bool transit, cont, prev_cont;
	uint8_t csg, nsg;
	uint16_t status;
	uint32_t statsn, exp_cmdsn, max_cmdsn;
};

static void step(struct login *l, const struct req *r, struct rsp *rsp)
{
	static char buf[16384];
	struct iscsi_pdu pdu = make_pdu(r, buf, sizeof(buf));

	login_step(l, &pdu, &rsp->out);
	const uint8_t *b = rsp->out.pdu.bhs;
	CHECK_EQ(pdu_opcode(b), ISCSI_OP_LOGIN_RSP);
	CHECK_MEM(b + 8, isid, 6);
	CHECK_EQ(get_be32(b + 16), 0x1000);
	CHECK_EQ(get_be24(b + 5), rsp->out.pdu.data_len);
	rsp->transit = b[1] & 0x80;
	rsp->cont = b[1] & 0x40;
	rsp->csg = (b[1] >> 2) & 3;
	rsp->nsg = b[1] & 3;
	rsp->status = get_be16(b + 36);
	rsp->statsn = get_be32(b + 24);
	rsp->exp_cmdsn = get_be32(b + 28);
	rsp->max_cmdsn = get_be32(b + 32);
	/* a response continued with C accumulates, as the initiator does */
	if (!rsp->prev_cont)
		text_in_reset(&rsp->text);
	text_in_append(&rsp->text, rsp->out.pdu.data, rsp->out.pdu.data_len);
	rsp->prev_cont = rsp->cont;
	if (!rsp->cont)
		CHECK_EQ(text_in_parse(&rsp->text, TEXT_BINARY_VALUE_MAX), 0);
}

static struct login *new_login(struct env *e)
{
	struct login_config cfg = {
	    .text_cap = 8192, .cmdsn_window = 32, .initial_statsn = 100, .tpgt = 1};
	negotiate_target_limits_default(&cfg.limits);
	memset(e, 0, sizeof(*e));
	e->next_random = 0x40;
	struct login *l = login_new(&cfg, &ops, e);
	if (!l)
		abort();
	return l;
}

static void rsp_init(struct rsp *r)
{
	memset(r, 0, sizeof(*r));
	if (text_in_init(&r->text, 16384) != 0)
		abort();
}

static const char ipxe_security_none[] =
    "InitiatorName=" I_IPXE "\nTargetName=" T_DISK "\nSessionType=Normal\nAuthMethod=None";
static const char ipxe_operational[] =
    "HeaderDigest=None\nDataDigest=None\nMaxConnections=1\nInitialR2T=Yes\nImmediateData=No\n"
    "MaxRecvDataSegmentLength=8192\nMaxBurstLength=262144\nFirstBurstLength=65536\n"
    "DefaultTime2Wait=0\nDefaultTime2Retain=0\nMaxOutstandingR2T=1\nDataPDUInOrder=Yes\n"
    "DataSequenceInOrder=Yes\nErrorRecoveryLevel=0";
static const char linux_login[] =
    "InitiatorName=" I_LINUX "\nInitiatorAlias=host1\nTargetName=" T_DISK
    "\nSessionType=Normal\nHeaderDigest=None\nDataDigest=None\nDefaultTime2Wait=2\n"
    "DefaultTime2Retain=0\nIFMarker=No\nOFMarker=No\nErrorRecoveryLevel=0\nInitialR2T=No\n"
    "ImmediateData=Yes\nMaxBurstLength=16776192\nFirstBurstLength=262144\n"
    "MaxOutstandingR2T=1\nMaxConnections=1\nDataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
    "MaxRecvDataSegmentLength=262144";

static void test_ipxe_none(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);

	rsp_init(&r);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = ipxe_security_none}, &r);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK_EQ(r.status, 0);
	CHECK(r.transit && !r.cont);
	CHECK_EQ(r.csg, 0);
	CHECK_EQ(r.nsg, 1);
	CHECK_STR(text_in_get(&r.text, "AuthMethod"), "None");
	CHECK_STR(text_in_get(&r.text, "TargetPortalGroupTag"), "1");
	CHECK_STR(text_in_get(&r.text, "TargetAlias"), "disk1");
	CHECK_EQ(r.statsn, 100);
	CHECK_EQ(r.exp_cmdsn, 5);
	CHECK_EQ(r.max_cmdsn, 5 + 32 - 1);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_OPERATIONAL);
	CHECK_STR(r.out.transition, "security -> operational");

	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = ipxe_operational}, &r);
	CHECK_STR(r.out.transition, "operational -> full-feature");
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK(r.transit);
	CHECK_EQ(r.csg, 1);
	CHECK_EQ(r.nsg, 3);
	CHECK_EQ(r.statsn, 101);
	CHECK_STR(text_in_get(&r.text, "MaxRecvDataSegmentLength"), "262144");
	CHECK_STR(text_in_get(&r.text, "FirstBurstLength"), "Irrelevant");
	CHECK(text_in_get(&r.text, "TargetPortalGroupTag") == NULL); /* first response only */
	login_set_tsih(&r.out, 0x1234);
	CHECK_EQ(get_be16(r.out.pdu.bhs + 14), 0x1234);
	const struct login_result *res = login_result(l);
	CHECK_STR(res->params.initiator_name, I_IPXE);
	CHECK_STR(res->params.target_name, T_DISK);
	CHECK_EQ(res->params.session_type, ISCSI_SESSION_NORMAL);
	CHECK_EQ(res->params.peer_max_recv_data_segment_length, 8192);
	CHECK(res->params.initial_r2t && !res->params.immediate_data);
	CHECK_MEM(res->isid, isid, 6);
	CHECK_EQ(res->tsih_requested, 0);
	CHECK_EQ(res->exp_cmdsn, 5);
	CHECK_EQ(res->next_statsn, 102);
	CHECK(!res->authenticated);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_FULL_FEATURE);
	/* anything after the login: 02/0B */
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3}, &r);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_INVALID_DURING_LOGIN);
	text_in_fini(&r.text);
	login_free(l);
}

/* Answers the target's challenge in r as the initiator would; returns "CHAP_N=..\nCHAP_R=.." */
static void chap_answer(const struct rsp *r, const char *user, const char *secret,
			const char *extra, char *out, size_t cap)
{
	uint8_t chal[CHAP_MAX_BINARY], digest[CHAP_MAX_DIGEST];
	char hex[2 * CHAP_MAX_DIGEST + 3];
	uint64_t id = 0, alg = 0;
	const char *a = text_in_get(&r->text, "CHAP_A"), *i = text_in_get(&r->text, "CHAP_I");
	const char *c = text_in_get(&r->text, "CHAP_C");

	CHECK(a && i && c);
	CHECK(a && negotiate_parse_number(a, 255, &alg));
	CHECK(i && negotiate_parse_number(i, 255, &id));
	int n = c ? chap_decode_binary(c, chal, sizeof(chal)) : -1;
	CHECK(n >= 16);
	chap_response((enum chap_alg)alg, (uint8_t)id, (const uint8_t *)secret, strlen(secret),
		      chal, n > 0 ? (size_t)n : 0, digest);
	chap_encode_hex(digest, chap_digest_len((enum chap_alg)alg), hex, sizeof(hex));
	snprintf(out, cap, "CHAP_N=%s\nCHAP_R=%s%s", user, hex, extra ? extra : "");
}

/* iPXE: T=1 on every security PDU; AuthMethod "CHAP,None" (one-way) or "CHAP" (mutual). */
static void run_ipxe_chap(const char *target, const char *methods, const char *secret,
			  const char *mutual_extra, const char *chap_a, struct rsp *r,
			  struct login **out)
{
	static struct env e;
	char text[512], answer[512];
	struct login *l = new_login(&e);

	snprintf(text, sizeof(text),
		 "InitiatorName=" I_IPXE "\nTargetName=%s\nSessionType=Normal\nAuthMethod=%s",
		 target, methods);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = text}, r);
	CHECK_EQ(r->out.action, LOGIN_CONTINUE);
	CHECK(!r->transit);
	CHECK_STR(text_in_get(&r->text, "AuthMethod"), "CHAP");
	snprintf(text, sizeof(text), "CHAP_A=%s", chap_a);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = text}, r);
	*out = l;
	if (r->out.action != LOGIN_CONTINUE)
		return;
	CHECK(!r->transit);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_SECURITY);
	chap_answer(r, "alice", secret, mutual_extra, answer, sizeof(answer));
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = answer}, r);
}

static void test_ipxe_chap(void)
{
	struct rsp r;
	struct login *l;

	rsp_init(&r);
	run_ipxe_chap(T_CHAP, "CHAP,None", "alicesecret1", NULL, "5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK_EQ(r.status, 0);
	CHECK(r.transit);
	CHECK_EQ(r.nsg, 1);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_OPERATIONAL);
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = ipxe_operational}, &r);
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK(login_result(l)->authenticated);
	CHECK_EQ(login_result(l)->chap_alg, CHAP_ALG_MD5);
	CHECK_EQ(r.statsn, 103);
	login_free(l);

	/* wrong secret: 02/01 with a reason for the log */
	run_ipxe_chap(T_CHAP, "CHAP,None", "wrongsecret!", NULL, "5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
	CHECK_STR(r.out.reason, "CHAP response does not match");
	login_free(l);

	/* Linux/EDK2 algorithm lists: the first we support, by number */
	run_ipxe_chap(T_CHAP, "CHAP", "alicesecret1", NULL, "8,7,6,5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK_EQ(login_result(l)->chap_alg, CHAP_ALG_SHA3_256);
	login_free(l);
	run_ipxe_chap(T_CHAP, "CHAP", "alicesecret1", NULL, "7,5", &r, &l);
	CHECK_EQ(login_result(l)->chap_alg, CHAP_ALG_SHA256);
	login_free(l);

	/* no algorithm we know */
	run_ipxe_chap(T_CHAP, "CHAP", "alicesecret1", NULL, "4,3", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
	login_free(l);
	text_in_fini(&r.text);
}

static void test_ipxe_mutual(void)
{
	struct rsp r;
	struct login *l;
	static const uint8_t ichal[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
	uint8_t want[CHAP_MAX_DIGEST];
	char hex[2 * CHAP_MAX_DIGEST + 3];

	rsp_init(&r);
	run_ipxe_chap(T_MUTUAL, "CHAP", "alicesecret1",
		      "\nCHAP_I=77\nCHAP_C=0x09080706050403020100010203040506", "5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK(r.transit);
	CHECK_STR(text_in_get(&r.text, "CHAP_N"), "target1");
	chap_response(CHAP_ALG_MD5, 77, (const uint8_t *)"targetsecret", 12, ichal, 16, want);
	chap_encode_hex(want, 16, hex, sizeof(hex));
	CHECK_STR(text_in_get(&r.text, "CHAP_R"), hex);
	login_free(l);

	/* mutual CHAP toward a target without a mutual secret */
	run_ipxe_chap(T_CHAP, "CHAP", "alicesecret1",
		      "\nCHAP_I=77\nCHAP_C=0x09080706050403020100010203040506", "5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
	login_free(l);

	/* reflection: our own challenge (fake random: 0x41.., after the id byte 0x40) sent back */
	run_ipxe_chap(T_MUTUAL, "CHAP", "alicesecret1",
		      "\nCHAP_I=1\nCHAP_C=0x4142434445464748494a4b4c4d4e4f50", "5", &r, &l);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_STR(r.out.reason, "mutual CHAP challenge reflects ours");
	login_free(l);
	text_in_fini(&r.text);
}

static void test_linux(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);

	rsp_init(&r);
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = linux_login}, &r);
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK(r.transit);
	CHECK_EQ(r.csg, 1);
	CHECK_EQ(r.nsg, 3);
	CHECK_STR(text_in_get(&r.text, "TargetPortalGroupTag"), "1");
	CHECK_STR(text_in_get(&r.text, "MaxRecvDataSegmentLength"), "262144");
	CHECK_STR(text_in_get(&r.text, "ImmediateData"), "Yes");
	CHECK_STR(text_in_get(&r.text, "InitialR2T"), "No");
	CHECK_EQ(text_in_count(&r.text, "MaxRecvDataSegmentLength"), 1);
	const struct login_result *res = login_result(l);
	CHECK_STR(res->params.initiator_alias, "host1");
	CHECK_EQ(res->params.peer_max_recv_data_segment_length, 262144);
	CHECK_EQ(res->params.max_burst_length, 1048576);
	CHECK_EQ(res->next_statsn, 101);
	login_free(l);

	/* Linux straight to operational on a target that needs CHAP */
	l = new_login(&e);
	char text[1024];
	snprintf(text, sizeof(text), "InitiatorName=" I_LINUX "\nTargetName=" T_CHAP);
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = text}, &r);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_AUTH_FAILED);
	login_free(l);
	text_in_fini(&r.text);
}

static void test_discovery(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);
	char answer[512];

	rsp_init(&r);
	step(l,
	     &(struct req){.transit = true,
			   .csg = 0,
			   .nsg = 1,
			   .text = "InitiatorName=" I_LINUX "\nSessionType=Discovery\n"
				   "AuthMethod=None"},
	     &r);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK(text_in_get(&r.text, "TargetPortalGroupTag") == NULL);
	step(l,
	     &(struct req){.transit = true,
			   .csg = 1,
			   .nsg = 3,
			   .text = "HeaderDigest=None\nDataDigest=None\nDefaultTime2Wait=2\n"
				   "DefaultTime2Retain=0\nIFMarker=No\nOFMarker=No\n"
				   "ErrorRecoveryLevel=0\nMaxRecvDataSegmentLength=32768"},
	     &r);
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK_EQ(login_result(l)->params.session_type, ISCSI_SESSION_DISCOVERY);
	CHECK_STR(login_result(l)->params.target_name, "");
	login_free(l);

	/* discovery CHAP, SHA-256 first as EDK2 does, straight to full feature from security */
	l = new_login(&e);
	e.discovery_chap = true;
	step(l,
	     &(struct req){.transit = true,
			   .csg = 0,
			   .nsg = 3,
			   .text = "InitiatorName=" I_LINUX "\nSessionType=Discovery\n"
				   "AuthMethod=CHAP,None"},
	     &r);
	CHECK_STR(text_in_get(&r.text, "AuthMethod"), "CHAP");
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 3, .text = "CHAP_A=7,5"}, &r);
	CHECK_STR(text_in_get(&r.text, "CHAP_A"), "7");
	CHECK_EQ(strlen(text_in_get(&r.text, "CHAP_C")), 2 + 64);
	chap_answer(&r, "disc", "discoverysecret", NULL, answer, sizeof(answer));
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 3, .text = answer}, &r);
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK_EQ(r.nsg, 3);
	CHECK_STR(text_in_get(&r.text, "MaxRecvDataSegmentLength"), "262144");
	login_free(l);
	text_in_fini(&r.text);
}

/* A request split over C-bit PDUs, and a response split because the initiator's segment is small.
 */
static void test_continue(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);
	char big[2048];

	rsp_init(&r);
	step(l,
	     &(struct req){.cont = true,
			   .csg = 1,
			   .nsg = 0,
			   .no_final_nul = true,
			   .text = "InitiatorName=" I_LINUX "\nTargetNa"},
	     &r);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK_EQ(r.out.pdu.data_len, 0);
	CHECK(!r.transit && !r.cont);
	/* the rest: "me=..." finishes the split pair; many unknown keys make a long answer */
	int n = snprintf(big, sizeof(big), "me=" T_DISK "\nMaxRecvDataSegmentLength=512");
	for (int i = 0; i < 20; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "\nX-vendor.key%02d=1", i);
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = big}, &r);
	CHECK_EQ(r.out.action, LOGIN_CONTINUE);
	CHECK(r.cont && !r.transit);
	CHECK_EQ(r.out.pdu.data_len, 512);
	uint32_t total = r.out.pdu.data_len;
	unsigned pieces = 1;
	while (r.out.action == LOGIN_CONTINUE && pieces < 10) {
		step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3}, &r);
		total += r.out.pdu.data_len;
		pieces++;
	}
	CHECK_EQ(r.out.action, LOGIN_DONE);
	CHECK(r.transit && !r.cont);
	CHECK_EQ(r.nsg, 3);
	CHECK(pieces >= 2);
	/* the pieces joined: every key answered once, our segment length declared */
	CHECK_STR(text_in_get(&r.text, "X-vendor.key00"), "NotUnderstood");
	CHECK_STR(text_in_get(&r.text, "X-vendor.key19"), "NotUnderstood");
	CHECK_STR(text_in_get(&r.text, "MaxRecvDataSegmentLength"), "262144");
	CHECK_EQ(r.text.n_pairs, 23); /* + TargetPortalGroupTag, TargetAlias */
	CHECK(total > 512);
	CHECK_STR(login_result(l)->params.target_name, T_DISK);
	login_free(l);
	text_in_fini(&r.text);
}

struct fail_case {
	const char *name;
	struct req req;
	uint16_t opcode; /* 0: login request */
	uint16_t status;
};

static const struct fail_case fail_cases[] = {
    {"unknown target",
     {.transit = true,
      .csg = 1,
      .nsg = 3,
      .text = "InitiatorName=" I_IPXE "\nTargetName=iqn.x:none"},
     0,
     ISCSI_LOGIN_STATUS_NOT_FOUND},
    {"ACL",
     {.transit = true, .csg = 1, .nsg = 3, .text = "InitiatorName=" I_IPXE "\nTargetName=" T_ACL},
     0,
     ISCSI_LOGIN_STATUS_NOT_AUTHORIZED},
    {"TSIH of another session",
     {.transit = true,
      .csg = 1,
      .nsg = 3,
      .tsih = 7,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_NO_SESSION},
    {"version",
     {.transit = true,
      .csg = 1,
      .nsg = 3,
      .version_min = 1,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_UNSUPPORTED_VERSION},
    {"no InitiatorName",
     {.transit = true, .csg = 1, .nsg = 3, .text = "TargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_MISSING_PARAMETER},
    {"control byte in InitiatorName",
     {.transit = true,
      .csg = 1,
      .nsg = 3,
      .text = "InitiatorName=iqn.x:a\x1b[2J\nTargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"space in TargetName",
     {.transit = true, .csg = 1, .nsg = 3, .text = "InitiatorName=" I_IPXE "\nTargetName=iqn.x: y"},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"no TargetName",
     {.transit = true, .csg = 1, .nsg = 3, .text = "InitiatorName=" I_IPXE "\nSessionType=Normal"},
     0,
     ISCSI_LOGIN_STATUS_MISSING_PARAMETER},
    {"SCSI command during login",
     {.csg = 1},
     ISCSI_OP_SCSI_CMD,
     ISCSI_LOGIN_STATUS_INVALID_DURING_LOGIN},
    {"T and C",
     {.transit = true,
      .cont = true,
      .csg = 1,
      .nsg = 3,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"NSG not forward",
     {.transit = true, .csg = 1, .nsg = 1, .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"key twice",
     {.transit = true,
      .csg = 1,
      .nsg = 3,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK
	      "\nMaxBurstLength=512\nMaxBurstLength=512"},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"CHAP target, AuthMethod=None",
     {.transit = true,
      .csg = 0,
      .nsg = 1,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_CHAP "\nAuthMethod=None"},
     0,
     ISCSI_LOGIN_STATUS_AUTH_FAILED},
    {"CHAP target, no AuthMethod",
     {.transit = true, .csg = 0, .nsg = 1, .text = "InitiatorName=" I_IPXE "\nTargetName=" T_CHAP},
     0,
     ISCSI_LOGIN_STATUS_AUTH_FAILED},
    {"open target, CHAP only",
     {.transit = true,
      .csg = 0,
      .nsg = 1,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_DISK "\nAuthMethod=CHAP"},
     0,
     ISCSI_LOGIN_STATUS_AUTH_FAILED},
    {"CHAP_R before a challenge",
     {.transit = true,
      .csg = 0,
      .nsg = 1,
      .text = "InitiatorName=" I_IPXE "\nTargetName=" T_CHAP
	      "\nAuthMethod=CHAP\nCHAP_N=a\nCHAP_R=0x00"},
     0,
     ISCSI_LOGIN_STATUS_AUTH_FAILED},
    {"SessionType",
     {.transit = true, .csg = 1, .nsg = 3, .text = "InitiatorName=" I_IPXE "\nSessionType=Boot"},
     0,
     ISCSI_LOGIN_STATUS_SESSION_TYPE_UNSUPPORTED},
    {"malformed text",
     {.transit = true, .csg = 1, .nsg = 3, .text = "InitiatorName=" I_IPXE "\nTargetName" T_DISK},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"full feature as first stage",
     {.transit = true, .csg = 3, .nsg = 3, .text = "InitiatorName=" I_IPXE},
     0,
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
};

static void test_failures(void)
{
	struct env e;
	struct rsp r;

	rsp_init(&r);
	for (size_t i = 0; i < sizeof(fail_cases) / sizeof(fail_cases[0]); i++) {
		const struct fail_case *c = &fail_cases[i];
		struct login *l = new_login(&e);
		char buf[1024];
		struct iscsi_pdu pdu = make_pdu(&c->req, buf, sizeof(buf));
		if (c->opcode)
			pdu.bhs[0] = (uint8_t)c->opcode;
		login_step(l, &pdu, &r.out);
		uint16_t st = get_be16(r.out.pdu.bhs + 36);
		if (st != c->status || r.out.action != LOGIN_FAIL)
			fprintf(stderr, "case %s: status %#06x action %d\n", c->name, st,
				r.out.action);
		CHECK_EQ(st, c->status);
		CHECK_EQ(r.out.status, c->status);
		CHECK_EQ(r.out.action, LOGIN_FAIL);
		CHECK(r.out.reason != NULL);
		CHECK_EQ(r.out.pdu.data_len, 0);
		CHECK_EQ(login_stage(l), LOGIN_STAGE_FAILED);
		CHECK(r.out.transition && strstr(r.out.transition, "-> failed"));
		login_free(l);
	}

	/* CSG that does not follow our answer; text beyond the cap */
	struct login *l = new_login(&e);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = ipxe_security_none}, &r);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = "X-a=1"}, &r);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	login_free(l);
	l = new_login(&e);
	static char huge[3000];
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "X-a=", 4);
	for (int i = 0; i < 3; i++) {
		step(l, &(struct req){.cont = true, .csg = 1, .text = huge}, &r);
		CHECK_EQ(r.status, i < 2 ? 0 : ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES);
	}
	login_free(l);
	text_in_fini(&r.text);
	CHECK_STR(login_stage_name(LOGIN_STAGE_OPERATIONAL), "operational");
}

/* The caller refuses a login that login_step completed (too many sessions). */
static void test_refuse(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);

	rsp_init(&r);
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = linux_login}, &r);
	CHECK_EQ(r.out.action, LOGIN_DONE);
	login_refuse(l, &r.out, ISCSI_LOGIN_STATUS_TOO_MANY_CONNECTIONS, "too many sessions");
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.out.status, ISCSI_LOGIN_STATUS_TOO_MANY_CONNECTIONS);
	CHECK_STR(r.out.reason, "too many sessions");
	CHECK_EQ(r.out.pdu.data_len, 0);
	CHECK_EQ(get_be24(r.out.pdu.bhs + 5), 0);
	CHECK_EQ(r.out.pdu.bhs[1] & 0x80, 0);
	CHECK_EQ(get_be16(r.out.pdu.bhs + 36), 0x0206);
	CHECK_EQ(get_be32(r.out.pdu.bhs + 24), 100); /* the StatSN of the response it replaces */
	CHECK_EQ(get_be32(r.out.pdu.bhs + 16), 0x1000);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_FAILED);
	login_free(l);

	/* names are known for the log line even when the target is refused */
	l = new_login(&e);
	step(l,
	     &(struct req){.transit = true,
			   .csg = 1,
			   .nsg = 3,
			   .text = "InitiatorName=" I_IPXE "\nTargetName=iqn.x:none"},
	     &r);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_NOT_FOUND);
	CHECK_STR(login_result(l)->params.initiator_name, I_IPXE);
	CHECK_STR(login_result(l)->params.target_name, "iqn.x:none");
	login_free(l);
	text_in_fini(&r.text);
}

/* RFC 7143 11.13.5, 13.8: a target served by another node answers the first request with status
 * 01/01 and TargetAddress; the login ends there. */
static void test_redirect(void)
{
	struct env e;
	struct rsp r;
	struct login *l = new_login(&e);
	static const char ipxe_moved[] =
	    "InitiatorName=" I_IPXE "\nTargetName=" T_MOVED "\nSessionType=Normal\nAuthMethod=None";

	rsp_init(&r);
	step(l, &(struct req){.transit = true, .csg = 0, .nsg = 1, .text = ipxe_moved}, &r);
	CHECK_EQ(r.out.action, LOGIN_FAIL);
	CHECK_EQ(r.status, 0x0101);
	CHECK_EQ(r.out.status, ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP);
	CHECK_STR(text_in_get(&r.text, "TargetAddress"), "192.0.2.7:3261,1");
	CHECK(!text_in_get(&r.text, "AuthMethod"));
	CHECK(!r.transit);
	CHECK_EQ(login_stage(l), LOGIN_STAGE_FAILED);
	login_free(l);

	/* Linux's operational-stage login is redirected the same way */
	l = new_login(&e);
	static char moved_linux[sizeof(linux_login) + 64];
	snprintf(moved_linux, sizeof(moved_linux), "%s", linux_login);
	char *t = strstr(moved_linux, T_DISK);
	memcpy(t, T_MOVED, strlen(T_MOVED)); /* same length as T_DISK */
	step(l, &(struct req){.transit = true, .csg = 1, .nsg = 3, .text = moved_linux}, &r);
	CHECK_EQ(r.status, 0x0101);
	CHECK_STR(text_in_get(&r.text, "TargetAddress"), "192.0.2.7:3261,1");
	login_free(l);

	/* a redirect with nowhere to go is a target error, not an empty TargetAddress */
	l = new_login(&e);
	step(l,
	     &(struct req){.transit = true,
			   .csg = 1,
			   .nsg = 3,
			   .text = "InitiatorName=" I_IPXE "\nTargetName=" T_NOWHERE},
	     &r);
	CHECK_EQ(r.status, ISCSI_LOGIN_STATUS_TARGET_ERROR);
	CHECK_EQ(r.out.pdu.data_len, 0);
	login_free(l);
	text_in_fini(&r.text);
}

int main(void)
{
	test_redirect();
	test_ipxe_none();
	test_ipxe_chap();
	test_ipxe_mutual();
	test_linux();
	test_discovery();
	test_continue();
	test_failures();
	test_refuse();
	return CHECK_SUMMARY();
}
