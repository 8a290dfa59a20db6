/* bench-mixed URL SESSIONS DEPTH SECONDS READ_PERCENT: a load generator for scripts/bench.
 *
 * Opens SESSIONS iSCSI sessions (libiscsi, one TCP connection each) to the LUN at URL
 * (iscsi://HOST:PORT/IQN/LUN), keeps DEPTH 4 KiB requests in flight on each, and chooses for
 * every request a uniformly random 4 KiB-aligned LBA and, with READ_PERCENT percent probability,
 * READ(16), else WRITE(16). After SECONDS it stops issuing, waits for what is in flight and prints
 * one line: "reads R writes W seconds S". The random sequence is the same in every run (a fixed
 * seed), so two targets get the same requests. Any failed command or lost connection ends the
 * run with exit status 1; nothing is retried. No qemu-img, fio or iscsi-perf mode mixes reads and
 * writes on one session; this does, with nothing else in the way.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { IO_BYTES = 4096, MAX_SESSIONS = 64, MAX_DEPTH = 128 };

struct mixed {
	struct iscsi_context *ctx[MAX_SESSIONS];
	int sessions, depth, lun, read_percent, stopping, failed;
	uint32_t block_size;
	uint64_t io_blocks; /* 4 KiB requests that fit the LUN */
	uint64_t rng, reads, writes, in_flight;
	unsigned char wbuf[IO_BYTES];
};

static uint64_t next_random(struct mixed *m)
{
	m->rng ^= m->rng << 13; /* xorshift64 */
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int submit(struct mixed *m, int s);

static void on_done(struct iscsi_context *ctx, int status, void *data, void *priv)
{
	struct mixed *m = priv;
	struct scsi_task *task = data;
	int s;

	m->in_flight--;
	if (status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "bench-mixed: a command failed: %s\n", iscsi_get_error(ctx));
		m->failed = 1;
	} else if (task->cdb[0] == SCSI_OPCODE_READ16) {
		m->reads++;
	} else {
		m->writes++;
	}
	scsi_free_scsi_task(task);
	for (s = 0; s < m->sessions && m->ctx[s] != ctx; s++)
		;
	if (!m->stopping && !m->failed && s < m->sessions && submit(m, s) < 0)
		m->failed = 1;
}

static int submit(struct mixed *m, int s)
{
	uint32_t per_io = IO_BYTES / m->block_size;
	uint64_t lba = next_random(m) % m->io_blocks * per_io;
	int is_read = (int)(next_random(m) % 100) < m->read_percent;
	struct scsi_task *t;

	if (is_read)
		t = iscsi_read16_task(m->ctx[s], m->lun, lba, IO_BYTES, (int)m->block_size, 0, 0, 0,
				      0, 0, on_done, m);
	else
		t = iscsi_write16_task(m->ctx[s], m->lun, lba, m->wbuf, IO_BYTES,
				       (int)m->block_size, 0, 0, 0, 0, 0, on_done, m);
	if (!t) {
		fprintf(stderr, "bench-mixed: cannot queue a command: %s\n",
			iscsi_get_error(m->ctx[s]));
		return -1;
	}
	m->in_flight++;
	return 0;
}

static int open_sessions(struct mixed *m, const char *url_text)
{
	struct scsi_readcapacity16 *cap;
	struct iscsi_url *url;
	struct scsi_task *t;
	char name[96];
	int s;

	for (s = 0; s < m->sessions; s++) {
		snprintf(name, sizeof(name), "iqn.2026-11.org.ringsan.bench:mixed-%d", s);
		m->ctx[s] = iscsi_create_context(name);
		url = m->ctx[s] ? iscsi_parse_full_url(m->ctx[s], url_text) : NULL;
		if (!url)
			goto fail;
		iscsi_set_session_type(m->ctx[s], ISCSI_SESSION_NORMAL);
		iscsi_set_header_digest(m->ctx[s], ISCSI_HEADER_DIGEST_NONE_CRC32C);
		iscsi_set_noautoreconnect(m->ctx[s], 1);
		iscsi_set_targetname(m->ctx[s], url->target);
		m->lun = url->lun;
		if (iscsi_full_connect_sync(m->ctx[s], url->portal, url->lun) != 0) {
			iscsi_destroy_url(url);
			goto fail;
		}
		iscsi_destroy_url(url);
	}
	t = iscsi_readcapacity16_sync(m->ctx[0], m->lun);
	cap = t && t->status == SCSI_STATUS_GOOD ? scsi_datain_unmarshall(t) : NULL;
	if (cap && cap->block_length && IO_BYTES % cap->block_length == 0) {
		m->block_size = cap->block_length;
		m->io_blocks = (cap->returned_lba + 1) / (IO_BYTES / cap->block_length);
	}
	if (t)
		scsi_free_scsi_task(t);
	if (m->io_blocks == 0) {
		fprintf(stderr, "bench-mixed: READ CAPACITY(16) failed or odd block size\n");
		return -1;
	}
	return 0;
fail:
	fprintf(stderr, "bench-mixed: session %d to %s: %s\n", s, url_text,
		m->ctx[s] ? iscsi_get_error(m->ctx[s]) : "cannot create a context");
	return -1;
}

