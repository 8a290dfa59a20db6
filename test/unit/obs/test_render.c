/* test_render.c: the status JSON, the text tables and the Prometheus page, rendered from one
 * snapshot, say the same numbers; strings from peers are escaped. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/obs/obs_render.h"
#include "test/unit/check.h"

static struct obs_session sessions[2];
static struct obs_lun luns[3];

static struct obs_target snapshot(void)
{
	memset(sessions, 0, sizeof(sessions));
	memset(luns, 0, sizeof(luns));
	struct obs_session *s = &sessions[0];
	s->id = 7;
	snprintf(s->initiator, sizeof(s->initiator), "iqn.x:\"quoted\"\\\x01\n");
	snprintf(s->address, sizeof(s->address), "10.0.0.5:51000");
	snprintf(s->target, sizeof(s->target), "iqn.2026-11.org.ringsan:disk");
	snprintf(s->lun, sizeof(s->lun), "disk");
	s->login_unix_ms = 1700000000000;
	s->initial_r2t = true;
	s->max_recv_data_segment_length = 262144;
	s->max_burst_length = 1048576;
	s->first_burst_length = 65536;
	s->max_outstanding_r2t = 1;
	s->in_flight = 3;
	s->io.ops[OBS_OP_READ] = 10;
	s->io.ops[OBS_OP_WRITE] = 4;
	s->io.bytes_read = 40960;
	s->io.bytes_written = 16384;
	s->io.errors = 1;
	sessions[1].id = 8;
	sessions[1].discovery = true;
	snprintf(sessions[1].initiator, sizeof(sessions[1].initiator), "iqn.x:disc");

	struct obs_lun *l = &luns[0];
	snprintf(l->name, sizeof(l->name), "disk");
	l->kind = "file";
	l->size_bytes = 1 << 30;
	l->used_bytes = 1 << 20;
	l->sessions = 1;
	l->total.ops[OBS_OP_READ] = 1000;
	l->total.ops[OBS_OP_WRITE] = 500;
	l->total.ops[OBS_OP_OTHER] = 20;
	l->total.bytes_read = 4096000;
	l->total.bytes_written = 2048000;
	l->total.lat[OBS_OP_READ].count[obs_histo_slot(100)] = 990;
	l->total.lat[OBS_OP_READ].count[obs_histo_slot(3000)] = 10;
	l->total.lat[OBS_OP_READ].sum_us = 990 * 100 + 10 * 3000;
	l->total.lat[OBS_OP_WRITE].count[OBS_HISTO_BOUNDS] = 500; /* all over 33 s */
	l->window = l->total;
	l->window_ms = 10000;
	snprintf(luns[1].name, sizeof(luns[1].name), "idle");
	luns[1].kind = "overlay";
	snprintf(luns[2].name, sizeof(luns[2].name), "ceph");
	luns[2].kind = "rbd";
	luns[2].size_bytes = 1 << 30;
	luns[2].used_bytes = OBS_USED_UNKNOWN;
	return (struct obs_target){
	    .version = "9.9",
	    .pid = 42,
	    .uptime_s = 3700,
	    .now_unix_ms = 1700000060000,
	    .start_unix_ms = 1699999999500,
	    .sessions = sessions,
	    .nsessions = 2,
	    .luns = luns,
	    .nluns = 3,
	    .logins = {5, 1},
	    .login_failures = {[OBS_FAIL_CHAP_SECRET] = 2},
	    .admission = {[OBS_ADMIT_PER_ADDRESS] = 9},
	};
}

static void test_status_json(void)
{
	struct obs_target t = snapshot();
	struct obs_buf b;

	obs_buf_init(&b);
	obs_render_status(&t, &b);
	CHECK(!b.oom);
	CHECK(strncmp(b.p, "{\"version\":\"9.9\",\"pid\":42,\"uptime_s\":3700,", 41) == 0);
	CHECK(strstr(b.p, "\"initiator\":\"iqn.x:\\\"quoted\\\"\\\\\\u0001\\n\"") != NULL);
	CHECK(strstr(b.p, "\"params\":{\"HeaderDigest\":\"None\",\"DataDigest\":\"None\","
			  "\"MaxRecvDataSegmentLength\":262144,\"MaxBurstLength\":1048576,"
			  "\"FirstBurstLength\":65536,\"InitialR2T\":\"Yes\",\"ImmediateData\":"
			  "\"No\",\"MaxOutstandingR2T\":1}") != NULL);
	CHECK(strstr(b.p, "\"in_flight\":3,\"reads\":10,\"writes\":4") != NULL);
	CHECK(strstr(b.p, "\"bytes_read\":40960,\"bytes_written\":16384,\"errors\":1") != NULL);
	CHECK(strstr(b.p, "\"type\":\"discovery\"") != NULL);
	CHECK(strstr(b.p, "\"read_iops\":100.0,\"write_iops\":50.0,\"read_bytes_per_s\":409600,"
			  "\"write_bytes_per_s\":204800") != NULL);
	CHECK(strstr(b.p, "\"reads_total\":1000,\"writes_total\":500") != NULL);
	CHECK(strstr(b.p, "\"bytes_read_total\":4096000,\"bytes_written_total\":2048000") != NULL);
	/* p50 of reads+writes: 1500 commands, 990 at ~100 us, 500 over 33 s */
	CHECK(strstr(b.p, "\"latency_us\":{\"p50\":") != NULL);
	CHECK_EQ(obs_status_lun_sessions(b.p, b.len, "disk"), 1);
	CHECK_EQ(obs_status_lun_sessions(b.p, b.len, "idle"), 0);
	CHECK_EQ(obs_status_lun_sessions(b.p, b.len, "nope"), -1);
	const char *idle = strstr(b.p, "{\"name\":\"idle\",");
	CHECK(idle != NULL); /* cut short before its "sessions": not found */
	CHECK_EQ(obs_status_lun_sessions(b.p, (size_t)(idle - b.p) + 20, "idle"), -1);
	CHECK(strstr(b.p, "{\"name\":\"ceph\",\"size_bytes\":1073741824,\"used_bytes\":null,"
			  "\"kind\":\"rbd\"") != NULL);
	CHECK(b.p[b.len - 1] == '\n');
	for (size_t i = 0; i + 1 < b.len; i++) /* the only raw control bytes are newlines */
		CHECK((unsigned char)b.p[i] >= 0x20 || b.p[i] == '\n');
	obs_buf_fini(&b);
}

