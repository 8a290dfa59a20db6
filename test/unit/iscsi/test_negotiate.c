/* test_negotiate.c: the key table and answers (RFC 7143 6.2, 13), table-driven, with the exact key
 * sets iPXE and Linux open-iscsi send (as captured from them). Requests and expected answers are
 * written one "key=value" per line; answers are compared as sorted sets. */
#include <stdlib.h>

#include "target/iscsi/negotiate.h"
#include "target/iscsi/pdu.h"
#include "test/unit/check.h"

struct neg_case {
	const char *name;
	enum iscsi_session_type type;
	unsigned stage;
	const char *request;
	const char *want; /* sorted or not: compared as sets of lines */
	int want_status;
};

static const char ipxe_operational[] = "HeaderDigest=None\nDataDigest=None\nMaxConnections=1\n"
				       "InitialR2T=Yes\nImmediateData=No\n"
				       "MaxRecvDataSegmentLength=8192\nMaxBurstLength=262144\n"
				       "FirstBurstLength=65536\nDefaultTime2Wait=0\n"
				       "DefaultTime2Retain=0\nMaxOutstandingR2T=1\n"
				       "DataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
				       "ErrorRecoveryLevel=0";

static const char linux_login[] =
    "InitiatorName=iqn.2004-10.com.ubuntu:01:abcdef\nInitiatorAlias=host1\n"
    "TargetName=iqn.2026-01.lab.ringsan:disk1\nSessionType=Normal\nHeaderDigest=None\n"
    "DataDigest=None\nDefaultTime2Wait=2\nDefaultTime2Retain=0\nIFMarker=No\nOFMarker=No\n"
    "ErrorRecoveryLevel=0\nInitialR2T=No\nImmediateData=Yes\nMaxBurstLength=16776192\n"
    "FirstBurstLength=262144\nMaxOutstandingR2T=1\nMaxConnections=1\nDataPDUInOrder=Yes\n"
    "DataSequenceInOrder=Yes\nMaxRecvDataSegmentLength=262144";

