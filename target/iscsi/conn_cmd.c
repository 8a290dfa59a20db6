/* conn_cmd.c: SCSI commands in the full feature phase (RFC 7143 11.3-11.8): the task table,
 * immediate and unsolicited data, R2T, Data-Out placement, Data-In streaming with the status
 * collapsed into the last Data-In, SCSI Response with sense and residuals.
 *
 * Data is streamed, never buffered whole: a WRITE goes to the file one burst at a time (at most
 * CONN_BURST_SLOTS solicited bursts in memory), a READ leaves the file cfg.read_chunk bytes at a
 * time and is sent straight from that buffer. A write is answered only after the file has it. */
#include "target/iscsi/conn_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"

static void task_step(struct iscsi_task *t, enum scsi_next next);
static void read_next_chunk(struct iscsi_task *t);
static void send_r2ts(struct iscsi_task *t);

static struct scsi_lu *task_lu(struct iscsi_task *t)
{
	return t->lun == 0 && t->conn->have_target ? t->conn->target.lu : NULL;
}

static struct iscsi_task **itt_bucket(struct iscsi_conn *c, uint32_t itt)
{
	return &c->by_itt[(itt ^ itt >> 8) & (CONN_ITT_BUCKETS - 1)];
}

struct iscsi_task *conn_cmd_find_task(struct iscsi_conn *c, uint32_t itt)
{
	for (struct iscsi_task *t = *itt_bucket(c, itt); t; t = t->itt_next)
		if (t->itt == itt && !t->responded && !t->aborted)
			return t;
	return NULL;
}

/* The command is answered: its CmdSN slot is free again, and the answer's MaxCmdSN says so
 * (RFC 7143 4.2.2.1) rather than waiting for the buffers to be released. */
static void task_release_slot(struct iscsi_task *t)
{
	if (t->immediate || t->slot_released)
		return;
	t->slot_released = true;
	t->conn->nactive--;
	conn_window_update(t->conn);
}

/* CHECK CONDITION with UNIT ATTENTION (SPC-5 4.4.2, 4.4.3: the key of descriptor or fixed sense)
 * tells the initiator news (a power-on, a capacity change) rather than a failed command. */
static bool unit_attention(const struct scsi_task *st)
{
	const uint8_t *s = st->sense;
	if (st->status != SCSI_CHECK_CONDITION || st->sense_len < 3)
		return false;
	uint8_t code = s[0] & 0x7f;
	uint8_t key = code >= 0x72 ? s[1] & 0x0f : s[2] & 0x0f;
	return key == 0x6;
}

void conn_cmd_count(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	if (t->counted)
		return;
	t->counted = true;
	if (!c->env.cmd_done)
		return;
	struct conn_cmd_stat st = {
	    .stamp = t->stamp,
	    .kind = t->responded ? t->kind : CONN_CMD_ABORTED,
	    .bytes = t->kind == CONN_CMD_READ	 ? t->rd_done
		     : t->kind == CONN_CMD_WRITE ? t->placed
						 : 0,
	    .good = t->st.status == SCSI_GOOD || unit_attention(&t->st),
	    .target = c->have_target ? c->target.handle : NULL,
	};
	c->env.cmd_done(c->env.ctx, &st);
}

static void task_free(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	conn_cmd_count(t);

	if (t->prev)
		t->prev->next = t->next;
	else
		c->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	for (struct iscsi_task **pp = itt_bucket(c, t->itt); *pp; pp = &(*pp)->itt_next) {
		if (*pp == t) {
			*pp = t->itt_next;
			break;
		}
	}
	c->ntasks--;
	if (!t->immediate && !t->slot_released)
		c->nactive--;
	for (unsigned i = 0; i < CONN_BURST_SLOTS + 1; i++)
		conn_spares_buf_free(c, t->burst[i].buf, t->burst[i].buf_len);
	conn_spares_buf_free(c, t->rbuf, t->rbuf_cap);
	free(t->early);
	scsi_task_fini(&t->st);
	conn_spares_task_free(c, t);
	conn_window_update(c);
	conn_check_waiters(c);
	conn_put(c); /* the task's reference: the last one frees the connection */
}

