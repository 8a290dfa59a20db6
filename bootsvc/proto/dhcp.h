/* dhcp.h: DHCP/BOOTP codec (RFC 951, RFC 2131, RFC 2132) with the PXE-related options
 * (RFC 4578 options 93/94/97, RFC 3004 user class, iPXE's encapsulated option 175).
 *
 * Decode: raw bytes -> struct dhcp_msg, through a bounded cursor; a malformed packet is one return
 * value (-EBADMSG), never a crash. Encode: a bounded writer that never overruns its buffer; errors
 * are sticky and checked once in dhcp_writer_finish(). Pure code: no syscalls, no globals.
 * Addresses are kept in network order as uint32_t-in-host-order values (a.b.c.d == 0xaabbccdd).
 */
#ifndef RINGSAN_BOOTSVC_DHCP_H
#define RINGSAN_BOOTSVC_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_FIXED_LEN	    236 /* RFC 2131 2: op .. file */
#define DHCP_MIN_PACKET	    300 /* RFC 951: BOOTP packets are at least 300 bytes */
#define DHCP_MAX_PACKET	    1500
#define DHCP_MAGIC_COOKIE   0x63825363u
#define DHCP_SERVER_PORT    67
#define DHCP_CLIENT_PORT    68
#define DHCP_PXE_PORT	    4011 /* PXE 2.1 2.2.3: boot server (proxyDHCP) port */
#define DHCP_FLAG_BROADCAST 0x8000

enum dhcp_op { DHCP_OP_REQUEST = 1, DHCP_OP_REPLY = 2 };

/* RFC 2132 9.6: option 53 values. DHCP_MSG_NONE = a plain BOOTP packet. */
enum dhcp_msg_type {
	DHCP_MSG_NONE = 0,
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

enum dhcp_option {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_VENDOR = 43, /* PXE 2.1 2.2.5: PXE vendor options when option 60 is PXEClient */
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_USER_CLASS = 77,
	DHCP_OPT_CLIENT_ARCH = 93, /* RFC 4578 2.1 */
	DHCP_OPT_CLIENT_NDI = 94,  /* RFC 4578 2.2 */
	DHCP_OPT_UUID = 97,	   /* RFC 4578 2.3 */
	DHCP_OPT_IPXE = 175,	   /* iPXE encapsulated options ("Etherboot") */
	DHCP_OPT_END = 255,
};

/* PXE 2.1 2.2.5 table 2-1: encapsulated option 43 sub-options we emit. */
#define PXE_OPT_DISCOVERY_CONTROL 6
/* PXE_DISCOVERY_CONTROL bits (PXE 2.1 table 2-1; iPXE include/ipxe/dhcp.h names them PXEBS_*). */
#define PXE_DC_NO_BROADCAST 0x01
#define PXE_DC_NO_MULTICAST 0x02
#define PXE_DC_ONLY_LISTED  0x04
#define PXE_DC_USE_BOOTFILE 0x08 /* skip discovery when a boot file name is present */

#define IPXE_OPT_NO_PXEDHCP 176 /* 175.176: skip waiting for proxyDHCP (iPXE dhcp.h) */

/* An option value kept as bytes; values longer than 255 (RFC 3396 concatenation) are cut. */
struct dhcp_blob {
	uint16_t len;
	uint8_t data[255];
};

struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	char sname[65]; /* NUL-terminated copies; empty when overloaded with options */
	char file[129];
	bool has_cookie;  /* false: plain BOOTP without RFC 1497 options */
	uint8_t overload; /* option 52: 1 = file, 2 = sname, 3 = both carry options */

	uint8_t msg_type; /* enum dhcp_msg_type */
	bool has_requested_ip, has_server_id, has_client_arch, has_ndi, has_uuid;
	uint32_t requested_ip, server_id;
	uint16_t client_arch; /* RFC 4578 2.1: first listed architecture */
	uint16_t max_size;    /* option 57, 0 if absent */
	uint8_t ndi[3];
	struct dhcp_blob uuid; /* option 97: type byte 0 + 16-byte GUID */
	struct dhcp_blob param_list, client_id, vendor, pxe_vendor43;
	char vendor_class[256]; /* option 60 as a string ("PXEClient:Arch:00007:UNDI:003000") */
	char user_class[256];	/* option 77: first class (RFC 3004) or the whole plain string */
	bool ipxe_encap;	/* option 175 present */
	bool ipxe_no_pxedhcp;	/* 175.176 set to non-zero */
};

/* Decodes one packet. Returns 0, or -EBADMSG for a packet that is too short, has a bad hlen, an
 * option running past the end, or a bad overload value. Unknown options are skipped. */
int dhcp_decode(struct dhcp_msg *out, const uint8_t *raw, size_t len);

/* True when the request names a PXE/HTTP boot client: option 60 starts with "PXEClient" or
 * "HTTPClient" (PXE 2.1 2.2.1, UEFI 2.x 24.7.2). */
bool dhcp_is_pxe_client(const struct dhcp_msg *m);
bool dhcp_is_http_client(const struct dhcp_msg *m);
/* True for iPXE: user class "iPXE" or option 175 present (iPXE docs, chainloading). */
bool dhcp_is_ipxe(const struct dhcp_msg *m);

/* Bounded writer for replies. All functions are no-ops once err is set. */
struct dhcp_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool err;
};

/* Starts a reply (op 2) to req: copies xid, flags, giaddr, htype, hlen, chaddr; secs 0;
 * writes the magic cookie and option 53. cap must be >= DHCP_MIN_PACKET. */
void dhcp_reply_begin(struct dhcp_writer *w, uint8_t *buf, size_t cap, const struct dhcp_msg *req,
		      enum dhcp_msg_type type);
void dhcp_set_yiaddr(struct dhcp_writer *w, uint32_t ip);
void dhcp_set_siaddr(struct dhcp_writer *w, uint32_t ip);
void dhcp_set_ciaddr(struct dhcp_writer *w, uint32_t ip);
/* Copies a string into the fixed sname/file field; too long sets err. */
void dhcp_set_sname(struct dhcp_writer *w, const char *s);
void dhcp_set_file(struct dhcp_writer *w, const char *s);
void dhcp_put_option(struct dhcp_writer *w, uint8_t code, const void *data, size_t len);
void dhcp_put_u8(struct dhcp_writer *w, uint8_t code, uint8_t v);
void dhcp_put_u16(struct dhcp_writer *w, uint8_t code, uint16_t v);
void dhcp_put_u32(struct dhcp_writer *w, uint8_t code, uint32_t v);
void dhcp_put_string(struct dhcp_writer *w, uint8_t code, const char *s);
/* Writes option 255 and pads to DHCP_MIN_PACKET. Returns the length, or -EMSGSIZE. */
int dhcp_writer_finish(struct dhcp_writer *w);

#endif
