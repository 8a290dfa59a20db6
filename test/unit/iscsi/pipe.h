/* pipe.h: the harness of the byte-level pipe test (test_conn.c): one connection engine and one
 * LU over an in-memory disk, driven by an initiator that builds PDUs byte for byte (initiator.c),
 * frames what the target sends back, decodes it and checks the invariants every target PDU must
 * keep (StatSN sequence, ExpCmdSN/MaxCmdSN never going back, segment sizes, digests). */
#ifndef RINGSAN_TEST_PIPE_H
#define RINGSAN_TEST_PIPE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "target/block/blk_mem.h"
#include "target/iscsi/conn.h"
#include "target/iscsi/framer.h"
#include "target/iscsi/text.h"
#include "test/unit/check.h"
#include "test/unit/iscsi/initiator.h"

#define DISK_SIZE	(8u << 20)
#define BLOCK_SIZE	512u
#define RX_DATA_MAX	(1u << 20)
#define PIPE_PHASES_MAX 32

#define OP_TUR	   0x00
#define OP_INQUIRY 0x12
#define OP_READ10  0x28
#define OP_WRITE10 0x2a

/* ---- the pipe: one connection, one LU over a memory disk, an initiator that records ---- */

struct rx {
	uint8_t bhs[BHS_LEN];
	uint8_t *data;
	uint32_t len;
};

struct pipe_opts {
	uint32_t queue_depth;
	uint32_t read_chunk;
	uint32_t nop_interval_ms, nop_timeout_ms;
	uint32_t login_timeout_ms;
	bool custom_limits; /* else negotiate_target_limits_default() with an 8 KiB MRDSL */
	struct iscsi_target_limits limits;
	bool chap;
	unsigned st_targets; /* targets in the SendTargets answer (1 if 0) */
};

struct pipe {
	struct pipe_opts o;
	struct blk_dev dev;
	struct blk_mem_queue mq;
	struct scsi_lu *lu;
	struct iscsi_conn *c;
	struct framer fr;
	uint64_t now;
	int last_ret; /* conn_recv of the last PDU */
	bool hold;    /* send_pdu leaves the disk and the tx queue alone */
	unsigned framer_errors;
	unsigned gets, puts, adds, removes, kicks;
	unsigned park;		 /* env.get_target answers CONN_TARGET_PENDING this many times */
	int park_status;	 /* then, when nonzero, this login status */
	unsigned flushes_at_put; /* the disk flushes done when the LUN was given back */
	uint8_t rnd;

	struct rx *rx;
	unsigned nrx, rx_cap, rx_next;
	struct rx none; /* handed out when an expected PDU is missing */

	/* initiator state */
	uint32_t itt, cmdsn, exp_statsn;
	bool statsn_known;
	uint32_t seen_exp_cmdsn, seen_max_cmdsn;
	bool window_known;
	bool logged_in;
	/* negotiated, as the initiator reads the login responses */
	uint32_t tgt_mrdsl, ini_mrdsl, mbl, fbl, max_r2t;
	bool initial_r2t, immediate_data, hd, dd;

	/* commands as env.cmd_start/cmd_done reported them: each stamp is done at most once */
#define PIPE_CMDS_MAX 4096
	unsigned cmd_starts, cmd_dones, cmd_bad, cmd_twice;
	unsigned cmd_kind[CONN_CMD_ABORTED + 1];
	uint64_t cmd_bytes[CONN_CMD_ABORTED + 1];
	uint8_t cmd_done_map[PIPE_CMDS_MAX];

	/* the connection's phases, as env.phase_changed reported them (phases_str) */
	enum conn_phase phases[PIPE_PHASES_MAX];
	unsigned nphases;

	/* bytes sent after login, for fuzz seeds */
	bool recording;
	uint8_t *rec;
	size_t rec_len, rec_cap;
};

#define test_isid ini_isid

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		check_failed++;                                                                    \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
	} while (0)