/* A task goes once it has answered (or was aborted) and nothing refers to it any more. An
 * aborted task parked on a range lock leaves the waiter list first; if its wake is already on the
 * way, it stays until that arrives. */
static void task_maybe_free(struct iscsi_task *t)
{
	if (t->aborted && t->waiting && scsi_task_cancel_wait(task_lu(t), &t->st)) {
		t->waiting = false;
		t->io_inflight--;
	}
	if (t->io_inflight)
		return;
	if (t->tx_inflight) {
		conn_close_step(t->conn); /* a closing connection waits only for block I/O */
		return;
	}
	if (t->responded || t->aborted)
		task_free(t);
}

void conn_cmd_tx_done(struct iscsi_task *t)
{
	t->tx_inflight--;
	if (t->aborted || t->responded) {
		task_maybe_free(t);
		return;
	}
	if (t->phase == SCSI_NEXT_READ && t->tx_inflight == 0 && !t->io_inflight)
		read_next_chunk(t);
}

void conn_cmd_abort_task(struct iscsi_task *t)
{
	t->aborted = true;
	task_maybe_free(t);
}

/* Tasks of a closing connection: drop those with nothing in flight, mark the rest. */
void conn_cmd_reap(struct iscsi_conn *c)
{
	struct iscsi_task *t = c->tasks, *next;
	for (; t; t = next) {
		next = t->next;
		t->aborted = true;
		task_maybe_free(t);
	}
}

/* ---- status ---- */

/* RFC 7143 11.4.5.1: O when the command wanted more than the EDTL, U when it moved less. */
static void residuals(const struct iscsi_task *t, bool *over, bool *under, uint32_t *residual)
{
	*over = *under = false;
	*residual = 0;
	if (t->needed > t->edtl) {
		*over = true;
		uint64_t r = t->needed - t->edtl;
		*residual = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
	} else if (t->needed < t->edtl) {
		*under = true;
		*residual = t->edtl - (uint32_t)t->needed;
	}
}

static void send_scsi_rsp(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;
	uint32_t sense_seg = t->st.sense_len ? 2u + t->st.sense_len : 0;
	struct conn_tx *tx = conn_tx_new(c, sense_seg);
	struct iscsi_scsi_rsp r = {
	    .itt = t->itt,
	    .response = ISCSI_SCSI_RSP_COMPLETED,
	    .status = t->st.status,
	    .exp_datasn = t->datasn,
	    .data_len = sense_seg,
	};

	if (!tx)
		return conn_fail(c, "out of memory");
	residuals(t, &r.overflow, &r.underflow, &r.residual);
	if (sense_seg) {
		put_be16(tx->owned, t->st.sense_len);
		memcpy(tx->owned + 2, t->st.sense, t->st.sense_len);
	}
	task_release_slot(t);
	r.statsn = conn_take_statsn(c);
	r.exp_cmdsn = c->exp_cmdsn;
	r.max_cmdsn = c->max_cmdsn;
	pdu_encode_scsi_rsp(tx->hdr, &r);
	conn_tx_finish_hdr(c, tx);
	conn_queue(c, tx);
	t->responded = true;
	conn_cmd_count(t);
}

/* Data-In PDUs for buf[0, len) at buffer offset `base`. With `last` the final one carries the
 * status when it is GOOD (RFC 7143 11.7.4: never with sense data); a Data-In sequence ends (F) at
 * every MaxBurstLength boundary. */
