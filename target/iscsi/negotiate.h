/* negotiate.h: typed negotiation of the RFC 7143 login and text keys (RFC 7143 sections 6.2,
 * 12 and 13; RFC 7144 for iSCSIProtocolLevel and TaskReporting).
 *
 * Every key the target knows is one row of a table: its type (bool-and, bool-or, number-min,
 * number-max, list, declarative, string), its valid range, the stages it may appear in, its scope
 * and whether it is leading-only. The target's own offers and limits come from
 * struct iscsi_target_limits; the outcome of a login is struct iscsi_params.
 *
 * Answers follow RFC 7143 6.2: a value outside the key's range -> "key=Reject"; an unknown key
 * (including X- and X# extensions) -> "key=NotUnderstood"; a key that does not apply
 * (e.g. MaxBurstLength in a discovery session) -> "key=Irrelevant"; a key offered twice in one
 * login -> login failure 02/00 (RFC 7143 6.2). Security keys (AuthMethod, CHAP_*) are in the table
 * but answered by login.c. */
#ifndef RINGSAN_ISCSI_NEGOTIATE_H
#define RINGSAN_ISCSI_NEGOTIATE_H

#include <stdbool.h>
#include <stdint.h>

#include "target/iscsi/text.h"

#define ISCSI_NAME_MAX	223 /* RFC 7143 4.2.7.1: iSCSI names are at most 223 bytes */
#define ISCSI_ALIAS_MAX 255

enum iscsi_session_type {
	ISCSI_SESSION_NORMAL = 0,
	ISCSI_SESSION_DISCOVERY = 1,
};

/* What the target offers and accepts. Byte counts are bytes; times are seconds. The target only
 * answers keys (it never offers one, which would cost a round trip): a limit tighter than the
 * RFC 7143 default takes effect only when the initiator offers that key, so keep these at or
 * above the defaults (MaxBurstLength 262144, FirstBurstLength 65536, MaxOutstandingR2T 1). */
struct iscsi_target_limits {
	uint32_t max_recv_data_segment_length; /* declared by us; 512..2^24-1 */
	uint32_t max_burst_length;	       /* 512..2^24-1; results are min(ours, theirs) */
	uint32_t first_burst_length;	       /* 512..2^24-1, <= max_burst_length */
	uint32_t max_outstanding_r2t;	       /* 1..65535 */
	uint32_t default_time2wait;	       /* 0..3600 (max rule: ours is a floor) */
	uint32_t default_time2retain;	       /* 0..3600 (min rule) */
	bool initial_r2t;		       /* OR: Yes from us forces R2Ts */
	bool immediate_data;		       /* AND: No from us forbids immediate data */
	bool header_digest_allowed;	       /* CRC32C accepted for headers */
	bool data_digest_allowed;	       /* CRC32C accepted for data */
};

/* Defaults that real initiators negotiate well against (Linux, iPXE, libiscsi). */
void negotiate_target_limits_default(struct iscsi_target_limits *l);

/* The negotiated state of every key after login (RFC 7143 defaults until changed). */
struct iscsi_params {
	bool header_digest, data_digest; /* CRC32C in use */
	uint32_t max_connections;
	bool initial_r2t, immediate_data;
	uint32_t max_recv_data_segment_length;	    /* ours, declared: largest segment we accept */
	uint32_t peer_max_recv_data_segment_length; /* the initiator's: largest segment we send */
	uint32_t max_burst_length, first_burst_length;
	uint32_t default_time2wait, default_time2retain;
	uint32_t max_outstanding_r2t;
	bool data_pdu_in_order, data_sequence_in_order;
	uint32_t error_recovery_level;
	uint32_t protocol_level; /* iSCSIProtocolLevel (RFC 7144): 1 = RFC 7143 */
	enum iscsi_session_type session_type;
	char initiator_name[ISCSI_NAME_MAX + 1];
	char initiator_alias[ISCSI_ALIAS_MAX + 1];
	char target_name[ISCSI_NAME_MAX + 1]; /* empty for discovery */
};

void negotiate_params_default(struct iscsi_params *p);

enum neg_key_type {
	NEG_BOOL_AND,
	NEG_BOOL_OR,
	NEG_NUM_MIN,
	NEG_NUM_MAX,
	NEG_LIST,
	NEG_DECLARATIVE, /* numeric declaration (MaxRecvDataSegmentLength) */
	NEG_STRING,	 /* declarative text (names, aliases, SessionType, SendTargets) */
	NEG_SECURITY,	 /* AuthMethod and CHAP_*: answered by login.c */
	NEG_OBSOLETE,	 /* RFC 7143 13.26: markers */
};