struct login_step {
	bool transit;
	uint8_t csg, nsg;
	const char *keys;
};

struct sense {
	uint8_t key, asc, ascq;
};

struct write_trace {
	unsigned r2ts, data_outs, max_outstanding;
	uint32_t r2t_off[64], r2t_len[64];
	uint8_t status;
	struct sense sense;
	struct rx *rsp;
};

struct read_result {
	uint8_t data[RX_DATA_MAX];
	uint32_t len; /* bytes of Data-In */
	unsigned pdus, seqs;
	bool status_in_data; /* status came in the last Data-In (S) */
	uint8_t status, flags;
	uint32_t residual;
	struct sense sense;
	uint32_t statsn;
};

void pipe_init(struct pipe *p, const struct pipe_opts *o);
void pipe_fini(struct pipe *p);
/* The phase history (env.phase_changed): "full feature -> closing -> closed -> freed". */
void phases_reset(struct pipe *p);
const char *phases_str(const struct pipe *p);
bool carries_status(const uint8_t *bhs);
void check_sequence_numbers(struct pipe *p, const uint8_t *bhs);
void collect(struct pipe *p, struct conn_tx *tx);
void pump(struct pipe *p);
void on_frame(void *ctx, enum framer_result res, const struct iscsi_pdu *pdu);
void send_pdu(struct pipe *p, const struct iscsi_pdu *pdu);
uint32_t rx32(const struct rx *r, int off);
struct rx *expect_(struct pipe *p, int op, int line);
void expect_none_(struct pipe *p, int line);
void learn_keys(struct pipe *p, const struct text_in *rsp, const char *offer);
uint16_t login_pdu(struct pipe *p, const struct login_step *s, struct text_in *text,
		   struct rx **rsp_out);
void enter_ffp(struct pipe *p);
bool login_steps(struct pipe *p, const struct login_step *steps, unsigned n);
bool login_linux(struct pipe *p, const char *keys);
bool login_ipxe(struct pipe *p);
const char *keys_with(const char *base, const char *overrides);
struct sense sense_of(const uint8_t *seg, uint32_t len);
uint32_t send_cmd_sn(struct pipe *p, const uint8_t cdb[16], bool rd, bool wr, uint32_t edtl,
		     uint32_t cmdsn, bool immediate, uint8_t *imm, uint32_t imm_len, bool final);
uint32_t send_cmd(struct pipe *p, const uint8_t cdb[16], bool rd, bool wr, uint32_t edtl);
void send_data_out(struct pipe *p, uint32_t itt, uint32_t ttt, uint32_t datasn, uint32_t off,
		   const uint8_t *data, uint32_t len, bool final);
uint8_t expect_rsp(struct pipe *p, uint32_t itt, struct sense *s);
void tur_expect(struct pipe *p, uint8_t status, uint8_t key, uint8_t asc, uint8_t ascq);
void clear_ua(struct pipe *p);
void write_data(struct pipe *p, uint32_t itt, uint32_t ttt, uint32_t off, uint32_t len,
		const uint8_t *buf, struct write_trace *t);
void write_serve(struct pipe *p, uint32_t itt, const uint8_t *buf, uint32_t edtl, uint32_t from,
		 struct write_trace *t);
uint32_t do_write_edtl(struct pipe *p, uint32_t lba, const uint8_t *buf, uint32_t len,
		       uint32_t edtl, struct write_trace *t);
uint32_t do_write(struct pipe *p, uint32_t lba, const uint8_t *buf, uint32_t len,
		  struct write_trace *t);
void do_read_cmd(struct pipe *p, const uint8_t cdb[16], uint32_t edtl, struct read_result *res);
void do_read(struct pipe *p, uint32_t lba, uint32_t len, struct read_result *res);
void fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed);
void nop_ping(struct pipe *p, bool immediate, const char *payload);
#define expect(p, op)  expect_((p), (op), __LINE__)
#define expect_none(p) expect_none_((p), __LINE__)
#ifndef PIPE_HELPERS_IMPL /* failures inside a helper name the calling test's line too (check.h)   \
			   */