static void send_data_in(struct iscsi_task *t, const uint8_t *buf, uint64_t base, uint32_t len,
			 bool last)
{
	struct iscsi_conn *c = t->conn;
	uint32_t seg = c->peer_mrdsl, burst = c->params.max_burst_length, off = 0;

	while (off < len) {
		uint32_t n = len - off < seg ? len - off : seg;
		uint64_t pos = base + off;
		if (burst && burst - pos % burst < n) /* a sequence never passes MaxBurstLength */
			n = (uint32_t)(burst - pos % burst);
		bool end = last && off + n == len;
		struct conn_tx *tx = conn_tx_new(c, 0);
		if (!tx)
			return conn_fail(c, "out of memory");
		struct iscsi_data_in d = {
		    .lun = t->cmd.h.lun,
		    .itt = t->itt,
		    .ttt = ISCSI_RSVD_TAG,
		    .final = end || (burst && (pos + n) % burst == 0),
		    .datasn = t->datasn++,
		    .buffer_offset = (uint32_t)pos,
		    .data_len = n,
		    .statsn = c->statsn,
		};
		if (end && t->st.status == SCSI_GOOD) {
			d.status_present = true;
			d.status = SCSI_GOOD;
			residuals(t, &d.overflow, &d.underflow, &d.residual);
			task_release_slot(t);
			d.statsn = conn_take_statsn(c);
			t->responded = true;
			conn_cmd_count(t);
		}
		d.exp_cmdsn = c->exp_cmdsn;
		d.max_cmdsn = c->max_cmdsn;
		pdu_encode_data_in(tx->hdr, &d);
		tx->data = buf + off;
		tx->data_len = n;
		tx->task = t;
		t->tx_inflight++;
		conn_tx_finish_hdr(c, tx);
		conn_queue(c, tx);
		off += n;
	}
}

/* SCSI_NEXT_DONE straight from the SCSI layer: Data-In (if any) then status. */
static void task_done(struct iscsi_task *t)
{
	if (t->aborted)
		return task_maybe_free(t);
	if (t->needed == 0 && t->st.data_len && t->cmd.read)
		t->needed = t->st.data_len;
	uint32_t n = t->st.data_len < t->edtl ? t->st.data_len : t->edtl;
	if (n && t->cmd.read && t->st.status == SCSI_GOOD)
		send_data_in(t, t->st.data, 0, n, true);
	if (!t->responded)
		send_scsi_rsp(t);
	task_maybe_free(t);
}

/* ---- block I/O steps ---- */

static void io_step_done(struct blk_io *io)
{
	struct iscsi_task *t = io->owner;
	t->io_inflight--;
	if (t->aborted)
		return task_maybe_free(t);
	task_step(t, scsi_task_resume(task_lu(t), &t->st));
}

static void submit_io_step(struct iscsi_task *t)
{
	t->st.io.done = io_step_done;
	t->st.io.owner = t;
	t->io_inflight++;
	blk_submit(t->conn->env.bq, &t->st.io);
}

/* ---- READ: stream from the file as Data-In ---- */

static void read_chunk_done(struct blk_io *io)
{
	struct iscsi_task *t = io->owner;
	uint32_t n = (uint32_t)io->len;

	t->io_inflight--;
	if (t->aborted)
		return task_maybe_free(t);
	if (io->res < 0) {
		scsi_task_stream_done(task_lu(t), &t->st, io->res);
		send_scsi_rsp(t);
		return task_maybe_free(t);
	}
	uint64_t base = t->rd_done;
	t->rd_done += n;
	bool last = t->rd_done == t->rd_total;
	if (last)
		scsi_task_stream_done(task_lu(t), &t->st, (int64_t)t->rd_total);
	send_data_in(t, t->rbuf, base, n, last);
	if (last && !t->responded)
		send_scsi_rsp(t);
	/* The next chunk is read once these Data-In PDUs are sent (conn_cmd_tx_done). */
}

static void read_next_chunk(struct iscsi_task *t)
{
	uint64_t left = t->rd_total - t->rd_done;
	uint32_t n = left < t->rbuf_cap ? (uint32_t)left : t->rbuf_cap;

	memset(&t->rio, 0, sizeof(t->rio));
	t->rio.op = BLK_READ;
	t->rio.dev = t->conn->target.dev;
	t->rio.off = t->st.io_off + t->rd_done;
	blk_io_set_buf(&t->rio, t->rbuf, n);
	t->rio.done = read_chunk_done;
	t->rio.owner = t;
	t->io_inflight++;
	blk_submit(t->conn->env.bq, &t->rio);
}

