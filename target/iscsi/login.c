/* login.c: the target side of the iSCSI login phase (RFC 7143 6.3, 11.12, 11.13, 12.1). */
#include "target/iscsi/login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/iscsi/text.h"

#define LOGIN_OUT_CAP	 16384
#define LOGIN_DATA_PIECE 8192 /* RFC 7143 13.12: the default MaxRecvDataSegmentLength */

enum auth_state {
	AUTH_START,  /* no AuthMethod chosen yet */
	AUTH_CHAP_A, /* AuthMethod=CHAP chosen: waiting for CHAP_A */
	AUTH_CHAP_R, /* challenge sent: waiting for CHAP_N and CHAP_R */
	AUTH_DONE,   /* None chosen, or CHAP passed */
};

struct login {
	struct login_config cfg;
	const struct login_ops *ops;
	void *ctx;
	enum login_stage stage;
	char transition[48];

	struct text_in in;
	char *out; /* response text, LOGIN_OUT_CAP */
	struct text_out tout;
	uint32_t out_off;     /* bytes of tout already sent (continued response) */
	bool pending_transit; /* the response being continued ends with T=1 */
	enum login_action pending_action;
	uint8_t pending_csg, pending_nsg;

	struct negotiation neg;
	struct login_result res;
	bool first_done; /* the first request has been seen */
	uint32_t statsn;
	struct iscsi_login_req last_req; /* the request the latest response answers */

	enum auth_state auth;
	enum chap_alg alg;
	uint8_t chap_id;
	uint8_t challenge[CHAP_MAX_DIGEST];
	size_t challenge_len;
};

static const char *const stage_names[] = {
    [LOGIN_STAGE_START] = "start",
    [LOGIN_STAGE_SECURITY] = "security",
    [LOGIN_STAGE_OPERATIONAL] = "operational",
    [LOGIN_STAGE_FULL_FEATURE] = "full-feature",
    [LOGIN_STAGE_FAILED] = "failed",
};

const char *login_stage_name(enum login_stage s)
{
	return (unsigned)s <= LOGIN_STAGE_FAILED ? stage_names[s] : "?";
}

/* The one place the stage changes; only forward moves are allowed (RFC 7143 6.3, 11.12.3). */
static bool set_stage(struct login *l, enum login_stage to)
{
	enum login_stage from = l->stage;
	bool ok = to == LOGIN_STAGE_FAILED ||
		  (from == LOGIN_STAGE_START && to < LOGIN_STAGE_FULL_FEATURE) ||
		  (from == LOGIN_STAGE_SECURITY && to > from && to != LOGIN_STAGE_FAILED) ||
		  (from == LOGIN_STAGE_OPERATIONAL && to == LOGIN_STAGE_FULL_FEATURE);

	if (!ok || from == to)
		return ok;
	snprintf(l->transition, sizeof(l->transition), "%s -> %s", login_stage_name(from),
		 login_stage_name(to));
	l->stage = to;
	return true;
}

struct login *login_new(const struct login_config *cfg, const struct login_ops *ops, void *ctx)
{
	struct login *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cfg = *cfg;
	l->ops = ops;
	l->ctx = ctx;
	l->out = malloc(LOGIN_OUT_CAP);
	if (!l->out || text_in_init(&l->in, cfg->text_cap ? cfg->text_cap : 32768) != 0) {
		login_free(l);
		return NULL;
	}
	negotiate_init(&l->neg, &cfg->limits);
	l->statsn = cfg->initial_statsn;
	l->stage = LOGIN_STAGE_START;
	return l;
}

void login_free(struct login *l)
{
	if (!l)
		return;
	text_in_fini(&l->in);
	free(l->out);
	free(l);
}

enum login_stage login_stage(const struct login *l)
{
	return l->stage;
}

bool login_awaits_chap_response(const struct login *l)
{
	return l->auth == AUTH_CHAP_R && l->stage == LOGIN_STAGE_SECURITY;
}

const struct login_result *login_result(const struct login *l)
{
	return &l->res;
}

void login_set_tsih(struct login_out *rsp, uint16_t tsih)
{
	pdu_login_rsp_set_tsih(rsp->pdu.bhs, tsih);
}

/* Fills the response header; data is the next piece of l->tout (at most 8192 bytes: the
 * initiator's MaxRecvDataSegmentLength during login, RFC 7143 13.12). */
