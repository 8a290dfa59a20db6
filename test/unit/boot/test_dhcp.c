/* test_dhcp.c: DHCP codec, lease table and the PXE decision table. */
#include <errno.h>
#include <stdlib.h>

#include "bootsvc/proto/dhcp.h"
#include "bootsvc/proto/lease.h"
#include "bootsvc/proto/pxe.h"
#include "common/mac.h"
#include "test/unit/check.h"
#include "test/unit/boot/pkt.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t MAC2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_decode_basic(void)
{
	struct pkt p;
	struct dhcp_msg m;
	const uint8_t uuid[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	const uint8_t ndi[3] = {1, 3, 16};
	const uint8_t params[4] = {1, 3, 66, 67};
	const uint8_t encap[6] = {19, 1, 1, 176, 1, 1};

	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_str(&p, 60, "PXEClient:Arch:00007:UNDI:003010");
	pkt_arch(&p, 7);
	pkt_opt(&p, 94, ndi, 3);
	pkt_opt(&p, 97, uuid, 17);
	pkt_opt(&p, 55, params, 4);
	pkt_str(&p, 77, "iPXE");
	pkt_opt(&p, 175, encap, sizeof(encap));
	pkt_u32(&p, 50, IP(10, 0, 0, 7));
	pkt_end(&p);
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), 0);
	CHECK_EQ(m.op, 1);
	CHECK_EQ(m.xid, 0x12345678);
	CHECK_EQ(m.flags, DHCP_FLAG_BROADCAST);
	CHECK_EQ(m.msg_type, DHCP_DISCOVER);
	CHECK_STR(m.vendor_class, "PXEClient:Arch:00007:UNDI:003010");
	CHECK(m.has_client_arch && m.client_arch == 7);
	CHECK(m.has_ndi && m.ndi[2] == 16);
	CHECK(m.has_uuid && m.uuid.len == 17);
	CHECK_EQ(m.param_list.len, 4);
	CHECK_STR(m.user_class, "iPXE");
	CHECK(m.ipxe_encap && m.ipxe_no_pxedhcp);
	CHECK(m.has_requested_ip && m.requested_ip == IP(10, 0, 0, 7));
	CHECK(dhcp_is_pxe_client(&m));
	CHECK(dhcp_is_ipxe(&m));
	char mac[MAC_TEXT_LEN];
	mac_format(m.chaddr, mac);
	CHECK_STR(mac, "52:54:00:12:34:56");
}

static void test_decode_user_class_rfc3004(void)
{
	struct pkt p;
	struct dhcp_msg m;
	const uint8_t uc[] = {4, 'i', 'P', 'X', 'E', 3, 'f', 'o', 'o'};
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_opt(&p, 77, uc, sizeof(uc));
	pkt_end(&p);
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), 0);
	CHECK_STR(m.user_class, "iPXE");
	CHECK(dhcp_is_ipxe(&m));
}

