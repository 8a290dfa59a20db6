/* iscsi-replay: replays a block trace (a recorded boot) from N initiator sessions at once, each
 * logged in to its own target, and reports when the last one ends. A benchmark client for
 * scripts/bench-fleet, not a test.
 *
 *   iscsi-replay --trace FILE --portal HOST:PORT --iqn PREFIX --sessions N [--lun L]
 *                [--first K] [--initiator IQN] [--paced 1]
 *
 * Session i (0..N-1) logs in to target PREFIX + (K + i) (say iqn...:bench-7) and replays the
 * trace in order, one command at a time (a boot's reads depend on each other): lines "R LBA
 * BLOCKS [SECONDS]" and "W LBA BLOCKS [SECONDS]" in 512-byte blocks ('#' starts a comment).
 * Commands go back to back, or with --paced 1 each no earlier than SECONDS after the session's
 * start (the recorded boot's own timing, think time included). Every session logs in
 * first; then all start together; the wall time runs from that start to the last session's end.
 * Output: one line of key=value figures (seconds, bytes, commands, failures).
 *
 * One process per session (fork), so N sessions are N real initiators with their own TCP
 * connections. */
#include <errno.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS 1024
#define MAX_BLOCKS   16384 /* 8 MiB per command */

struct op {
	char kind; /* 'R' or 'W' */
	uint64_t lba;
	uint32_t blocks;
	double at; /* seconds from the start of the recording */
};

struct result { /* what a session reports to the parent through its pipe */
	double seconds;
	uint64_t bytes, commands, failures;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load_trace(const char *path, struct op **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t cap = 0;

	if (!f)
		return -errno;
	*out = NULL;
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		struct op o;
		unsigned long long lba;
		unsigned blocks;
		double at = 0;
		char kind;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, " %c %llu %u %lf", &kind, &lba, &blocks, &at) < 3 ||
		    (kind != 'R' && kind != 'W') || !blocks || blocks > MAX_BLOCKS) {
			fprintf(stderr, "iscsi-replay: %s: bad line: %s", path, line);
			fclose(f);
			return -EINVAL;
		}
		o.kind = kind;
		o.lba = lba;
		o.blocks = blocks;
		o.at = at;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct op *p = realloc(*out, cap * sizeof(*p));
			if (!p) {
				fclose(f);
				return -ENOMEM;
			}
			*out = p;
		}
		(*out)[(*n)++] = o;
	}
	fclose(f);
	return 0;
}

struct opts {
	const char *trace, *portal, *iqn, *initiator;
	int sessions, lun, first, paced;
};

static struct iscsi_context *login(const struct opts *o, int index)
{
	char target[512], initiator[300];
	struct iscsi_context *is;