static void start_read(struct iscsi_task *t)
{
	t->kind = CONN_CMD_READ;
	t->needed = t->st.io_len;
	t->rd_total = t->st.io_len < t->edtl ? t->st.io_len : t->edtl;
	if (t->rd_total == 0) {
		scsi_task_stream_done(task_lu(t), &t->st, 0);
		return task_done(t);
	}
	t->rbuf_cap =
	    t->rd_total < t->conn->cfg.read_chunk ? (uint32_t)t->rd_total : t->conn->cfg.read_chunk;
	t->rbuf = conn_spares_buf(t->conn, t->rbuf_cap);
	if (!t->rbuf) {
		scsi_task_stream_done(task_lu(t), &t->st, -ENOMEM);
		return task_done(t);
	}
	read_next_chunk(t);
}

/* ---- Data-Out: unsolicited and solicited bursts ---- */

static bool data_out_complete(const struct iscsi_task *t)
{
	for (unsigned i = 0; i < CONN_BURST_SLOTS + 1; i++)
		if (t->burst[i].used)
			return false;
	return t->next_r2t >= t->want;
}

static void data_out_finish(struct iscsi_task *t)
{
	enum scsi_next next;

	if ((t->phase != SCSI_NEXT_WRITE && t->phase != SCSI_NEXT_DATA_OUT) ||
	    !data_out_complete(t))
		return;
	enum scsi_next was = t->phase;
	t->phase = SCSI_NEXT_IO; /* the data phase is over: never finish it twice */
	if (was == SCSI_NEXT_WRITE)
		next = scsi_task_stream_done(task_lu(t), &t->st,
					     t->io_error ? t->io_error : (int64_t)t->want);
	else
		next = scsi_task_resume(task_lu(t), &t->st);
	task_step(t, next);
}

static void burst_release(struct iscsi_task *t, struct task_burst *b)
{
	conn_spares_buf_free(t->conn, b->buf, b->buf_len);
	memset(b, 0, sizeof(*b));
	if (t->aborted)
		return task_maybe_free(t);
	send_r2ts(t);
	data_out_finish(t);
}

static void burst_written(struct blk_io *io)
{
	struct task_burst *b = io->owner;
	struct iscsi_task *t = b->task;

	t->io_inflight--;
	if (io->res < 0 && !t->io_error)
		t->io_error = io->res;
	else if (io->res >= 0)
		t->placed += (uint32_t)io->len;
	burst_release(t, b);
}

/* Every byte of burst b has arrived. */
static void burst_complete(struct iscsi_task *t, struct task_burst *b)
{
	uint32_t end = b->off + b->len < t->want ? b->off + b->len : t->want;
	uint32_t n = end > b->off ? end - b->off : 0;

	if (t->phase != SCSI_NEXT_WRITE || n == 0 || t->io_error || t->aborted) {
		if (t->phase != SCSI_NEXT_WRITE)
			t->placed += n;
		return burst_release(t, b);
	}
	memset(&b->io, 0, sizeof(b->io));
	b->io.op = BLK_WRITE;
	b->io.flags = t->st.io_flags;
	b->io.dev = t->conn->target.dev;
	b->io.off = t->st.io_off + b->off;
	blk_io_set_buf(&b->io, b->buf, n);
	b->io.done = burst_written;
	b->io.owner = b;
	b->writing = true;
	t->io_inflight++;
	blk_submit(t->conn->env.bq, &b->io);
}