static void test_decode_overload(void)
{
	struct pkt p;
	struct dhcp_msg m;
	pkt_begin(&p, 0, MAC);
	const uint8_t ov = 1;
	pkt_opt(&p, 52, &ov, 1);
	pkt_end(&p);
	/* Options in the file field: message type and vendor class. */
	uint8_t *f = p.b + 108;
	f[0] = 53, f[1] = 1, f[2] = DHCP_REQUEST;
	f[3] = 60, f[4] = 9;
	memcpy(f + 5, "PXEClient", 9);
	f[14] = 255;
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), 0);
	CHECK_EQ(m.msg_type, DHCP_REQUEST);
	CHECK_STR(m.vendor_class, "PXEClient");
	CHECK_STR(m.file, "");
	/* Overload value 4 is invalid. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	const uint8_t bad = 4;
	pkt_opt(&p, 52, &bad, 1);
	pkt_end(&p);
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), -EBADMSG);
}

static void test_decode_malformed(void)
{
	struct pkt p;
	struct dhcp_msg m;
	uint8_t small[100] = {1};
	CHECK_EQ(dhcp_decode(&m, small, sizeof(small)), -EBADMSG);
	/* Option running past the end. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	p.b[p.len++] = 60;
	p.b[p.len++] = 200;
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), -EBADMSG);
	/* hlen > 16. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_end(&p);
	p.b[2] = 17;
	CHECK_EQ(dhcp_decode(&m, p.b, p.len), -EBADMSG);
	/* BOOTP without cookie: accepted, no options. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	memset(p.b + 236, 0, 4);
	CHECK_EQ(dhcp_decode(&m, p.b, 300), 0);
	CHECK(!m.has_cookie);
}

static void test_writer_bounds(void)
{
	uint8_t buf[DHCP_MIN_PACKET];
	struct dhcp_writer w;
	struct dhcp_msg req = {.htype = 1, .hlen = 6, .xid = 7};
	char big[256];
	memset(big, 'x', sizeof(big) - 1);
	big[255] = '\0';
	dhcp_reply_begin(&w, buf, sizeof(buf), &req, DHCP_OFFER);
	dhcp_put_string(&w, 60, "PXEClient");
	CHECK_EQ(dhcp_writer_finish(&w), DHCP_MIN_PACKET);
	dhcp_reply_begin(&w, buf, sizeof(buf), &req, DHCP_OFFER);
	dhcp_put_string(&w, 60, big); /* 255 bytes: more than fits after the header */
	CHECK_EQ(dhcp_writer_finish(&w), -EMSGSIZE);
	dhcp_reply_begin(&w, buf, sizeof(buf), &req, DHCP_OFFER);
	char file[129];
	memset(file, 'f', 128);
	file[128] = '\0';
	dhcp_set_file(&w, file);
	CHECK(w.err);
}

static void test_leases(void)
{
	struct lease slots[4];
	struct lease_table t;
	CHECK_EQ(lease_table_init(&t, IP(10, 0, 0, 10), IP(10, 0, 0, 9), slots), -EINVAL);
	CHECK_EQ(lease_table_init(&t, IP(10, 0, 0, 10), IP(10, 0, 0, 13), slots), 0);
	uint32_t a = lease_offer(&t, MAC, 0, 100);
	CHECK_EQ(a, IP(10, 0, 0, 10));
	CHECK_EQ(lease_offer(&t, MAC, 0, 101), a); /* same client, same address */
	uint32_t b = lease_offer(&t, MAC2, IP(10, 0, 0, 12), 101);
	CHECK_EQ(b, IP(10, 0, 0, 12)); /* requested address honoured */
	CHECK_EQ(lease_ack(&t, MAC2, a, 3600, 102), -EADDRINUSE);
	CHECK_EQ(lease_ack(&t, MAC, a, 3600, 102), 0);
	CHECK_EQ(lease_ack(&t, MAC, IP(10, 0, 1, 1), 3600, 102), -ERANGE);
	CHECK_EQ(lease_find(&t, MAC, 200), a);
	CHECK_EQ(lease_find(&t, MAC, 3702), 0); /* expired */
	/* Exhaustion: 4 addresses, MAC's lease alive. */
	uint8_t m[6] = {2, 0, 0, 0, 0, 0};
	unsigned got = 0;
	for (int i = 0; i < 6; i++) {
		m[5] = (uint8_t)i;
		got += lease_offer(&t, m, 0, 103) != 0;
	}
	CHECK_EQ(got, 2); /* 10.0.0.11 and .13; .12 is still offered to MAC2 */
	/* Decline bans, release frees. */
	lease_decline(&t, MAC, a, 104);
	CHECK_EQ(lease_find(&t, MAC, 105), 0);
	CHECK_EQ(lease_ack(&t, MAC, a, 3600, 105), -EADDRINUSE);
	CHECK_EQ(lease_ack(&t, MAC, a, 3600, 104 + LEASE_DECLINE_BAN), 0);
	lease_release(&t, MAC, a);
	CHECK_EQ(lease_find(&t, MAC, 2000), 0);
}

