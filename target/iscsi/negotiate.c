/* negotiate.c: the key table and the answer for each key type (RFC 7143 6.2, 13; RFC 7144). */
#include "target/iscsi/negotiate.h"

#include <stdio.h>
#include <string.h>

#include "target/iscsi/pdu.h"

#define DSL_MIN 512u
#define DSL_MAX 16777215u /* 2^24 - 1 */

/* RFC 7143 section 13 (and 12 for the security keys, RFC 7144 for the last two). min/max are the
 * numeric range, or the longest value for strings and lists. */
static const struct neg_key_def key_table[NEG_KEY_COUNT] = {
#define K(key, nm, ty, lo, hi, st, sc, lead, disc)                                                 \
	[key] = {.name = nm,                                                                       \
		 .id = key,                                                                        \
		 .type = ty,                                                                       \
		 .min = lo,                                                                        \
		 .max = hi,                                                                        \
		 .stages = st,                                                                     \
		 .scope = sc,                                                                      \
		 .leading_only = lead,                                                             \
		 .irrelevant_in_discovery = disc}
    K(NEG_KEY_HEADER_DIGEST, "HeaderDigest", NEG_LIST, 0, 255, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION,
      false, false),
    K(NEG_KEY_DATA_DIGEST, "DataDigest", NEG_LIST, 0, 255, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION,
      false, false),
    K(NEG_KEY_MAX_CONNECTIONS, "MaxConnections", NEG_NUM_MIN, 1, 65535, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_SEND_TARGETS, "SendTargets", NEG_STRING, 0, 255, NEG_IN_FFP, NEG_SCOPE_SESSION, false,
      false),
    K(NEG_KEY_TARGET_NAME, "TargetName", NEG_STRING, 1, ISCSI_NAME_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
    K(NEG_KEY_INITIATOR_NAME, "InitiatorName", NEG_STRING, 1, ISCSI_NAME_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
    K(NEG_KEY_TARGET_ALIAS, "TargetAlias", NEG_STRING, 0, ISCSI_ALIAS_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, false, false),
    K(NEG_KEY_INITIATOR_ALIAS, "InitiatorAlias", NEG_STRING, 0, ISCSI_ALIAS_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, false, false),
    K(NEG_KEY_TARGET_ADDRESS, "TargetAddress", NEG_STRING, 0, 255, NEG_IN_LOGIN | NEG_IN_FFP,
      NEG_SCOPE_SESSION, false, false),
    K(NEG_KEY_TARGET_PORTAL_GROUP_TAG, "TargetPortalGroupTag", NEG_STRING, 0, 65535, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, false, false),
    K(NEG_KEY_INITIAL_R2T, "InitialR2T", NEG_BOOL_OR, 0, 1, NEG_IN_LOGIN, NEG_SCOPE_SESSION, true,
      true),
    K(NEG_KEY_IMMEDIATE_DATA, "ImmediateData", NEG_BOOL_AND, 0, 1, NEG_IN_LOGIN, NEG_SCOPE_SESSION,
      true, true),
    K(NEG_KEY_MAX_RECV_DATA_SEGMENT_LENGTH, "MaxRecvDataSegmentLength", NEG_DECLARATIVE, DSL_MIN,
      DSL_MAX, NEG_IN_LOGIN | NEG_IN_FFP, NEG_SCOPE_CONNECTION, false, false),
    K(NEG_KEY_MAX_BURST_LENGTH, "MaxBurstLength", NEG_NUM_MIN, DSL_MIN, DSL_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_FIRST_BURST_LENGTH, "FirstBurstLength", NEG_NUM_MIN, DSL_MIN, DSL_MAX, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_DEFAULT_TIME2WAIT, "DefaultTime2Wait", NEG_NUM_MAX, 0, 3600, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
    K(NEG_KEY_DEFAULT_TIME2RETAIN, "DefaultTime2Retain", NEG_NUM_MIN, 0, 3600, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
    K(NEG_KEY_MAX_OUTSTANDING_R2T, "MaxOutstandingR2T", NEG_NUM_MIN, 1, 65535, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_DATA_PDU_IN_ORDER, "DataPDUInOrder", NEG_BOOL_OR, 0, 1, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_DATA_SEQUENCE_IN_ORDER, "DataSequenceInOrder", NEG_BOOL_OR, 0, 1, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, true),
    K(NEG_KEY_ERROR_RECOVERY_LEVEL, "ErrorRecoveryLevel", NEG_NUM_MIN, 0, 2, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
    K(NEG_KEY_SESSION_TYPE, "SessionType", NEG_STRING, 1, 16, NEG_IN_LOGIN, NEG_SCOPE_SESSION, true,
      false),
    K(NEG_KEY_AUTH_METHOD, "AuthMethod", NEG_SECURITY, 0, 255, NEG_IN_SECURITY,
      NEG_SCOPE_CONNECTION, false, false),
    K(NEG_KEY_CHAP_A, "CHAP_A", NEG_SECURITY, 0, 255, NEG_IN_SECURITY, NEG_SCOPE_CONNECTION, false,
      false),
    K(NEG_KEY_CHAP_I, "CHAP_I", NEG_SECURITY, 0, 255, NEG_IN_SECURITY, NEG_SCOPE_CONNECTION, false,
      false),
    K(NEG_KEY_CHAP_C, "CHAP_C", NEG_SECURITY, 0, TEXT_BINARY_VALUE_MAX, NEG_IN_SECURITY,
      NEG_SCOPE_CONNECTION, false, false),
    K(NEG_KEY_CHAP_N, "CHAP_N", NEG_SECURITY, 0, 255, NEG_IN_SECURITY, NEG_SCOPE_CONNECTION, false,
      false),
    K(NEG_KEY_CHAP_R, "CHAP_R", NEG_SECURITY, 0, TEXT_BINARY_VALUE_MAX, NEG_IN_SECURITY,
      NEG_SCOPE_CONNECTION, false, false),
    K(NEG_KEY_IF_MARKER, "IFMarker", NEG_OBSOLETE, 0, 1, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION, false,
      false),
    K(NEG_KEY_OF_MARKER, "OFMarker", NEG_OBSOLETE, 0, 1, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION, false,
      false),
    K(NEG_KEY_OF_MARK_INT, "OFMarkInt", NEG_OBSOLETE, 0, 255, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION,
      false, false),
    K(NEG_KEY_IF_MARK_INT, "IFMarkInt", NEG_OBSOLETE, 0, 255, NEG_IN_LOGIN, NEG_SCOPE_CONNECTION,
      false, false),
    K(NEG_KEY_TASK_REPORTING, "TaskReporting", NEG_LIST, 0, 255, NEG_IN_LOGIN, NEG_SCOPE_SESSION,
      true, false),
    K(NEG_KEY_PROTOCOL_LEVEL, "iSCSIProtocolLevel", NEG_NUM_MIN, 0, 31, NEG_IN_LOGIN,
      NEG_SCOPE_SESSION, true, false),
#undef K
};

void negotiate_target_limits_default(struct iscsi_target_limits *l)
{
	*l = (struct iscsi_target_limits){
	    .max_recv_data_segment_length = 262144,
	    .max_burst_length = 1048576,
	    .first_burst_length = 65536,
	    .max_outstanding_r2t = 1,
	    .default_time2wait = 0, /* iPXE asks 0 to reconnect at once; max rule */
	    .default_time2retain = 0,
	    .initial_r2t = false,
	    .immediate_data = true,
	    .header_digest_allowed = true,
	    .data_digest_allowed = true,
	};
}

/* RFC 7143 section 13 defaults. */
void negotiate_params_default(struct iscsi_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_connections = 1;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->max_recv_data_segment_length = 8192;
	p->peer_max_recv_data_segment_length = 8192;
	p->max_burst_length = 262144;
	p->first_burst_length = 65536;
	p->default_time2wait = 2;
	p->default_time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->data_pdu_in_order = true;
	p->data_sequence_in_order = true;
	p->error_recovery_level = 0;
	p->protocol_level = 1;
	p->session_type = ISCSI_SESSION_NORMAL;
}

const struct neg_key_def *negotiate_key_lookup(const char *name)
{
	for (unsigned i = 0; i < NEG_KEY_COUNT; i++) {
		if (strcmp(key_table[i].name, name) == 0)
			return &key_table[i];
	}
	return NULL;
}

const struct neg_key_def *negotiate_key_def(enum neg_key id)
{
	return (unsigned)id < NEG_KEY_COUNT ? &key_table[id] : NULL;
}

void negotiate_init(struct negotiation *n, const struct iscsi_target_limits *lim)
{
	memset(n, 0, sizeof(*n));
	n->lim = *lim;
	negotiate_params_default(&n->params);
	/* Our declaration holds from the moment we send it; until then the default applies. */
	n->params.max_recv_data_segment_length = lim->max_recv_data_segment_length;
}

bool negotiate_parse_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static int parse_bool(const char *v)
{
	if (strcmp(v, "Yes") == 0)
		return 1;
	if (strcmp(v, "No") == 0)
		return 0;
	return -1;
}

/* Our side of each boolean key, and where the result goes. */
static bool *bool_slot(struct negotiation *n, enum neg_key id, bool *ours)
{
	switch (id) {
	case NEG_KEY_INITIAL_R2T:
		*ours = n->lim.initial_r2t;
		return &n->params.initial_r2t;
	case NEG_KEY_IMMEDIATE_DATA:
		*ours = n->lim.immediate_data;
		return &n->params.immediate_data;
	case NEG_KEY_DATA_PDU_IN_ORDER:
		*ours = true; /* Data-Out PDUs in order */
		return &n->params.data_pdu_in_order;
	case NEG_KEY_DATA_SEQUENCE_IN_ORDER:
		*ours = true;
		return &n->params.data_sequence_in_order;
	default:
		return NULL;
	}
}

/* Our side of each numeric key, and where the result goes. */
static uint32_t *num_slot(struct negotiation *n, enum neg_key id, uint32_t *ours)
{
	struct iscsi_params *p = &n->params;

	switch (id) {
	case NEG_KEY_MAX_CONNECTIONS:
		*ours = 1; /* one connection per session */
		return &p->max_connections;
	case NEG_KEY_MAX_BURST_LENGTH:
		*ours = n->lim.max_burst_length;
		return &p->max_burst_length;
	case NEG_KEY_FIRST_BURST_LENGTH:
		*ours = n->lim.first_burst_length;
		return &p->first_burst_length;
	case NEG_KEY_DEFAULT_TIME2WAIT:
		*ours = n->lim.default_time2wait;
		return &p->default_time2wait;
	case NEG_KEY_DEFAULT_TIME2RETAIN:
		*ours = n->lim.default_time2retain;
		return &p->default_time2retain;
	case NEG_KEY_MAX_OUTSTANDING_R2T:
		*ours = n->lim.max_outstanding_r2t;
		return &p->max_outstanding_r2t;
	case NEG_KEY_ERROR_RECOVERY_LEVEL:
		*ours = 0; /* RFC 7143 7.1.5: level 0 only */
		return &p->error_recovery_level;
	case NEG_KEY_PROTOCOL_LEVEL:
		*ours = 1; /* RFC 7143 */
		return &p->protocol_level;
	default:
		return NULL;
	}
}

/* RFC 7143 6.2.2 list: the first of the initiator's values we accept, else Reject. */
static void answer_list(struct negotiation *n, const struct neg_key_def *d, const char *value,
			struct text_out *out)
{
	char item[64];
	const char *p = value;
	bool allowed_crc = d->id == NEG_KEY_HEADER_DIGEST ? n->lim.header_digest_allowed
							  : n->lim.data_digest_allowed;

	while (*p) {
		size_t len = strcspn(p, ",");
		if (len < sizeof(item)) {
			memcpy(item, p, len);
			item[len] = '\0';
			bool ok = false;
			if (d->id == NEG_KEY_TASK_REPORTING)
				ok = strcmp(item, "RFC3720") == 0;
			else if (strcmp(item, "None") == 0)
				ok = true;
			else if (strcmp(item, "CRC32C") == 0)
				ok = allowed_crc;
			if (ok) {
				bool crc = strcmp(item, "CRC32C") == 0;
				if (d->id == NEG_KEY_HEADER_DIGEST)
					n->params.header_digest = crc;
				else if (d->id == NEG_KEY_DATA_DIGEST)
					n->params.data_digest = crc;
				text_out_add(out, d->name, item);
				return;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	text_out_add(out, d->name, "Reject");
}

static void answer_number(struct negotiation *n, const struct neg_key_def *d, const char *value,
			  struct text_out *out)
{
	uint64_t v;
	uint32_t ours;
	uint32_t *slot = num_slot(n, d->id, &ours);

	if (!slot || !negotiate_parse_number(value, d->max, &v) || v < d->min) {
		text_out_add(out, d->name, "Reject");
		return;
	}
	uint32_t theirs = (uint32_t)v;
	if (d->id == NEG_KEY_FIRST_BURST_LENGTH) {
		n->first_burst_pending = true; /* answered in negotiate_end_request */
		n->first_burst_offer = theirs;
		return;
	}
	if (d->type == NEG_NUM_MIN)
		*slot = theirs < ours ? theirs : ours;
	else
		*slot = theirs > ours ? theirs : ours;
	text_out_add_u32(out, d->name, *slot);
}

static void answer_bool(struct negotiation *n, const struct neg_key_def *d, const char *value,
			struct text_out *out)
{
	int theirs = parse_bool(value);
	bool ours;
	bool *slot = bool_slot(n, d->id, &ours);

	if (theirs < 0 || !slot) {
		text_out_add(out, d->name, "Reject");
		return;
	}
	*slot = d->type == NEG_BOOL_AND ? (theirs && ours) : (theirs || ours);
	text_out_add(out, d->name, *slot ? "Yes" : "No");
}

/* RFC 7143 13.26: markers are obsolete. IFMarker/OFMarker: "No" (allowed instead of Reject, and
 * what every initiator that still sends them expects); the intervals: Reject. */
static void answer_obsolete(const struct neg_key_def *d, const char *value, struct text_out *out)
{
	if ((d->id == NEG_KEY_IF_MARKER || d->id == NEG_KEY_OF_MARKER) && parse_bool(value) >= 0)
		text_out_add(out, d->name, "No");
	else
		text_out_add(out, d->name, "Reject");
}

static void copy_string(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src);
}

/* Declarations from the initiator: stored, not answered. */
static int answer_string(struct negotiation *n, const struct neg_key_def *d, const char *value,
			 struct text_out *out, const char **reason)
{
	size_t len = strlen(value);

	if (len < d->min || len > d->max) {
		*reason = "name or alias length out of range";
		return ISCSI_LOGIN_STATUS_INITIATOR_ERROR;
	}
	switch (d->id) {
	case NEG_KEY_INITIATOR_NAME:
		copy_string(n->params.initiator_name, sizeof(n->params.initiator_name), value);
		return 0;
	case NEG_KEY_INITIATOR_ALIAS:
		copy_string(n->params.initiator_alias, sizeof(n->params.initiator_alias), value);
		return 0;
	case NEG_KEY_TARGET_NAME:
		copy_string(n->params.target_name, sizeof(n->params.target_name), value);
		return 0;
	case NEG_KEY_SESSION_TYPE:
		if (strcmp(value, "Normal") == 0) {
			n->params.session_type = ISCSI_SESSION_NORMAL;
		} else if (strcmp(value, "Discovery") == 0) {
			n->params.session_type = ISCSI_SESSION_DISCOVERY;
		} else {
			*reason = "unsupported SessionType";
			return ISCSI_LOGIN_STATUS_SESSION_TYPE_UNSUPPORTED;
		}
		return 0;
	default:
		/* Target-only declarations (TargetAlias, TargetAddress, TargetPortalGroupTag) and
		 * SendTargets outside full feature phase do not apply to a login request. */
		text_out_add(out, d->name, "Irrelevant");
		return 0;
	}
}

static void answer_mrdsl(struct negotiation *n, const struct neg_key_def *d, const char *value,
			 struct text_out *out)
{
	uint64_t v;

	if (!negotiate_parse_number(value, d->max, &v) || v < d->min) {
		text_out_add(out, d->name, "Reject");
		return;
	}
	n->params.peer_max_recv_data_segment_length = (uint32_t)v;
	negotiate_declare(n, out);
}

/* libiscsi declares InitiatorName, TargetName and SessionType again in every login request;
 * the same value again changes nothing, so it is accepted (only a different one is an error). */
static bool same_declaration(const struct negotiation *n, enum neg_key id, const char *value)
{
	const struct iscsi_params *p = &n->params;
	switch (id) {
	case NEG_KEY_INITIATOR_NAME:
		return strcmp(value, p->initiator_name) == 0;
	case NEG_KEY_TARGET_NAME:
		return strcmp(value, p->target_name) == 0;
	case NEG_KEY_INITIATOR_ALIAS:
		return strcmp(value, p->initiator_alias) == 0;
	case NEG_KEY_SESSION_TYPE:
		return strcmp(value, p->session_type == ISCSI_SESSION_DISCOVERY ? "Discovery"
										: "Normal") == 0;
	default:
		return false;
	}
}

int negotiate_key(struct negotiation *n, const char *key, const char *value, unsigned stage,
		  struct text_out *out, const char **reason)
{
	const struct neg_key_def *d = negotiate_key_lookup(key);

	if (!d) {
		text_out_add(out, key, "NotUnderstood"); /* RFC 7143 6.2: includes X- keys */
		return 0;
	}
	/* RFC 7143 6.2: a key negotiated twice in one login is an initiator error. The FFP
	 * (Text) exchange starts a fresh struct negotiation per request sequence. */
	if (n->seen & (1ull << d->id)) {
		if (same_declaration(n, d->id, value))
			return 0;
		*reason = "key offered twice";
		return ISCSI_LOGIN_STATUS_INITIATOR_ERROR;
	}
	n->seen |= 1ull << d->id;
	if (d->type == NEG_SECURITY) {
		*reason = "security key outside the security stage";
		return ISCSI_LOGIN_STATUS_INITIATOR_ERROR;
	}
	if (!(d->stages & stage)) {
		text_out_add(out, key, stage == NEG_IN_FFP ? "Reject" : "Irrelevant");
		return 0;
	}
	if (d->irrelevant_in_discovery && n->params.session_type == ISCSI_SESSION_DISCOVERY) {
		text_out_add(out, key, "Irrelevant");
		return 0;
	}
	switch (d->type) {
	case NEG_BOOL_AND:
	case NEG_BOOL_OR:
		answer_bool(n, d, value, out);
		return 0;
	case NEG_NUM_MIN:
	case NEG_NUM_MAX:
		answer_number(n, d, value, out);
		return 0;
	case NEG_LIST:
		answer_list(n, d, value, out);
		return 0;
	case NEG_DECLARATIVE:
		answer_mrdsl(n, d, value, out);
		return 0;
	case NEG_STRING:
		return answer_string(n, d, value, out, reason);
	case NEG_OBSOLETE:
		answer_obsolete(d, value, out);
		return 0;
	case NEG_SECURITY:
		break;
	}
	return 0;
}

void negotiate_end_request(struct negotiation *n, struct text_out *out)
{
	struct iscsi_params *p = &n->params;

	if (!n->first_burst_pending)
		return;
	n->first_burst_pending = false;
	/* RFC 7143 13.14: irrelevant when InitialR2T=Yes and ImmediateData=No. */
	if (p->initial_r2t && !p->immediate_data) {
		text_out_add(out, "FirstBurstLength", "Irrelevant");
		return;
	}
	uint32_t v = n->first_burst_offer;
	if (v > n->lim.first_burst_length)
		v = n->lim.first_burst_length;
	if (v > p->max_burst_length) /* 13.14: FirstBurstLength <= MaxBurstLength */
		v = p->max_burst_length;
	p->first_burst_length = v;
	text_out_add_u32(out, "FirstBurstLength", v);
}

void negotiate_declare(struct negotiation *n, struct text_out *out)
{
	struct iscsi_params *p = &n->params;

	if (n->declared_mrdsl)
		return;
	n->declared_mrdsl = true;
	text_out_add_u32(out, "MaxRecvDataSegmentLength", n->lim.max_recv_data_segment_length);
	if (p->first_burst_length > p->max_burst_length)
		p->first_burst_length = p->max_burst_length;
}