static const struct neg_case cases[] = {
    {"iPXE operational", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL, ipxe_operational,
     "HeaderDigest=None\nDataDigest=None\nMaxConnections=1\nInitialR2T=Yes\n"
     "ImmediateData=No\nMaxRecvDataSegmentLength=262144\nMaxBurstLength=262144\n"
     "FirstBurstLength=Irrelevant\nDefaultTime2Wait=0\nDefaultTime2Retain=0\n"
     "MaxOutstandingR2T=1\nDataPDUInOrder=Yes\nDataSequenceInOrder=Yes\nErrorRecoveryLevel=0",
     0},
    {"Linux 20 keys", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL, linux_login,
     "HeaderDigest=None\nDataDigest=None\nDefaultTime2Wait=2\nDefaultTime2Retain=0\n"
     "IFMarker=No\nOFMarker=No\nErrorRecoveryLevel=0\nInitialR2T=No\nImmediateData=Yes\n"
     "MaxBurstLength=1048576\nFirstBurstLength=65536\nMaxOutstandingR2T=1\n"
     "MaxConnections=1\nDataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
     "MaxRecvDataSegmentLength=262144",
     0},
    {"digests chosen in the initiator's order", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "HeaderDigest=CRC32C,None\nDataDigest=None,CRC32C", "HeaderDigest=CRC32C\nDataDigest=None", 0},
    {"digest values we do not know", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "HeaderDigest=MD5\nDataDigest=Foo,CRC32C", "HeaderDigest=Reject\nDataDigest=CRC32C", 0},
    {"out of range", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "MaxBurstLength=100\nMaxRecvDataSegmentLength=511\nErrorRecoveryLevel=3\n"
     "MaxConnections=0\nInitialR2T=Maybe\nDefaultTime2Wait=3601\nMaxOutstandingR2T=65536",
     "MaxBurstLength=Reject\nMaxRecvDataSegmentLength=Reject\nErrorRecoveryLevel=Reject\n"
     "MaxConnections=Reject\nInitialR2T=Reject\nDefaultTime2Wait=Reject\n"
     "MaxOutstandingR2T=Reject",
     0},
    {"edges and hex", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "MaxBurstLength=0x1000\nMaxRecvDataSegmentLength=16777215\nErrorRecoveryLevel=2\n"
     "MaxConnections=65535\nDefaultTime2Retain=3600\nMaxOutstandingR2T=8",
     "MaxBurstLength=4096\nMaxRecvDataSegmentLength=262144\nErrorRecoveryLevel=0\n"
     "MaxConnections=1\nDefaultTime2Retain=0\nMaxOutstandingR2T=1",
     0},
    {"FirstBurstLength capped by MaxBurstLength", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "FirstBurstLength=65536\nMaxBurstLength=4096\nInitialR2T=No",
     "FirstBurstLength=4096\nMaxBurstLength=4096\nInitialR2T=No", 0},
    {"unknown, extension and obsolete keys", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "X-com.example.flag=1\nFooBar=2\nX#vendor=3\nOFMarkInt=2048\nIFMarkInt=1\n"
     "IFMarker=Yes\nTaskReporting=ResponseFence,RFC3720\niSCSIProtocolLevel=2\n"
     "SendTargets=All\nTargetAlias=x\nTargetPortalGroupTag=1",
     "X-com.example.flag=NotUnderstood\nFooBar=NotUnderstood\nX#vendor=NotUnderstood\n"
     "OFMarkInt=Reject\nIFMarkInt=Reject\nIFMarker=No\nTaskReporting=RFC3720\n"
     "iSCSIProtocolLevel=1\nSendTargets=Irrelevant\nTargetAlias=Irrelevant\n"
     "TargetPortalGroupTag=Irrelevant",
     0},
    {"discovery: session keys irrelevant", ISCSI_SESSION_DISCOVERY, NEG_IN_OPERATIONAL,
     "MaxBurstLength=262144\nInitialR2T=Yes\nImmediateData=No\nFirstBurstLength=65536\n"
     "MaxConnections=1\nMaxOutstandingR2T=1\nDataPDUInOrder=Yes\nDataSequenceInOrder=Yes\n"
     "HeaderDigest=None\nMaxRecvDataSegmentLength=32768\nErrorRecoveryLevel=0\n"
     "DefaultTime2Wait=2",
     "MaxBurstLength=Irrelevant\nInitialR2T=Irrelevant\nImmediateData=Irrelevant\n"
     "FirstBurstLength=Irrelevant\nMaxConnections=Irrelevant\nMaxOutstandingR2T=Irrelevant\n"
     "DataPDUInOrder=Irrelevant\nDataSequenceInOrder=Irrelevant\nHeaderDigest=None\n"
     "MaxRecvDataSegmentLength=262144\nErrorRecoveryLevel=0\nDefaultTime2Wait=2",
     0},
    {"full feature phase", ISCSI_SESSION_NORMAL, NEG_IN_FFP,
     "MaxRecvDataSegmentLength=65536\nHeaderDigest=CRC32C\nMaxBurstLength=4096",
     "MaxRecvDataSegmentLength=262144\nHeaderDigest=Reject\nMaxBurstLength=Reject", 0},
    {"repeated key", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "MaxBurstLength=4096\nMaxBurstLength=4096", "MaxBurstLength=4096",
     ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"bad SessionType", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL, "SessionType=Weird", "",
     ISCSI_LOGIN_STATUS_SESSION_TYPE_UNSUPPORTED},
    {"security key in operational stage", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "AuthMethod=None", "", ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
    {"name too long", ISCSI_SESSION_NORMAL, NEG_IN_OPERATIONAL,
     "InitiatorName=iqn.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     "", ISCSI_LOGIN_STATUS_INITIATOR_ERROR},
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Splits "a\nb" or "a\0b\0" into sorted lines; returns the count. */
static unsigned split_sorted(char *s, size_t len, char sep, char **lines, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		lines[n++] = s + i;
		while (i < len && s[i] != sep)
			i++;
		if (i < len)
			s[i++] = '\0';
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	return n;
}

static bool run_case(const struct neg_case *c, struct negotiation *n)
{
	struct iscsi_target_limits lim;
	struct text_in in;
	char req[2048], out_buf[2048], want[2048];
	char *got_lines[64], *want_lines[64];
	struct text_out out;
	const char *reason = NULL;
	int status = 0;

	negotiate_target_limits_default(&lim);
	negotiate_init(n, &lim);
	n->params.session_type = c->type;
	snprintf(req, sizeof(req), "%s", c->request);
	for (char *p = req; *p; p++)
		*p = *p == '\n' ? '\0' : *p;
	if (text_in_init(&in, 4096) != 0)
		abort();
	text_in_append(&in, (const uint8_t *)req, (uint32_t)strlen(c->request) + 1);
	CHECK_EQ(text_in_parse(&in, TEXT_VALUE_MAX), 0);
	text_out_init(&out, out_buf, sizeof(out_buf));
	for (unsigned i = 0; i < in.n_pairs && !status; i++)
		status =
		    negotiate_key(n, in.pairs[i].key, in.pairs[i].value, c->stage, &out, &reason);
	if (!status)
		negotiate_end_request(n, &out);
	text_in_fini(&in);
	if (status != c->want_status) {
		fprintf(stderr, "%s: status %#x, want %#x (%s)\n", c->name, status, c->want_status,
			reason ? reason : "");
		return false;
	}
	if (status)
		return reason != NULL;
	snprintf(want, sizeof(want), "%s", c->want);
	unsigned ng = split_sorted(out_buf, out.len ? out.len - 1 : 0, '\0', got_lines, 64);
	unsigned nw = split_sorted(want, strlen(want), '\n', want_lines, 64);
	bool same = ng == nw;
	for (unsigned i = 0; same && i < ng; i++)
		same = strcmp(got_lines[i], want_lines[i]) == 0;
	if (!same) {
		fprintf(stderr, "%s: got %u answers:\n", c->name, ng);
		for (unsigned i = 0; i < ng; i++)
			fprintf(stderr, "  %s\n", got_lines[i]);
	}
	return same;
}

static void test_cases(void)
{
	struct negotiation n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(run_case(&cases[i], &n));
	/* The outcome of the Linux login in struct iscsi_params. */
	CHECK(run_case(&cases[1], &n));
	CHECK_STR(n.params.initiator_name, "iqn.2004-10.com.ubuntu:01:abcdef");
	CHECK_STR(n.params.initiator_alias, "host1");
	CHECK_STR(n.params.target_name, "iqn.2026-01.lab.ringsan:disk1");
	CHECK_EQ(n.params.peer_max_recv_data_segment_length, 262144);
	CHECK_EQ(n.params.max_recv_data_segment_length, 262144);
	CHECK_EQ(n.params.max_burst_length, 1048576);
	CHECK_EQ(n.params.first_burst_length, 65536);
	CHECK(!n.params.initial_r2t);
	CHECK(n.params.immediate_data);
	CHECK(!n.params.header_digest);
	CHECK_EQ(n.params.default_time2retain, 0);
	/* iPXE */
	CHECK(run_case(&cases[0], &n));
	CHECK_EQ(n.params.peer_max_recv_data_segment_length, 8192);
	CHECK(n.params.initial_r2t);
	CHECK(!n.params.immediate_data);
	CHECK_EQ(n.params.max_burst_length, 262144);
	CHECK_EQ(n.params.default_time2wait, 0);
	CHECK(run_case(&cases[2], &n));
	CHECK(n.params.header_digest);
	CHECK(!n.params.data_digest);
}

static void test_table(void)
{
	/* Every row is named, typed and found by its name. */
	for (unsigned i = 0; i < NEG_KEY_COUNT; i++) {
		const struct neg_key_def *d = negotiate_key_def((enum neg_key)i);
		CHECK(d && d->name && d->id == (enum neg_key)i);
		CHECK(d && negotiate_key_lookup(d->name) == d);
	}
	CHECK(negotiate_key_lookup("headerdigest") == NULL); /* keys are case-sensitive */
	CHECK_EQ(negotiate_key_lookup("ImmediateData")->type, NEG_BOOL_AND);
	CHECK_EQ(negotiate_key_lookup("InitialR2T")->type, NEG_BOOL_OR);
	CHECK_EQ(negotiate_key_lookup("DefaultTime2Wait")->type, NEG_NUM_MAX);
	CHECK_EQ(negotiate_key_lookup("MaxRecvDataSegmentLength")->scope, NEG_SCOPE_CONNECTION);
	CHECK(negotiate_key_lookup("MaxBurstLength")->leading_only);

	uint64_t v;
	CHECK(negotiate_parse_number("0", 10, &v) && v == 0);
	CHECK(negotiate_parse_number("0xfF", 255, &v) && v == 255);
	CHECK(!negotiate_parse_number("0x", 255, &v));
	CHECK(!negotiate_parse_number("", 255, &v));
	CHECK(!negotiate_parse_number("-1", 255, &v));
	CHECK(!negotiate_parse_number("256", 255, &v));
	CHECK(!negotiate_parse_number("99999999999999999999999", UINT64_MAX / 16, &v));
}

int main(void)
{
	test_table();
	test_cases();
	return CHECK_SUMMARY();
}