static void test_lease_file(void)
{
	struct lease s1[8], s2[8];
	struct lease_table t1, t2;
	char text[1024];
	lease_table_init(&t1, IP(192, 168, 7, 100), IP(192, 168, 7, 107), s1);
	lease_table_init(&t2, IP(192, 168, 7, 100), IP(192, 168, 7, 107), s2);
	CHECK_EQ(lease_ack(&t1, MAC, IP(192, 168, 7, 103), 600, 1000), 0);
	CHECK_EQ(lease_ack(&t1, MAC2, IP(192, 168, 7, 101), 600, 1000), 0);
	lease_offer(&t1, (const uint8_t[6]){9, 9, 9, 9, 9, 9}, 0, 1000); /* not persisted */
	int n = lease_table_format(&t1, 1001, text, sizeof(text));
	CHECK(n > 0);
	CHECK(strstr(text, "52:54:00:12:34:56 192.168.7.103 bound 1600\n") != NULL);
	CHECK_EQ(lease_table_parse(&t2, text, (size_t)n), 2);
	CHECK_EQ(lease_find(&t2, MAC, 1001), IP(192, 168, 7, 103));
	CHECK_EQ(lease_find(&t2, MAC2, 1001), IP(192, 168, 7, 101));
	CHECK_EQ(lease_table_format(&t1, 1001, text, 10), -ENOSPC);
	const char junk[] = "garbage\n52:54:00:12:34:56 10.9.9.9 bound 5\nzz 1.2.3.4 bound 1\n";
	CHECK_EQ(lease_table_parse(&t2, junk, sizeof(junk) - 1), 0);
}

static const struct pxe_config PROXY = {
    .mode = PXE_MODE_PROXY,
    .server_ip = IP(192, 168, 1, 5),
    .http_port = 8080,
    .bios_file = "undionly.kpxe",
    .uefi_file = "snponly.efi",
};

/* Finds option code in a reply; returns its length or -1. */
static int reply_opt(const uint8_t *r, size_t len, uint8_t code, const uint8_t **val)
{
	size_t off = 240;
	while (off + 1 < len && r[off] != 255) {
		if (r[off] == 0) {
			off++;
			continue;
		}
		if (r[off] == code) {
			*val = r + off + 2;
			return r[off + 1];
		}
		off += 2u + r[off + 1];
	}
	return -1;
}

struct decision_case {
	const char *name;
	const char *vendor;
	int arch; /* -1: none */
	bool ipxe;
	const char *expect; /* NULL: ignored */
};