/* Store data at buffer offset `off` of the command into burst b (in order: DataPDUInOrder=Yes). */
static int burst_place(struct iscsi_task *t, struct task_burst *b, uint32_t off,
		       const uint8_t *data, uint32_t len, bool final)
{
	if (off != b->off + b->got || len > b->len - b->got)
		return -EPROTO;
	if (off < t->want && len) {
		uint32_t n = len < t->want - off ? len : t->want - off;
		if (t->phase == SCSI_NEXT_WRITE)
			memcpy(b->buf + (off - b->off), data, n);
		else
			memcpy(t->st.data + off, data, n);
	}
	b->got += len;
	if (final && b->got != b->len)
		return -EPROTO;
	if (b->got == b->len)
		burst_complete(t, b);
	return 0;
}

static int burst_init(struct iscsi_task *t, struct task_burst *b, uint32_t off, uint32_t len,
		      uint32_t ttt)
{
	memset(b, 0, sizeof(*b));
	b->used = true;
	b->task = t;
	b->off = off;
	b->len = len;
	b->ttt = ttt;
	if (t->phase == SCSI_NEXT_WRITE && off < t->want) {
		uint32_t n = len < t->want - off ? len : t->want - off;
		b->buf = conn_spares_buf(t->conn, n);
		if (!b->buf)
			return -ENOMEM;
		b->buf_len = n;
	}
	return 0;
}

static uint32_t r2ts_outstanding(const struct iscsi_task *t)
{
	uint32_t n = 0;
	for (unsigned i = 1; i < CONN_BURST_SLOTS + 1; i++)
		n += t->burst[i].used && !t->burst[i].writing && t->burst[i].got < t->burst[i].len;
	return n;
}

static void send_r2ts(struct iscsi_task *t)
{
	struct iscsi_conn *c = t->conn;

	for (unsigned i = 1; i < CONN_BURST_SLOTS + 1 && t->next_r2t < t->want; i++) {
		struct task_burst *b = &t->burst[i];
		if (b->used || r2ts_outstanding(t) >= c->params.max_outstanding_r2t)
			continue;
		uint32_t len = t->want - t->next_r2t;
		if (len > c->params.max_burst_length)
			len = c->params.max_burst_length;
		if (++c->next_ttt == ISCSI_RSVD_TAG)
			c->next_ttt = 1;
		if (burst_init(t, b, t->next_r2t, len, c->next_ttt) < 0)
			return conn_fail(c, "out of memory for a write burst");
		struct conn_tx *tx = conn_tx_new(c, 0);
		if (!tx)
			return conn_fail(c, "out of memory");
		struct iscsi_r2t r = {
		    .lun = t->cmd.h.lun,
		    .itt = t->itt,
		    .ttt = b->ttt,
		    .statsn = c->statsn,
		    .exp_cmdsn = c->exp_cmdsn,
		    .max_cmdsn = c->max_cmdsn,
		    .r2tsn = t->r2tsn++,
		    .buffer_offset = b->off,
		    .desired_len = len,
		};
		pdu_encode_r2t(tx->hdr, &r);
		conn_tx_finish_hdr(c, tx);
		conn_queue(c, tx);
		t->next_r2t += len;
	}
}

/* The command takes `needed` bytes of Data-Out: place the immediate data, expect the unsolicited
 * rest (RFC 7143 4.2.5.2: up to FirstBurstLength unless InitialR2T=Yes), ask for the remainder. */