/* Returns true when the text answer goes on in another response (C bit). */
static bool build_rsp(struct login *l, const struct iscsi_login_req *req, bool transit, uint8_t csg,
		      uint8_t nsg, uint16_t status, struct login_out *rsp)
{
	uint32_t piece_max = l->neg.params.peer_max_recv_data_segment_length < LOGIN_DATA_PIECE
				 ? l->neg.params.peer_max_recv_data_segment_length
				 : LOGIN_DATA_PIECE;
	uint32_t left = l->tout.len - l->out_off;
	uint32_t piece = left > piece_max ? piece_max : left;
	bool more = piece < left;
	uint32_t exp_cmdsn = req->cmdsn;
	uint32_t window = l->cfg.cmdsn_window ? l->cfg.cmdsn_window : 1;
	struct iscsi_login_rsp r = {
	    .transit = transit && !more,
	    .cont = more,
	    .csg = csg,
	    .nsg = nsg,
	    .tsih = 0,
	    .itt = req->h.itt,
	    .statsn = l->statsn++,
	    .exp_cmdsn = exp_cmdsn,
	    .max_cmdsn = exp_cmdsn + window - 1,
	    .status_class = ISCSI_LOGIN_STATUS_CLASS(status),
	    .status_detail = ISCSI_LOGIN_STATUS_DETAIL(status),
	    .data_len = status && ISCSI_LOGIN_STATUS_CLASS(status) != 1 ? 0 : piece,
	};

	memcpy(r.isid, req->isid, 6);
	memset(&rsp->pdu, 0, sizeof(rsp->pdu));
	pdu_encode_login_rsp(rsp->pdu.bhs, &r);
	rsp->pdu.data = r.data_len ? (uint8_t *)l->out + l->out_off : NULL;
	rsp->pdu.data_len = r.data_len;
	l->out_off += r.data_len;
	if (more) { /* the rest goes out as the initiator sends empty requests */
		l->pending_transit = transit;
		l->pending_csg = csg;
		l->pending_nsg = nsg;
	}
	l->res.max_cmdsn = r.max_cmdsn;
	l->res.exp_cmdsn = exp_cmdsn;
	l->res.next_statsn = l->statsn;
	return more;
}

/* Records why a request fails, for the caller's log line; returns the login status. */
static int why(const char **reason, const char *text, int status)
{
	*reason = text;
	return status;
}

static void fail(struct login *l, const struct iscsi_login_req *req, uint16_t status,
		 const char *reason, struct login_out *rsp)
{
	l->tout.len = 0;
	l->out_off = 0;
	/* RFC 7143 11.13.5: a redirection names the new address in TargetAddress. */
	if (ISCSI_LOGIN_STATUS_CLASS(status) == 1 && l->res.target.redirect[0]) {
		text_out_init(&l->tout, l->out, LOGIN_OUT_CAP);
		text_out_add(&l->tout, "TargetAddress", l->res.target.redirect);
	}
	build_rsp(l, req, false, req->csg, 0, status, rsp);
	set_stage(l, LOGIN_STAGE_FAILED);
	rsp->action = LOGIN_FAIL;
	rsp->status = status;
	rsp->reason = reason;
}

