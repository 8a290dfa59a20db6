/* login.h: the iSCSI login phase, target side (RFC 7143 sections 6.3 and 11.12-11.13).
 *
 * One request in, one response out: login_step() takes a whole Login Request PDU and fills a
 * Login Response plus the decision (continue, fail with a status, or enter full feature phase).
 * Stages: security (AuthMethod None or CHAP, chap.h), operational (negotiate.h), then full
 * feature. Text over several PDUs (C bit) is accumulated up to a cap; a response that does not
 * fit the initiator's 8192-byte login segment goes out in several PDUs with C set (RFC 7143 6.3:
 * the initiator answers each with an empty request).
 *
 * Pure: the caller answers questions about targets, ACLs and secrets through struct login_ops and
 * gives the random bytes for challenges. It assigns the TSIH when the login completes (we support
 * one connection per session: a request with a nonzero TSIH fails with 02/0A, and reinstatement,
 * the same InitiatorName + ISID replacing an older session, is the caller's job).
 *
 * Transcripts this has been checked against (test/unit/iscsi/test_login.c): iPXE two-PDU login,
 * iPXE with CHAP (T bit set on every security PDU while CHAP runs: we stay in the security stage
 * and answer T=0 until CHAP completes), iPXE mutual CHAP, Linux's one-PDU operational-stage login,
 * discovery logins. */
#ifndef RINGSAN_ISCSI_LOGIN_H
#define RINGSAN_ISCSI_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/iscsi/chap.h"
#include "target/iscsi/negotiate.h"
#include "target/iscsi/pdu.h"

/* What the caller knows about a target (or the discovery service) for one initiator. */
struct login_target_info {
	bool chap_required;  /* the initiator must authenticate with CHAP */
	char chap_user[256]; /* CHAP_N the initiator must present */
	char chap_secret[CHAP_SECRET_MAX + 1];
	char mutual_user[256]; /* CHAP_N we present if the initiator challenges us */
	char mutual_secret[CHAP_SECRET_MAX + 1]; /* empty: mutual CHAP refused */
	char target_alias[ISCSI_ALIAS_MAX + 1];	 /* optional; sent as TargetAlias */
	/* With ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP from find_target: where the target is now,
	 * as a TargetAddress value "ADDR:PORT,TPGT" ("[V6]:PORT,TPGT"). */
	char redirect[80];
};

struct login_ops {
	/* A normal session's target. Returns 0, or ISCSI_LOGIN_STATUS_NOT_FOUND (02/03),
	 * ISCSI_LOGIN_STATUS_NOT_AUTHORIZED (02/02, ACL), ISCSI_LOGIN_STATUS_TARGET_REMOVED, ...,
	 * or ISCSI_LOGIN_STATUS_TARGET_MOVED_TEMP (01/01) with out->redirect set: the login is
	 * answered at once with that status and TargetAddress (RFC 7143 11.13.5, 13.8). */
	int (*find_target)(void *ctx, const char *target_name, const char *initiator_name,
			   const uint8_t isid[6], struct login_target_info *out);
	/* A discovery session. NULL: discovery allowed without authentication. Returns as above. */
	int (*find_discovery)(void *ctx, const char *initiator_name, struct login_target_info *out);
	/* Fills buf with len bytes from a CSPRNG (CHAP challenges and identifiers). */
	void (*random)(void *ctx, uint8_t *buf, size_t len);
};

/* Every portal of a ringsan target is in one portal group, this one (RFC 7143 13.9). */
#define ISCSI_PORTAL_GROUP_TAG 1

struct login_config {
	struct iscsi_target_limits limits;
	uint32_t text_cap;	 /* most bytes of key=value text accepted per request sequence */
	uint32_t cmdsn_window;	 /* commands the final response allows (MaxCmdSN - ExpCmdSN + 1) */
	uint32_t initial_statsn; /* StatSN of the first response */
	uint16_t tpgt;		 /* our TargetPortalGroupTag, declared to normal sessions */
};

enum login_action {
	LOGIN_CONTINUE, /* send the response, wait for the next request */
	LOGIN_FAIL,	/* send the response (status != 0), then close the connection */
	LOGIN_DONE,	/* call login_set_tsih(), send the response: full feature phase begins */
};

struct login_out {
	/* The response. bhs is complete; data points into the login's buffer, valid until the next
	 * login_step or login_free. */
	struct iscsi_pdu pdu;
	enum login_action action;
	uint16_t status;    /* ISCSI_LOGIN_STATUS_*; nonzero with LOGIN_FAIL */
	const char *reason; /* why it failed (static string, for the one log line) */
	/* "security -> operational" when the stage changed in this step, else NULL; for debug logs,
	 * valid until the next login_step. */
	const char *transition;
};

/* The outcome of a successful login (valid after LOGIN_DONE). The initiator and target names
 * are filled from the first request on, so a failure can be logged with them. */
struct login_result {
	struct iscsi_params params; /* includes initiator/target names and session type */
	uint8_t isid[6];
	uint16_t tsih_requested; /* 0: a new session */
	uint16_t cid;
	uint32_t exp_cmdsn;   /* CmdSN of the first full-feature command */
	uint32_t max_cmdsn;   /* as sent in the final response */
	uint32_t next_statsn; /* StatSN of the first full-feature response */
	bool authenticated;   /* CHAP was used */
	enum chap_alg chap_alg;
	struct login_target_info target;
};

enum login_stage {
	LOGIN_STAGE_START, /* no request yet */
	LOGIN_STAGE_SECURITY,
	LOGIN_STAGE_OPERATIONAL,
	LOGIN_STAGE_FULL_FEATURE,
	LOGIN_STAGE_FAILED,
};

struct login;

/* NULL on allocation failure. The config is copied; ops and ctx must outlive the login. */
struct login *login_new(const struct login_config *cfg, const struct login_ops *ops, void *ctx);
void login_free(struct login *l);

void login_step(struct login *l, const struct iscsi_pdu *req, struct login_out *rsp);

/* On LOGIN_DONE: writes the TSIH the caller assigned into the final response's header. */
void login_set_tsih(struct login_out *rsp, uint16_t tsih);
/* On LOGIN_DONE, when the caller cannot complete the login after all (the target went away
 * 02/04, too many sessions 02/06, out of resources 03/02): rewrites rsp as a failure with that
 * status (same StatSN, no data, LOGIN_FAIL) and ends the login. */
void login_refuse(struct login *l, struct login_out *rsp, uint16_t status, const char *reason);

const struct login_result *login_result(const struct login *l);
enum login_stage login_stage(const struct login *l);
/* The challenge is sent: the next request carries the initiator's CHAP_N and CHAP_R. */
bool login_awaits_chap_response(const struct login *l);
const char *login_stage_name(enum login_stage s);

#endif