static void start_data_out(struct iscsi_task *t, uint64_t needed, const uint8_t *imm,
			   uint32_t imm_len)
{
	struct iscsi_conn *c = t->conn;

	if (t->phase == SCSI_NEXT_WRITE)
		t->kind = CONN_CMD_WRITE;
	t->needed = needed;
	t->want = needed < t->edtl ? (uint32_t)needed : t->edtl;
	t->unsol_len = imm_len;
	/* RFC 7143 11.3.1: F=1 on the command means no unsolicited Data-Out follows it. */
	if (!c->params.initial_r2t && t->cmd.write && !t->cmd.h.final) {
		uint32_t fb = c->params.first_burst_length;
		t->unsol_len = t->edtl < fb ? t->edtl : fb;
	}
	if (imm_len > t->unsol_len)
		return conn_fail(c, "immediate data beyond FirstBurstLength");
	t->next_r2t = t->unsol_len;
	/* Placing the immediate data may finish the command at once (a parameter list that came
	 * whole): hold the task across it so it cannot be freed under our feet. */
	t->io_inflight++;
	int ret = 0;
	if (t->unsol_len) {
		ret = burst_init(t, &t->burst[0], 0, t->unsol_len, ISCSI_RSVD_TAG);
		t->burst[0].exp_datasn = t->early_datasn;
		if (ret == 0 && imm_len)
			ret =
			    burst_place(t, &t->burst[0], 0, imm, imm_len, t->unsol_len == imm_len);
	}
	if (ret == 0 && !t->responded && !t->aborted) {
		if (t->next_r2t < t->want)
			send_r2ts(t);
		data_out_finish(t);
	}
	t->io_inflight--;
	if (ret < 0)
		return conn_fail(c, "immediate data does not fit its first burst");
	task_maybe_free(t);
}

/* Unsolicited data of a command still waiting for its range: kept (up to FirstBurstLength, the
 * most an initiator may send unsolicited) and placed when the command goes on. */
static int early_keep(struct iscsi_task *t, const uint8_t *data, uint32_t len)
{
	uint32_t fb = t->conn->params.first_burst_length;
	if (!len)
		return 0;
	if (t->early_len + len > fb)
		return -EPROTO;
	if (!t->early) {
		t->early_cap = fb < t->edtl ? fb : t->edtl;
		t->early = malloc(t->early_cap ? t->early_cap : 1);
		if (!t->early)
			return -ENOMEM;
	}
	if (t->early_len + len > t->early_cap)
		return -EPROTO;
	memcpy(t->early + t->early_len, data, len);
	t->early_len += len;
	return 0;
}