static void test_decision_table(void)
{
	static const struct decision_case cases[] = {
	    {"bios", "PXEClient:Arch:00000:UNDI:002001", 0, false, "undionly.kpxe"},
	    {"uefi x64", "PXEClient:Arch:00007:UNDI:003000", 7, false, "snponly.efi"},
	    {"uefi bc", "PXEClient:Arch:00009:UNDI:003000", 9, false, "snponly.efi"},
	    {"uefi ia32", "PXEClient:Arch:00006:UNDI:003000", 6, false, NULL},
	    {"arm64", "PXEClient:Arch:00011:UNDI:003000", 11, false, NULL},
	    {"http boot", "HTTPClient:Arch:00016:UNDI:003001", 16, false,
	     "http://192.168.1.5:8080/ipxe/snponly.efi"},
	    {"ipxe bios", "PXEClient:Arch:00000:UNDI:002001", 0, true,
	     "http://192.168.1.5:8080/boot.ipxe"},
	    {"ipxe efi", "PXEClient:Arch:00007:UNDI:003010", 7, true,
	     "http://192.168.1.5:8080/boot.ipxe"},
	    {"no arch", "PXEClient", -1, false, "undionly.kpxe"},
	    {"not pxe", "MSFT 5.0", 0, false, NULL},
	    {"no vendor", NULL, 0, false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decision_case *c = &cases[i];
		struct pkt p;
		struct dhcp_msg m;
		struct pxe_choice ch;
		pkt_begin(&p, DHCP_DISCOVER, MAC);
		if (c->vendor)
			pkt_str(&p, 60, c->vendor);
		if (c->arch >= 0)
			pkt_arch(&p, (uint16_t)c->arch);
		if (c->ipxe)
			pkt_str(&p, 77, "iPXE");
		pkt_end(&p);
		CHECK_EQ(dhcp_decode(&m, p.b, p.len), 0);
		pxe_choose_boot(&PROXY, &m, &ch);
		if (!c->expect) {
			CHECK(ch.kind == PXE_BOOT_NONE && ch.reason);
			continue;
		}
		CHECK_STR(ch.file, c->expect);
		if (strcmp(ch.file, c->expect) != 0)
			fprintf(stderr, "  case %s\n", c->name);
	}
}

static void test_proxy_flow(void)
{
	struct pkt p;
	struct dhcp_msg m, r;
	struct pxe_result res;
	uint8_t out[DHCP_MAX_PACKET];
	const uint8_t *v = NULL;
	const uint8_t uuid[17] = {0, 0xaa};

	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_str(&p, 60, "PXEClient:Arch:00007:UNDI:003000");
	pkt_arch(&p, 7);
	pkt_opt(&p, 97, uuid, 17);
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&PROXY, NULL, &m, DHCP_SERVER_PORT, 0, out, sizeof(out), &res);
	CHECK(res.len >= DHCP_MIN_PACKET);
	CHECK_EQ(res.reply_type, DHCP_OFFER);
	CHECK_EQ(dhcp_decode(&r, out, (size_t)res.len), 0);
	CHECK_EQ(r.op, 2);
	CHECK_EQ(r.xid, 0x12345678);
	CHECK_EQ(r.yiaddr, 0);
	CHECK_EQ(r.siaddr, PROXY.server_ip);
	CHECK_STR(r.file, "snponly.efi");
	CHECK_STR(r.vendor_class, "PXEClient");
	CHECK(r.has_server_id && r.server_id == PROXY.server_ip);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 43, &v), 4);
	CHECK(v[0] == 6 && v[1] == 1 && v[2] == PXE_DC_USE_BOOTFILE && v[3] == 255);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 97, &v), 17);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 175, &v), -1); /* never 175.176 in proxy mode */
	CHECK_EQ(memcmp(r.chaddr, MAC, 6), 0);

	/* REQUEST on 67 is for the real server; on 4011 it gets the ACK. */
	p.b[242] = DHCP_REQUEST;
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&PROXY, NULL, &m, DHCP_SERVER_PORT, 0, out, sizeof(out), &res);
	CHECK_EQ(res.len, 0);
	pxe_handle(&PROXY, NULL, &m, DHCP_PXE_PORT, 0, out, sizeof(out), &res);
	CHECK_EQ(res.reply_type, DHCP_ACK);
	CHECK_EQ(dhcp_decode(&r, out, (size_t)res.len), 0);
	CHECK_STR(r.file, "snponly.efi");
	CHECK_EQ(r.msg_type, DHCP_ACK);

	/* iPXE in proxy mode: the script URL, still no 175. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_str(&p, 60, "PXEClient:Arch:00000:UNDI:002001");
	pkt_arch(&p, 0);
	pkt_opt(&p, 175, (const uint8_t[]){19, 1, 1}, 3);
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&PROXY, NULL, &m, DHCP_SERVER_PORT, 0, out, sizeof(out), &res);
	dhcp_decode(&r, out, (size_t)res.len);
	CHECK_STR(r.file, "http://192.168.1.5:8080/boot.ipxe");
	CHECK_EQ(reply_opt(out, (size_t)res.len, 175, &v), -1);

	/* Non-PXE client: silence. */
	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&PROXY, NULL, &m, DHCP_SERVER_PORT, 0, out, sizeof(out), &res);
	CHECK_EQ(res.len, 0);
	CHECK(res.note != NULL);
}