/* ---- security stage: AuthMethod and CHAP (RFC 7143 12.1) ---- */

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && memcmp(p, item, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Returns 0 or a login status. */
static int auth_method(struct login *l, const char *value, const char **reason)
{
	bool chap = l->res.target.chap_required;

	if (l->auth != AUTH_START)
		return why(reason, "AuthMethod offered twice", ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (chap && list_has(value, "CHAP")) {
		text_out_add(&l->tout, "AuthMethod", "CHAP");
		l->auth = AUTH_CHAP_A;
		return 0;
	}
	if (!chap && list_has(value, "None")) {
		text_out_add(&l->tout, "AuthMethod", "None");
		l->auth = AUTH_DONE;
		return 0;
	}
	text_out_add(&l->tout, "AuthMethod", "Reject");
	*reason = chap ? "CHAP required but not offered" : "only AuthMethod=None is available";
	return ISCSI_LOGIN_STATUS_AUTH_FAILED;
}

static int chap_algorithm(struct login *l, const char *value, const char **reason)
{
	char hex[2 * CHAP_MAX_DIGEST + 3];

	if (l->auth != AUTH_CHAP_A)
		return why(reason, "CHAP_A out of sequence", ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	l->alg = chap_choose_alg(value);
	if (l->alg == CHAP_ALG_NONE) {
		text_out_add(&l->tout, "CHAP_A", "Reject");
		*reason = "no supported CHAP algorithm offered";
		return ISCSI_LOGIN_STATUS_AUTH_FAILED;
	}
	l->challenge_len = chap_digest_len(l->alg) < 16 ? 16 : chap_digest_len(l->alg);
	l->ops->random(l->ctx, &l->chap_id, 1);
	l->ops->random(l->ctx, l->challenge, l->challenge_len);
	text_out_add_u32(&l->tout, "CHAP_A", l->alg);
	text_out_add_u32(&l->tout, "CHAP_I", l->chap_id);
	chap_encode_hex(l->challenge, l->challenge_len, hex, sizeof(hex));
	text_out_add(&l->tout, "CHAP_C", hex);
	l->auth = AUTH_CHAP_R;
	return 0;
}

/* Mutual CHAP: the initiator's CHAP_I/CHAP_C, answered with our CHAP_N/CHAP_R. */
static int chap_mutual(struct login *l, const char *id_s, const char *chal_s, const char **reason)
{
	uint8_t chal[CHAP_MAX_BINARY], rsp[CHAP_MAX_DIGEST];
	char hex[2 * CHAP_MAX_DIGEST + 3];
	const struct login_target_info *t = &l->res.target;
	uint64_t id;
	int n;

	if (!id_s || !chal_s)
		return why(reason, "mutual CHAP needs both CHAP_I and CHAP_C",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	n = chap_decode_binary(chal_s, chal, sizeof(chal));
	if (!negotiate_parse_number(id_s, 255, &id) || n <= 0)
		return why(reason, "malformed mutual CHAP_I or CHAP_C",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	if (!t->mutual_secret[0])
		return why(reason, "mutual CHAP requested but not configured",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	/* RFC 7143 12.1.3: a challenge equal to ours is a reflection attack. */
	if ((size_t)n == l->challenge_len && memcmp(chal, l->challenge, (size_t)n) == 0)
		return why(reason, "mutual CHAP challenge reflects ours",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	if (chap_response(l->alg, (uint8_t)id, (const uint8_t *)t->mutual_secret,
			  strlen(t->mutual_secret), chal, (size_t)n, rsp) != 0)
		return why(reason, "CHAP digest failed", ISCSI_LOGIN_STATUS_TARGET_ERROR);
	chap_encode_hex(rsp, chap_digest_len(l->alg), hex, sizeof(hex));
	text_out_add(&l->tout, "CHAP_N", t->mutual_user);
	text_out_add(&l->tout, "CHAP_R", hex);
	return 0;
}

static int chap_verify(struct login *l, const char **reason)
{
	const struct login_target_info *t = &l->res.target;
	const char *name = text_in_get(&l->in, "CHAP_N"), *resp = text_in_get(&l->in, "CHAP_R");
	const char *id = text_in_get(&l->in, "CHAP_I"), *chal = text_in_get(&l->in, "CHAP_C");

	if (l->auth != AUTH_CHAP_R || !name || !resp)
		return why(reason, "CHAP_N/CHAP_R missing or out of sequence",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	if (!t->chap_secret[0]) /* never accept a response computed from an empty secret */
		return why(reason, "CHAP required but no secret configured",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	bool name_ok = strcmp(name, t->chap_user) == 0;
	bool resp_ok =
	    chap_check(l->alg, l->chap_id, t->chap_secret, l->challenge, l->challenge_len, resp);
	if (!name_ok || !resp_ok)
		return why(reason,
			   name_ok ? "CHAP response does not match" : "unknown CHAP user name",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	if (id || chal) {
		int st = chap_mutual(l, id, chal, reason);
		if (st)
			return st;
	}
	l->auth = AUTH_DONE;
	l->res.authenticated = true;
	l->res.chap_alg = l->alg;
	return 0;
}

/* Answers the security keys of one request; the other keys go to negotiation. 0 or a status. */
static int security_keys(struct login *l, const char **reason)
{
	bool chap_rn = false;

	for (unsigned i = 0; i < l->in.n_pairs; i++) {
		const struct text_pair *p = &l->in.pairs[i];
		const struct neg_key_def *d = negotiate_key_lookup(p->key);
		int st = 0;
		if (!d || d->type != NEG_SECURITY)
			st = negotiate_key(&l->neg, p->key, p->value, NEG_IN_SECURITY, &l->tout,
					   reason);
		else if (text_in_count(&l->in, p->key) > 1)
			st = why(reason, "security key repeated",
				 ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
		else if (d->id == NEG_KEY_AUTH_METHOD)
			st = auth_method(l, p->value, reason);
		else if (d->id == NEG_KEY_CHAP_A)
			st = chap_algorithm(l, p->value, reason);
		else
			chap_rn = true; /* CHAP_N/R/I/C: checked together below */
		if (st)
			return st;
	}
	negotiate_end_request(&l->neg, &l->tout);
	return chap_rn ? chap_verify(l, reason) : 0;
}

/* ---- the first request: who is logging in to what (RFC 7143 6.3.1, 13.4, 13.21) ---- */

static const char *refusal_reason(bool discovery, int status)
{
	switch (status) {
	case ISCSI_LOGIN_STATUS_NOT_FOUND:
		return "no such target";
	case ISCSI_LOGIN_STATUS_NOT_AUTHORIZED:
		return "initiator not authorized for this target (not in allowed_initiators)";
	case ISCSI_LOGIN_STATUS_TARGET_REMOVED:
		return "the target was removed";
	case ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES:
		return "too many sessions (max_sessions)";
	case ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE:
		return "the target is busy (a ringsan command or another node holds the LUN)";
	case ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP:
		return "target moved temporarily (served by another node)";
	default:
		return discovery ? "discovery refused" : "target refused";
	}
}

/* RFC 3722's stringprep profile for iSCSI names leaves no space and no control character. */
static bool name_printable(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int first_request(struct login *l, const struct iscsi_login_req *req, const char **reason)
{
	const char *iname = text_in_get(&l->in, "InitiatorName");
	const char *tname = text_in_get(&l->in, "TargetName");
	const char *stype = text_in_get(&l->in, "SessionType");
	struct login_target_info *t = &l->res.target;
	int st;

	memcpy(l->res.isid, req->isid, 6);
	/* Known before any check, so that the caller can name who failed to log in. */
	snprintf(l->neg.params.initiator_name, sizeof(l->neg.params.initiator_name), "%s",
		 iname ? iname : "");
	snprintf(l->neg.params.target_name, sizeof(l->neg.params.target_name), "%s",
		 tname ? tname : "");
	l->res.tsih_requested = req->tsih;
	l->res.cid = req->cid;
	if (req->tsih != 0)
		return why(reason, "connection for an existing session (MaxConnections=1)",
			   ISCSI_LOGIN_STATUS_NO_SESSION);
	if (req->csg != ISCSI_STAGE_SECURITY && req->csg != ISCSI_STAGE_OPERATIONAL)
		return why(reason, "first request not in security or operational stage",
			   ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (stype && strcmp(stype, "Discovery") == 0)
		l->neg.params.session_type = ISCSI_SESSION_DISCOVERY;
	else if (stype && strcmp(stype, "Normal") != 0)
		return why(reason, "unsupported SessionType",
			   ISCSI_LOGIN_STATUS_SESSION_TYPE_UNSUPPORTED);
	bool discovery = l->neg.params.session_type == ISCSI_SESSION_DISCOVERY;
	if (!iname || !iname[0])
		return why(reason, "no InitiatorName", ISCSI_LOGIN_STATUS_MISSING_PARAMETER);
	if (!discovery && (!tname || !tname[0]))
		return why(reason, "no TargetName", ISCSI_LOGIN_STATUS_MISSING_PARAMETER);
	if (strlen(iname) > ISCSI_NAME_MAX || (tname && strlen(tname) > ISCSI_NAME_MAX))
		return why(reason, "name longer than 223 bytes",
			   ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (!name_printable(iname) || (tname && !name_printable(tname)))
		return why(reason,
			   "a name with a space or a control byte (iSCSI names have neither)",
			   ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (discovery)
		st = l->ops->find_discovery ? l->ops->find_discovery(l->ctx, iname, t) : 0;
	else
		st = l->ops->find_target(l->ctx, tname, iname, l->res.isid, t);
	if (st == ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP && (discovery || !t->redirect[0]))
		st = ISCSI_LOGIN_STATUS_TARGET_ERROR; /* a redirect needs somewhere to go */
	if (st)
		return why(reason, refusal_reason(discovery, st), st);
	t->chap_required = t->chap_required || t->chap_secret[0];
	if (t->chap_required && req->csg != ISCSI_STAGE_SECURITY)
		return why(reason, "CHAP required, login skipped the security stage",
			   ISCSI_LOGIN_STATUS_AUTH_FAILED);
	if (!discovery) /* RFC 7143 13.9: declared in the first response of a normal session */
		text_out_add_u32(&l->tout, "TargetPortalGroupTag", l->cfg.tpgt);
	if (!discovery && t->target_alias[0])
		text_out_add(&l->tout, "TargetAlias", t->target_alias);
	set_stage(l, req->csg == ISCSI_STAGE_SECURITY ? LOGIN_STAGE_SECURITY
						      : LOGIN_STAGE_OPERATIONAL);
	return 0;
}

static int operational_keys(struct login *l, const char **reason)
{
	for (unsigned i = 0; i < l->in.n_pairs; i++) {
		const struct text_pair *p = &l->in.pairs[i];
		int st =
		    negotiate_key(&l->neg, p->key, p->value, NEG_IN_OPERATIONAL, &l->tout, reason);
		if (st)
			return st;
	}
	negotiate_end_request(&l->neg, &l->tout);
	return 0;
}

/* Checks a later request against the first (RFC 7143 11.12: ISID, TSIH, CID, CmdSN stay). */
static int same_login(const struct login *l, const struct iscsi_login_req *req, const char **reason)
{
	enum login_stage want = req->csg == ISCSI_STAGE_SECURITY      ? LOGIN_STAGE_SECURITY
				: req->csg == ISCSI_STAGE_OPERATIONAL ? LOGIN_STAGE_OPERATIONAL
								      : LOGIN_STAGE_FAILED;

	if (memcmp(req->isid, l->res.isid, 6) != 0 || req->tsih != l->res.tsih_requested ||
	    req->cid != l->res.cid)
		return why(reason, "ISID, TSIH or CID changed during login",
			   ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (want != l->stage)
		return why(reason, "CSG does not match the login stage",
			   ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	return 0;
}

/* The response for a request whose keys have been answered: stay, or transit (RFC 7143 6.3). */
static void decide(struct login *l, const struct iscsi_login_req *req, struct login_out *rsp)
{
	bool transit = req->transit;
	uint8_t nsg = req->nsg;

	if (l->stage == LOGIN_STAGE_SECURITY && transit) {
		if (l->auth == AUTH_START && l->res.target.chap_required) {
			fail(l, req, ISCSI_LOGIN_STATUS_AUTH_FAILED,
			     "CHAP required, initiator skipped authentication", rsp);
			return;
		}
		if (l->auth == AUTH_START)
			l->auth = AUTH_DONE; /* no AuthMethod offered: None */
		/* iPXE sets T on every security PDU while CHAP runs: stay until it is done. */
		transit = l->auth == AUTH_DONE;
	}
	if (transit && nsg != ISCSI_STAGE_FULL_FEATURE &&
	    !(l->stage == LOGIN_STAGE_SECURITY && nsg == ISCSI_STAGE_OPERATIONAL)) {
		fail(l, req, ISCSI_LOGIN_STATUS_INITIATOR_ERROR, "invalid NSG", rsp);
		return;
	}
	if (transit && nsg == ISCSI_STAGE_FULL_FEATURE) {
		negotiate_declare(&l->neg, &l->tout);
		l->res.params = l->neg.params;
	}
	if (l->tout.overflow) {
		fail(l, req, ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES, "login response too long", rsp);
		return;
	}
	uint8_t csg = req->csg;
	if (transit)
		set_stage(l, nsg == ISCSI_STAGE_FULL_FEATURE ? LOGIN_STAGE_FULL_FEATURE
							     : LOGIN_STAGE_OPERATIONAL);
	enum login_action action =
	    l->stage == LOGIN_STAGE_FULL_FEATURE ? LOGIN_DONE : LOGIN_CONTINUE;
	bool more = build_rsp(l, req, transit, csg, transit ? nsg : 0, 0, rsp);
	l->pending_action = action;
	rsp->action = more ? LOGIN_CONTINUE : action;
}

/* A request while our previous response is still being continued (C bit): it must be empty. */
static void continue_response(struct login *l, const struct iscsi_login_req *req,
			      struct login_out *rsp)
{
	if (req->h.data_len || req->cont) {
		fail(l, req, ISCSI_LOGIN_STATUS_INITIATOR_ERROR,
		     "data while the target's response is continued", rsp);
		return;
	}
	bool more = build_rsp(l, req, l->pending_transit, l->pending_csg,
			      l->pending_transit ? l->pending_nsg : 0, 0, rsp);
	rsp->action = more ? LOGIN_CONTINUE : l->pending_action;
}

static int check_request(struct login *l, const struct iscsi_pdu *pdu, struct iscsi_login_req *req,
			 const char **reason)
{
	if (pdu_opcode(pdu->bhs) != ISCSI_OP_LOGIN_REQ)
		return why(reason, "non-login PDU during login",
			   ISCSI_LOGIN_STATUS_INVALID_DURING_LOGIN);
	bool well_formed = pdu_decode_login_req(pdu, req) == 0; /* fills req either way */
	if (l->stage == LOGIN_STAGE_FULL_FEATURE || l->stage == LOGIN_STAGE_FAILED)
		return why(reason, "login request after the login ended",
			   ISCSI_LOGIN_STATUS_INVALID_DURING_LOGIN);
	if (!well_formed)
		return why(reason, "malformed login request", ISCSI_LOGIN_STATUS_INITIATOR_ERROR);
	if (req->version_min > ISCSI_VERSION) /* RFC 7143 11.12.4 */
		return why(reason, "unsupported iSCSI version",
			   ISCSI_LOGIN_STATUS_UNSUPPORTED_VERSION);
	if (l->first_done && same_login(l, req, reason) != 0)
		return ISCSI_LOGIN_STATUS_INITIATOR_ERROR;
	if (text_in_append(&l->in, pdu->data, pdu->data_len) != 0)
		return why(reason, "login text longer than the cap",
			   ISCSI_LOGIN_STATUS_OUT_OF_RESOURCES);
	return 0;
}

/* Answers the keys of a complete request (all its C-bit pieces received). 0 or a status. */
static int answer_request(struct login *l, const struct iscsi_login_req *req, const char **reason)
{
	int st = text_in_parse(&l->in, TEXT_BINARY_VALUE_MAX);

	if (st) {
		*reason = "malformed login text";
		st = ISCSI_LOGIN_STATUS_INITIATOR_ERROR;
	}
	if (!st && !l->first_done) {
		l->first_done = true;
		st = first_request(l, req, reason);
	}
	if (!st)
		st = l->stage == LOGIN_STAGE_SECURITY ? security_keys(l, reason)
						      : operational_keys(l, reason);
	text_in_reset(&l->in);
	return st;
}

void login_step(struct login *l, const struct iscsi_pdu *pdu, struct login_out *rsp)
{
	struct iscsi_login_req req;
	const char *reason = NULL;
	bool is_login = pdu_opcode(pdu->bhs) == ISCSI_OP_LOGIN_REQ;
	int st;

	memset(rsp, 0, sizeof(*rsp));
	memset(&req, 0, sizeof(req));
	l->transition[0] = '\0';
	if (l->out_off < l->tout.len && l->stage != LOGIN_STAGE_FAILED && is_login &&
	    pdu_decode_login_req(pdu, &req) == 0) {
		continue_response(l, &req, rsp);
	} else if ((st = check_request(l, pdu, &req, &reason)) != 0) {
		if (!is_login) /* echo nothing from a PDU that is not a login request */
			memset(&req, 0, sizeof(req));
		fail(l, &req, (uint16_t)st, reason, rsp);
	} else if (req.cont) {
		/* RFC 7143 6.3: each partial request is answered with an empty response. */
		text_out_init(&l->tout, l->out, LOGIN_OUT_CAP);
		l->out_off = 0;
		build_rsp(l, &req, false, req.csg, 0, 0, rsp);
		rsp->action = LOGIN_CONTINUE;
	} else {
		text_out_init(&l->tout, l->out, LOGIN_OUT_CAP);
		l->out_off = 0;
		st = answer_request(l, &req, &reason);
		if (st)
			fail(l, &req, (uint16_t)st, reason, rsp);
		else
			decide(l, &req, rsp);
	}
	l->last_req = req;
	l->res.params = l->neg.params;
	rsp->transition = l->transition[0] ? l->transition : NULL;
}

void login_refuse(struct login *l, struct login_out *rsp, uint16_t status, const char *reason)
{
	l->statsn--; /* the refusal replaces the response that took this StatSN */
	fail(l, &l->last_req, status, reason, rsp);
	rsp->transition = l->transition[0] ? l->transition : NULL;
}