static void early_data(struct iscsi_task *t, const struct iscsi_data_out *d,
		       const struct iscsi_pdu *pdu)
{
	if (d->datasn != t->early_datasn || d->buffer_offset != t->early_len)
		return conn_send_reject(t->conn, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	t->early_datasn++;
	if (early_keep(t, pdu->data, pdu->data_len) < 0)
		conn_fail(t->conn, "unsolicited data beyond FirstBurstLength");
}

/* A SCSI Data-Out PDU (RFC 7143 11.7). */
void conn_cmd_data_out(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_data_out d;
	struct task_burst *b = NULL;

	if (pdu_decode_data_out(pdu, &d) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	struct iscsi_task *t = conn_cmd_find_task(c, d.h.itt);
	if (t && t->phase == SCSI_NEXT_WAIT && d.ttt == ISCSI_RSVD_TAG)
		return early_data(t, &d, pdu);
	if (!t || (t->phase != SCSI_NEXT_WRITE && t->phase != SCSI_NEXT_DATA_OUT))
		return; /* data for a command that already ended (or was aborted): absorb it */
	for (unsigned i = 0; i < CONN_BURST_SLOTS + 1; i++)
		if (t->burst[i].used && t->burst[i].ttt == d.ttt && !t->burst[i].writing &&
		    t->burst[i].got < t->burst[i].len)
			b = &t->burst[i];
	if (!b) {
		if (d.ttt == ISCSI_RSVD_TAG)
			return conn_fail(c, "unsolicited Data-Out beyond FirstBurstLength");
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	}
	if (d.datasn != b->exp_datasn)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	b->exp_datasn++;
	if (burst_place(t, b, d.buffer_offset, pdu->data, pdu->data_len, d.h.final) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
}

/* ---- range-lock waits ---- */

static void task_wake(struct scsi_task *st)
{
	struct iscsi_task *t =
	    (struct iscsi_task *)(void *)((char *)st - offsetof(struct iscsi_task, st));
	t->wake.next = NULL;
	t->wake.conn = t->conn;
	t->wake.task = t;
	t->conn->env.wake_task(t->conn->env.ctx, &t->wake);
}

void conn_task_woken(struct conn_wake *w)
{
	struct iscsi_task *t = w->task;
	t->waiting = false;
	t->io_inflight--;
	if (t->aborted)
		return task_maybe_free(t);
	task_step(t, scsi_task_resume(task_lu(t), &t->st));
}

/* ---- the command ---- */

static void task_step(struct iscsi_task *t, enum scsi_next next)
{
	if (t->aborted)
		return task_maybe_free(t);
	t->phase = next;
	switch (next) {
	case SCSI_NEXT_WAIT:
		t->waiting = true;
		t->io_inflight++; /* keeps the task and its connection until the wake */
		return;
	case SCSI_NEXT_DONE:
		return task_done(t);
	case SCSI_NEXT_READ:
		return start_read(t);
	case SCSI_NEXT_IO:
		return submit_io_step(t);
	case SCSI_NEXT_WRITE:
		return start_data_out(t, t->st.io_len, t->early, t->early_len);
	case SCSI_NEXT_DATA_OUT:
		return start_data_out(t, t->st.data_len, t->early, t->early_len);
	}
}

static struct iscsi_task *task_new(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_task *t = conn_spares_task(c);
	if (!t)
		return NULL;
	if (pdu_decode_scsi_cmd(pdu, &t->cmd) < 0) {
		conn_spares_task_free(c, t);
		return NULL;
	}
	t->conn = c;
	t->itt = t->cmd.h.itt;
	t->cmdsn = t->cmd.cmdsn;
	t->lun = t->cmd.h.lun;
	t->edtl = t->cmd.exp_xfer_len;
	t->immediate = t->cmd.h.immediate;
	t->st.cdb = t->cmd.ext_cdb;
	t->st.cdb_len = t->cmd.cdb_len;
	t->st.lun = t->cmd.h.lun;
	t->st.exp_xfer_len = t->edtl;
	t->st.dir_read = t->cmd.read;
	t->st.dir_write = t->cmd.write;
	t->st.attr = t->cmd.attr;
	t->st.nexus = &c->nexus;
	t->st.wake = task_wake;
	t->kind = CONN_CMD_OTHER;
	if (c->env.cmd_start)
		t->stamp = c->env.cmd_start(c->env.ctx);
	t->next = c->tasks;
	if (c->tasks)
		c->tasks->prev = t;
	c->tasks = t;
	struct iscsi_task **bucket = itt_bucket(c, t->itt);
	t->itt_next = *bucket;
	*bucket = t;
	c->ntasks++;
	conn_get(c);
	if (!t->immediate)
		c->nactive++;
	return t;
}

/* A SCSI Command PDU whose CmdSN is next in order (or immediate). */
void conn_cmd_scsi(struct iscsi_conn *c, const struct iscsi_pdu *pdu)
{
	struct iscsi_bhs_common h;

	if (pdu_decode_common(pdu->bhs, &h) < 0)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	if (c->discovery)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	if (conn_cmd_find_task(c, h.itt))
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_TASK_IN_PROGRESS);
	struct iscsi_task *t = task_new(c, pdu);
	if (!t)
		return conn_send_reject(c, pdu->bhs, ISCSI_REJECT_INVALID_PDU_FIELD);
	if (pdu->data_len && (!t->cmd.write || !c->params.immediate_data))
		return conn_fail(c, "immediate data the session did not negotiate");

	enum scsi_next next = scsi_task_start(task_lu(t), &t->st);
	t->phase = next;
	if (next == SCSI_NEXT_WAIT && early_keep(t, pdu->data, pdu->data_len) < 0)
		return conn_fail(c, "immediate data beyond FirstBurstLength");
	if (next == SCSI_NEXT_WRITE || next == SCSI_NEXT_DATA_OUT) {
		uint64_t need = next == SCSI_NEXT_WRITE ? t->st.io_len : t->st.data_len;
		return start_data_out(t, need, pdu->data, pdu->data_len);
	}
	/* Ended early: unsolicited data that may still come finds no task and is absorbed. */
	task_step(t, next);
}
