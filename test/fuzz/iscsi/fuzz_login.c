/* fuzz_login.c: login_step over the sequence of PDUs the framer finds in the input, as the
 * daemon drives it. Byte 0 chooses the target table entry's CHAP settings; the rest is the byte
 * stream from the initiator. Responses are checked for basic sanity. */
#include <stdlib.h>
#include <string.h>

#include "target/iscsi/framer.h"
#include "target/iscsi/login.h"

struct fuzz_ctx {
	struct login *login;
	uint8_t mode;
	uint8_t rnd;
	bool over;
};

static int find_target(void *ctx, const char *target, const char *initiator, const uint8_t isid[6],
		       struct login_target_info *out)
{
	(void)isid;
	const struct fuzz_ctx *f = ctx;

	(void)initiator;
	memset(out, 0, sizeof(*out));
	if (strncmp(target, "iqn.", 4) != 0)
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	if (f->mode & 1) {
		strcpy(out->chap_user, "user");
		strcpy(out->chap_secret, "secretsecret");
	}
	if (f->mode & 2) {
		strcpy(out->mutual_user, "target");
		strcpy(out->mutual_secret, "targetsecret");
	}
	return 0;
}

static int find_discovery(void *ctx, const char *initiator, struct login_target_info *out)
{
	return find_target(ctx, "iqn.discovery", initiator, NULL, out);
}

static void fake_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fuzz_ctx *f = ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = f->rnd++;
}

static const struct login_ops ops = {find_target, find_discovery, fake_random};

static void on_pdu(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu)
{
	struct fuzz_ctx *f = ctx;
	struct login_out out;

	if (f->over || res != FRAMER_PDU)
		return;
	login_step(f->login, pdu, &out);
	if (out.pdu.data_len > 8192 || (out.pdu.data_len && !out.pdu.data))
		abort();
	if (out.action == LOGIN_FAIL && (out.status == 0 || !out.reason))
		abort();
	if (out.action == LOGIN_DONE)
		login_set_tsih(&out, 1);
	if (out.action != LOGIN_CONTINUE)
		f->over = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct login_config cfg = {.text_cap = 16384, .cmdsn_window = 16, .tpgt = 1};
	struct framer_limits lim = {.max_ahs_len = 64, .max_data_len = 8192};
	struct fuzz_ctx f = {0};
	struct framer fr;

	if (size < 1)
		return 0;
	f.mode = data[0];
	negotiate_target_limits_default(&cfg.limits);
	f.login = login_new(&cfg, &ops, &f);
	if (!f.login)
		return 0;
	if (framer_init(&fr, &lim) == 0) {
		framer_push(&fr, data + 1, size - 1, on_pdu, &f);
		framer_fini(&fr);
	}
	login_free(f.login);
	return 0;
}