static void test_text(void)
{
	struct obs_target t = snapshot();
	struct obs_buf b;

	obs_buf_init(&b);
	obs_render_status_text(&t, &b);
	CHECK(strstr(b.p, "ringsan 9.9, pid 42, up 1h01m: 3 LUNs, 2 sessions") != NULL);
	CHECK(strstr(b.p, "(discovery)") != NULL);
	CHECK(strstr(b.p, "disk") != NULL && strstr(b.p, "1 GiB") != NULL);
	CHECK(strstr(b.p, "ceph") != NULL && strstr(b.p, " - rbd") != NULL);
	obs_buf_fini(&b);
}

/* The value of the first metric line starting with prefix (labels included), -1 if none. */
static double metric(const char *page, const char *prefix)
{
	for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
			return strtod(p + strlen(prefix) + 1, NULL);
	return -1;
}

static void test_metrics(void)
{
	struct obs_target t = snapshot();
	struct obs_buf b;

	obs_buf_init(&b);
	obs_render_metrics(&t, &b);
	CHECK(!b.oom);
	CHECK_EQ(metric(b.p, "ringsan_sessions{type=\"normal\"}"), 1);
	CHECK_EQ(metric(b.p, "ringsan_sessions{type=\"discovery\"}"), 1);
	CHECK_EQ(metric(b.p, "ringsan_logins_total{type=\"normal\"}"), 5);
	CHECK_EQ(metric(b.p, "ringsan_login_failures_total{reason=\"wrong_chap_secret\"}"), 2);
	CHECK_EQ(metric(b.p, "ringsan_admission_refusals_total{reason=\"max_logins_per_address\"}"),
		 9);
	CHECK_EQ(metric(b.p, "ringsan_lun_commands_total{lun=\"disk\",op=\"read\"}"), 1000);
	CHECK_EQ(metric(b.p, "ringsan_lun_read_bytes_total{lun=\"disk\"}"), 4096000);
	CHECK_EQ(metric(b.p, "ringsan_lun_written_bytes_total{lun=\"disk\"}"), 2048000);
	CHECK_EQ(metric(b.p, "ringsan_lun_used_bytes{lun=\"disk\"}"), 1 << 20);
	CHECK_EQ(metric(b.p, "ringsan_lun_used_bytes{lun=\"ceph\"}"), -1);
	CHECK_EQ(metric(b.p, "ringsan_lun_size_bytes{lun=\"ceph\"}"), 1 << 30);
	/* the histogram: cumulative buckets in seconds, +Inf = count, the sum in seconds */
	const char *h = "ringsan_lun_command_duration_seconds";
	char key[160];
	snprintf(key, sizeof(key), "%s_bucket{lun=\"disk\",op=\"read\",le=\"0.000128\"}", h);
	CHECK_EQ(metric(b.p, key), 990);
	snprintf(key, sizeof(key), "%s_bucket{lun=\"disk\",op=\"read\",le=\"0.004096\"}", h);
	CHECK_EQ(metric(b.p, key), 1000);
	snprintf(key, sizeof(key), "%s_bucket{lun=\"disk\",op=\"read\",le=\"+Inf\"}", h);
	CHECK_EQ(metric(b.p, key), 1000);
	snprintf(key, sizeof(key), "%s_count{lun=\"disk\",op=\"write\"}", h);
	CHECK_EQ(metric(b.p, key), 500);
	snprintf(key, sizeof(key), "%s_bucket{lun=\"disk\",op=\"write\",le=\"33.554432\"}", h);
	CHECK_EQ(metric(b.p, key), 0);
	snprintf(key, sizeof(key), "%s_sum{lun=\"disk\",op=\"read\"}", h);
	CHECK(metric(b.p, key) > 0.128 && metric(b.p, key) < 0.130);
	/* every family has HELP and TYPE; every sample line is NAME[{...}] VALUE */
	unsigned samples = 0;
	for (char *p = b.p; *p; p = strchr(p, '\n') + 1) {
		if (*p == '#')
			continue;
		CHECK(strncmp(p, "ringsan_", 8) == 0);
		char *sp = strchr(p, ' ');
		CHECK(sp && sp < strchr(p, '\n'));
		samples++;
	}
	CHECK(samples > 100);
	obs_buf_fini(&b);
}

int main(void)
{
	test_status_json();
	test_text();
	test_metrics();
	return CHECK_SUMMARY();
}