static void test_full_flow(void)
{
	struct pxe_config full = PROXY;
	struct lease slots[16];
	struct lease_table t;
	struct pkt p;
	struct dhcp_msg m, r;
	struct pxe_result res;
	uint8_t out[DHCP_MAX_PACKET];
	const uint8_t *v = NULL;

	full.mode = PXE_MODE_FULL;
	full.subnet_mask = IP(255, 255, 255, 0);
	full.router = IP(192, 168, 1, 1);
	full.lease_secs = 3600;
	full.dns[0] = IP(192, 168, 1, 53);
	full.dns[1] = IP(9, 9, 9, 9);
	full.dns[2] = IP(1, 0, 0, 1);
	full.dns_count = 3;
	lease_table_init(&t, IP(192, 168, 1, 100), IP(192, 168, 1, 115), slots);

	pkt_begin(&p, DHCP_DISCOVER, MAC);
	pkt_str(&p, 60, "PXEClient:Arch:00000:UNDI:002001");
	pkt_str(&p, 77, "iPXE");
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1000, out, sizeof(out), &res);
	CHECK_EQ(res.reply_type, DHCP_OFFER);
	dhcp_decode(&r, out, (size_t)res.len);
	CHECK_EQ(r.yiaddr, IP(192, 168, 1, 100));
	CHECK_STR(r.file, "http://192.168.1.5:8080/boot.ipxe");
	CHECK_EQ(reply_opt(out, (size_t)res.len, 1, &v), 4);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 3, &v), 4);
	/* RFC 2132 3.8: every DNS server, in the configured order. */
	CHECK_EQ(reply_opt(out, (size_t)res.len, 6, &v), 12);
	CHECK(v && memcmp(v, "\xc0\xa8\x01\x35\x09\x09\x09\x09\x01\x00\x00\x01", 12) == 0);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 51, &v), 4);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 67, &v), 33);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 175, &v), 3); /* 175.176 in full mode */
	CHECK(v[0] == 176 && v[1] == 1 && v[2] == 1);

	/* REQUEST for the offered address -> ACK; for someone else's -> NAK. */
	pkt_begin(&p, DHCP_REQUEST, MAC);
	pkt_u32(&p, 50, IP(192, 168, 1, 100));
	pkt_u32(&p, 54, full.server_ip);
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1001, out, sizeof(out), &res);
	CHECK_EQ(res.reply_type, DHCP_ACK);
	CHECK(res.leases_changed);
	pkt_begin(&p, DHCP_REQUEST, MAC2);
	pkt_u32(&p, 50, IP(192, 168, 1, 100));
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1002, out, sizeof(out), &res);
	CHECK_EQ(res.reply_type, DHCP_NAK);
	/* A non-PXE client still gets an address, without boot options. */
	pkt_begin(&p, DHCP_DISCOVER, MAC2);
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1003, out, sizeof(out), &res);
	CHECK_EQ(res.reply_type, DHCP_OFFER);
	dhcp_decode(&r, out, (size_t)res.len);
	CHECK_STR(r.file, "");
	CHECK_EQ(r.yiaddr, IP(192, 168, 1, 101));
	CHECK_EQ(reply_opt(out, (size_t)res.len, 6, &v), 12);
	/* No DNS configured: no option 6. */
	full.dns_count = 0;
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1003, out, sizeof(out), &res);
	CHECK_EQ(reply_opt(out, (size_t)res.len, 6, &v), -1);
	/* REQUEST naming another server: silence. */
	pkt_begin(&p, DHCP_REQUEST, MAC2);
	pkt_u32(&p, 50, IP(192, 168, 1, 101));
	pkt_u32(&p, 54, IP(192, 168, 1, 1));
	pkt_end(&p);
	dhcp_decode(&m, p.b, p.len);
	pxe_handle(&full, &t, &m, DHCP_SERVER_PORT, 1004, out, sizeof(out), &res);
	CHECK_EQ(res.len, 0);
}

int main(void)
{
	test_decode_basic();
	test_decode_user_class_rfc3004();
	test_decode_overload();
	test_decode_malformed();
	test_writer_bounds();
	test_leases();
	test_lease_file();
	test_decision_table();
	test_proxy_flow();
	test_full_flow();
	return CHECK_SUMMARY();
}