/* One poll over every session; 0, or -1 when a session failed. */
static int service_all(struct mixed *m)
{
	struct pollfd pfd[MAX_SESSIONS];
	int s;

	for (s = 0; s < m->sessions; s++) {
		pfd[s].fd = iscsi_get_fd(m->ctx[s]);
		pfd[s].events = (short)iscsi_which_events(m->ctx[s]);
		pfd[s].revents = 0;
	}
	if (poll(pfd, (nfds_t)m->sessions, 1000) < 0)
		return -1;
	for (s = 0; s < m->sessions; s++) {
		if (iscsi_service(m->ctx[s], pfd[s].revents) < 0) {
			fprintf(stderr, "bench-mixed: session %d: %s\n", s,
				iscsi_get_error(m->ctx[s]));
			return -1;
		}
	}
	return m->failed ? -1 : 0;
}

static int run(struct mixed *m, double seconds)
{
	double start = now_seconds(), drain_end;
	int s, d;

	for (s = 0; s < m->sessions; s++)
		for (d = 0; d < m->depth; d++)
			if (submit(m, s) < 0)
				return -1;
	while (now_seconds() - start < seconds)
		if (service_all(m) < 0)
			return -1;
	m->stopping = 1;
	drain_end = now_seconds() + 30;
	while (m->in_flight > 0 && now_seconds() < drain_end)
		if (service_all(m) < 0)
			return -1;
	if (m->in_flight > 0) {
		fprintf(stderr, "bench-mixed: %llu requests unanswered 30 s after the run\n",
			(unsigned long long)m->in_flight);
		return -1;
	}
	printf("reads %llu writes %llu seconds %.3f\n", (unsigned long long)m->reads,
	       (unsigned long long)m->writes, now_seconds() - start);
	return 0;
}

int main(int argc, char **argv)
{
	static struct mixed m;
	double seconds;
	int s, rc;

	if (argc != 6) {
		fprintf(stderr, "usage: bench-mixed URL SESSIONS DEPTH SECONDS READ_PERCENT\n");
		return 2;
	}
	m.sessions = atoi(argv[2]);
	m.depth = atoi(argv[3]);
	seconds = atof(argv[4]);
	m.read_percent = atoi(argv[5]);
	if (m.sessions < 1 || m.sessions > MAX_SESSIONS || m.depth < 1 || m.depth > MAX_DEPTH ||
	    !(seconds > 0 && seconds <= 600) || m.read_percent < 0 || m.read_percent > 100) {
		fprintf(stderr,
			"bench-mixed: SESSIONS 1-%d, DEPTH 1-%d, SECONDS 0-600, "
			"READ_PERCENT 0-100\n",
			MAX_SESSIONS, MAX_DEPTH);
		return 2;
	}
	m.rng = 0x9e3779b97f4a7c15ULL;
	memset(m.wbuf, 0x5a, sizeof(m.wbuf));
	rc = open_sessions(&m, argv[1]) == 0 && run(&m, seconds) == 0 ? 0 : 1;
	for (s = 0; s < m.sessions && m.ctx[s]; s++) {
		if (rc == 0)
			iscsi_logout_sync(m.ctx[s]);
		iscsi_destroy_context(m.ctx[s]);
	}
	return rc;
}