/* Stages a key may appear in (bit mask). */
#define NEG_IN_SECURITY	   0x1
#define NEG_IN_OPERATIONAL 0x2
#define NEG_IN_LOGIN	   (NEG_IN_SECURITY | NEG_IN_OPERATIONAL)
#define NEG_IN_FFP	   0x4 /* Text requests in full feature phase */

enum neg_scope { NEG_SCOPE_SESSION, NEG_SCOPE_CONNECTION };

enum neg_key {
	NEG_KEY_HEADER_DIGEST,
	NEG_KEY_DATA_DIGEST,
	NEG_KEY_MAX_CONNECTIONS,
	NEG_KEY_SEND_TARGETS,
	NEG_KEY_TARGET_NAME,
	NEG_KEY_INITIATOR_NAME,
	NEG_KEY_TARGET_ALIAS,
	NEG_KEY_INITIATOR_ALIAS,
	NEG_KEY_TARGET_ADDRESS,
	NEG_KEY_TARGET_PORTAL_GROUP_TAG,
	NEG_KEY_INITIAL_R2T,
	NEG_KEY_IMMEDIATE_DATA,
	NEG_KEY_MAX_RECV_DATA_SEGMENT_LENGTH,
	NEG_KEY_MAX_BURST_LENGTH,
	NEG_KEY_FIRST_BURST_LENGTH,
	NEG_KEY_DEFAULT_TIME2WAIT,
	NEG_KEY_DEFAULT_TIME2RETAIN,
	NEG_KEY_MAX_OUTSTANDING_R2T,
	NEG_KEY_DATA_PDU_IN_ORDER,
	NEG_KEY_DATA_SEQUENCE_IN_ORDER,
	NEG_KEY_ERROR_RECOVERY_LEVEL,
	NEG_KEY_SESSION_TYPE,
	NEG_KEY_AUTH_METHOD,
	NEG_KEY_CHAP_A,
	NEG_KEY_CHAP_I,
	NEG_KEY_CHAP_C,
	NEG_KEY_CHAP_N,
	NEG_KEY_CHAP_R,
	NEG_KEY_IF_MARKER,
	NEG_KEY_OF_MARKER,
	NEG_KEY_OF_MARK_INT,
	NEG_KEY_IF_MARK_INT,
	NEG_KEY_TASK_REPORTING,
	NEG_KEY_PROTOCOL_LEVEL,
	NEG_KEY_COUNT
};

struct neg_key_def {
	const char *name;
	enum neg_key id;
	enum neg_key_type type;
	uint32_t min, max; /* numeric range, or the longest value for strings */
	uint8_t stages;	   /* NEG_IN_* */
	enum neg_scope scope;
	bool leading_only; /* LO in RFC 7143 13 */
	bool irrelevant_in_discovery;
};

/* The row for a key name (case-sensitive, RFC 7143 6.1), or NULL. */
const struct neg_key_def *negotiate_key_lookup(const char *name);
const struct neg_key_def *negotiate_key_def(enum neg_key id);

/* One login's (or text exchange's) negotiation. */
struct negotiation {
	struct iscsi_target_limits lim;
	struct iscsi_params params;
	uint64_t seen;		  /* bit per enum neg_key: offered by the initiator this login */
	bool first_burst_pending; /* answered at the end of the request (depends on R2T keys) */
	uint32_t first_burst_offer;
	bool declared_mrdsl; /* our MaxRecvDataSegmentLength has been sent */
};

void negotiate_init(struct negotiation *n, const struct iscsi_target_limits *lim);

/* Answers one non-security pair received in the given stage (NEG_IN_SECURITY, NEG_IN_OPERATIONAL
 * or NEG_IN_FFP) into out. Returns 0, or a login status (ISCSI_LOGIN_STATUS_*) that ends the login,
 * with *reason set to a static string for the log. */
int negotiate_key(struct negotiation *n, const char *key, const char *value, unsigned stage,
		  struct text_out *out, const char **reason);
/* After all pairs of one request: answers keys whose result depends on others (FirstBurstLength is
 * Irrelevant with InitialR2T=Yes and ImmediateData=No, RFC 7143 13.14). */
void negotiate_end_request(struct negotiation *n, struct text_out *out);
/* Before the response that ends the operational stage: our declarations the initiator must hear
 * (MaxRecvDataSegmentLength always: Linux assumes 8 KiB otherwise). Idempotent. */
void negotiate_declare(struct negotiation *n, struct text_out *out);

/* Parses an RFC 7143 6.1 numerical value (decimal, or 0x hex) up to max. False if malformed. */
bool negotiate_parse_number(const char *s, uint64_t max, uint64_t *out);

#endif