	snprintf(target, sizeof(target), "%s%d", o->iqn, o->first + index);
	snprintf(initiator, sizeof(initiator), "%s-%d", o->initiator, o->first + index);
	is = iscsi_create_context(initiator);
	if (!is)
		return NULL;
	iscsi_set_targetname(is, target);
	iscsi_set_session_type(is, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(is, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(is, o->portal, o->lun) != 0) {
		fprintf(stderr, "iscsi-replay: login to %s at %s: %s\n", target, o->portal,
			iscsi_get_error(is));
		iscsi_destroy_context(is);
		return NULL;
	}
	return is;
}

static int replay_one(struct iscsi_context *is, const struct opts *o, const struct op *ops,
		      size_t n, struct result *r)
{
	unsigned char *buf = malloc((size_t)MAX_BLOCKS * 512);
	double start = now_s();

	if (!buf)
		return -ENOMEM;
	memset(buf, 0xa5, (size_t)MAX_BLOCKS * 512);
	for (size_t i = 0; i < n; i++) {
		struct scsi_task *t;
		uint32_t len = ops[i].blocks * 512;
		double wait = o->paced ? start + ops[i].at - now_s() : 0;
		if (wait > 0) {
			struct timespec ts = {(time_t)wait,
					      (long)((wait - (double)(time_t)wait) * 1e9)};
			nanosleep(&ts, NULL);
		}
		if (ops[i].kind == 'R')
			t = iscsi_read16_sync(is, o->lun, ops[i].lba, len, 512, 0, 0, 0, 0, 0);
		else
			t = iscsi_write16_sync(is, o->lun, ops[i].lba, buf, len, 512, 0, 0, 0, 0,
					       0);
		r->commands++;
		if (!t || t->status != SCSI_STATUS_GOOD)
			r->failures++;
		else
			r->bytes += len;
		if (t)
			scsi_free_scsi_task(t);
	}
	r->seconds = now_s() - start;
	free(buf);
	return 0;
}

/* A session: log in, say "ready", wait for "go", replay, send the result. */
static void child(const struct opts *o, int index, const struct op *ops, size_t n, int ready_fd,
		  int go_fd, int result_fd)
{
	struct result r = {0};
	struct iscsi_context *is = login(o, index);
	char c = is ? 'r' : 'f';

	if (write(ready_fd, &c, 1) != 1 || !is)
		_exit(1);
	if (read(go_fd, &c, 1) != 1)
		_exit(1);
	replay_one(is, o, ops, n, &r);
	iscsi_logout_sync(is);
	iscsi_destroy_context(is);
	_exit(write(result_fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.sessions = 1, .initiator = "iqn.2026-11.org.ringsan.bench:replay"};
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--trace") == 0)
			o->trace = v;
		else if (strcmp(k, "--portal") == 0)
			o->portal = v;
		else if (strcmp(k, "--iqn") == 0)
			o->iqn = v;
		else if (strcmp(k, "--initiator") == 0)
			o->initiator = v;
		else if (strcmp(k, "--sessions") == 0)
			o->sessions = atoi(v);
		else if (strcmp(k, "--lun") == 0)
			o->lun = atoi(v);
		else if (strcmp(k, "--first") == 0)
			o->first = atoi(v);
		else if (strcmp(k, "--paced") == 0)
			o->paced = atoi(v);
		else
			return -1;
	}
	if (argc % 2 == 0 || !o->trace || !o->portal || !o->iqn || o->sessions < 1 ||
	    o->sessions > MAX_SESSIONS)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int ready[2], go[2], res[2], failed = 0, ready_count = 0;
	struct opts o;
	struct op *ops = NULL;
	size_t n = 0;

	if (parse_args(argc, argv, &o) != 0) {
		fprintf(stderr,
			"usage: iscsi-replay --trace FILE --portal HOST:PORT --iqn PREFIX "
			"--sessions N [--lun L] [--first K] [--initiator IQN] [--paced 1]\n");
		return 2;
	}
	if (load_trace(o.trace, &ops, &n) != 0 || !n) {
		fprintf(stderr, "iscsi-replay: no usable trace in %s\n", o.trace);
		return 1;
	}
	if (pipe(ready) || pipe(go) || pipe(res))
		return 1;
	for (int i = 0; i < o.sessions; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("iscsi-replay: fork");
			return 1;
		}
		if (pid == 0) {
			close(go[1]);
			child(&o, i, ops, n, ready[1], go[0], res[1]);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);
	for (int i = 0; i < o.sessions; i++) {
		char c;
		if (read(ready[0], &c, 1) != 1)
			break;
		if (c == 'r')
			ready_count++;
		else
			failed++;
	}
	double start = now_s();
	for (int i = 0; i < ready_count; i++)
		if (write(go[1], "g", 1) != 1)
			break;
	struct result total = {0}, r;
	double slowest = 0;
	int reported = 0;
	while (read(res[0], &r, sizeof(r)) == sizeof(r)) {
		total.bytes += r.bytes;
		total.commands += r.commands;
		total.failures += r.failures;
		if (r.seconds > slowest)
			slowest = r.seconds;
		reported++;
	}
	double wall = now_s() - start;
	while (wait(NULL) > 0)
		;
	printf("sessions=%d logged_in=%d reported=%d wall_s=%.3f slowest_s=%.3f bytes=%llu "
	       "commands=%llu failures=%llu mb_s=%.1f\n",
	       o.sessions, ready_count, reported, wall, slowest, (unsigned long long)total.bytes,
	       (unsigned long long)total.commands, (unsigned long long)total.failures,
	       wall > 0 ? (double)total.bytes / wall / 1e6 : 0.0);
	free(ops);
	return failed || reported != o.sessions || total.failures ? 1 : 0;
}