#define collect(...)		    CHECK_CALLED(collect(__VA_ARGS__))
#define pump(...)		    CHECK_CALLED(pump(__VA_ARGS__))
#define send_pdu(...)		    CHECK_CALLED(send_pdu(__VA_ARGS__))
#define learn_keys(...)		    CHECK_CALLED(learn_keys(__VA_ARGS__))
#define login_pdu(...)		    CHECK_CALLED(login_pdu(__VA_ARGS__))
#define enter_ffp(...)		    CHECK_CALLED(enter_ffp(__VA_ARGS__))
#define login_steps(...)	    CHECK_CALLED(login_steps(__VA_ARGS__))
#define login_linux(...)	    CHECK_CALLED(login_linux(__VA_ARGS__))
#define login_ipxe(...)		    CHECK_CALLED(login_ipxe(__VA_ARGS__))
#define send_cmd_sn(...)	    CHECK_CALLED(send_cmd_sn(__VA_ARGS__))
#define send_cmd(...)		    CHECK_CALLED(send_cmd(__VA_ARGS__))
#define send_data_out(...)	    CHECK_CALLED(send_data_out(__VA_ARGS__))
#define expect_rsp(...)		    CHECK_CALLED(expect_rsp(__VA_ARGS__))
#define tur_expect(...)		    CHECK_CALLED(tur_expect(__VA_ARGS__))
#define clear_ua(...)		    CHECK_CALLED(clear_ua(__VA_ARGS__))
#define write_data(...)		    CHECK_CALLED(write_data(__VA_ARGS__))
#define write_serve(...)	    CHECK_CALLED(write_serve(__VA_ARGS__))
#define do_write_edtl(...)	    CHECK_CALLED(do_write_edtl(__VA_ARGS__))
#define do_write(...)		    CHECK_CALLED(do_write(__VA_ARGS__))
#define do_read_cmd(...)	    CHECK_CALLED(do_read_cmd(__VA_ARGS__))
#define do_read(...)		    CHECK_CALLED(do_read(__VA_ARGS__))
#define nop_ping(...)		    CHECK_CALLED(nop_ping(__VA_ARGS__))
#define pipe_init(...)		    CHECK_CALLED(pipe_init(__VA_ARGS__))
#define check_sequence_numbers(...) CHECK_CALLED(check_sequence_numbers(__VA_ARGS__))
#define sense_of(...)		    CHECK_CALLED(sense_of(__VA_ARGS__))
#endif

/* Helpers and cases in test_conn_ctl.c (the cases are run by test_conn.c's main). */
void logout(struct pipe *p);
uint32_t write_waiting(struct pipe *p, uint32_t lba, uint32_t *cmdsn);
void send_tmf(struct pipe *p, uint8_t function, uint32_t ref_itt, uint32_t ref_cmdsn,
	      uint32_t *itt);
uint8_t expect_tmf_rsp(struct pipe *p, uint32_t itt);
void send_text(struct pipe *p, const char *keys, uint32_t ttt, uint32_t *itt);
void test_tmf(void);
void test_tmf_abort_lost_command(void);
void test_tmf_abort_held_command(void);
void test_discovery(void);
void test_discovery_long_answer(void);
void test_sendtargets_normal_session(void);
void test_logout_normal(void);
void test_close_flushes(void);
void test_errors(void);
void test_digests(void);
void test_write_final_bit(void);
void test_write_meets_unit_attention(void);
void test_tmf_inflight(void);
void test_logout_inflight(void);
void test_free_with_io_in_flight(void);
void test_login_timeout(void);
/* test_conn_life.c: the phase sequence of every way a connection ends. */
void test_conn_life(void);

#endif
