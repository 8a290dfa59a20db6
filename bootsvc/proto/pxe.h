/* pxe.h: the PXE decision and the DHCP server logic as one pure step: a decoded request, the
 * port it arrived on, the configuration and (in full mode) the lease table in; a reply packet
 * and a description for the boot-event log line out. No sockets, no clocks: `now` is a parameter.
 *
 * Who gets what (RFC 4578 2.1 architecture types; what PXE ROMs, OVMF and iPXE send):
 *   iPXE (user class "iPXE" or option 175)  -> http://SERVER:PORT/boot.ipxe (no chainload loop)
 *   arch 0  (BIOS x86)                      -> bios_file over TFTP (undionly.kpxe)
 *   arch 7, 9 (x64 UEFI)                    -> uefi_file over TFTP (snponly.efi by default)
 *   arch 16 (x64 UEFI HTTP, "HTTPClient")   -> http://SERVER:PORT/ipxe/<uefi_file>
 *   arch 6  (ia32 UEFI)                     -> uefi32_file if configured, else ignored: Debian's
 *                                              ipxe package ships no ia32 EFI build.
 *   no option 60 "PXEClient"/"HTTPClient"   -> ignored in proxy mode; an address only in full mode.
 *
 * Proxy mode (PXE 2.1 2.2.3-2.2.4): a DISCOVER on port 67 gets a proxy OFFER (yiaddr 0, option 60
 * "PXEClient", server id, option 43 with PXE_DISCOVERY_CONTROL = "use the boot file", siaddr and
 * file). Clients that take the boot file from that OFFER (iPXE: siaddr + file present; PXE 2.1
 * clients: control bit 3) boot directly; clients that ask the boot server anyway (OVMF, many PXE
 * ROMs) send a REQUEST to port 4011, which gets an ACK with the same boot file. REQUESTs on port 67
 * belong to the real DHCP server and are ignored. iPXE's "no proxyDHCP" (175.176) is never sent
 * in proxy mode (it would make iPXE ignore our boot file).
 *
 * Full mode (RFC 2131 4.3): OFFER/ACK/NAK from the lease table with subnet mask, router, DNS,
 * lease time, server id, and for PXE clients siaddr + file + options 66/67 + 43; iPXE clients also
 * get 175.176 so they do not wait for proxyDHCP offers.
 */
#ifndef RINGSAN_BOOTSVC_PXE_H
#define RINGSAN_BOOTSVC_PXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootsvc/proto/dhcp.h"
#include "bootsvc/proto/lease.h"

#define PXE_MAX_DNS 8

enum pxe_mode { PXE_MODE_PROXY, PXE_MODE_FULL };

/* RFC 4578 2.1 / IANA processor architecture types we act on. */
enum pxe_arch {
	PXE_ARCH_BIOS = 0,
	PXE_ARCH_EFI_IA32 = 6,
	PXE_ARCH_EFI_X64 = 7,
	PXE_ARCH_EFI_BC = 9, /* EFI byte code; x64 firmware sends it by mistake: treat as 7 */
	PXE_ARCH_EFI_X64_HTTP = 16,
};

struct pxe_config {
	enum pxe_mode mode;
	uint32_t server_ip; /* host-order a.b.c.d: siaddr, server id, URLs */
	uint16_t http_port;
	const char *bios_file;	 /* "undionly.kpxe" */
	const char *uefi_file;	 /* "snponly.efi" or "ipxe.efi" */
	const char *uefi32_file; /* NULL or "": ia32 UEFI clients are ignored */
	/* Full mode only. 0 = option not sent. */
	uint32_t subnet_mask, router;
	uint32_t dns[PXE_MAX_DNS]; /* RFC 2132 3.8: every server, in order of preference */
	unsigned dns_count;	   /* 0 = option not sent */
	uint32_t lease_secs;
};

enum pxe_boot_kind {
	PXE_BOOT_NONE,	 /* not a client we boot; reason says why */
	PXE_BOOT_TFTP,	 /* file is a TFTP file name */
	PXE_BOOT_HTTP,	 /* file is an http:// URL of an EFI loader (UEFI HTTP boot) */
	PXE_BOOT_SCRIPT, /* file is the http:// URL of boot.ipxe (an iPXE client) */
};

struct pxe_choice {
	enum pxe_boot_kind kind;
	char file[128];
	const char *reason; /* static string, set when kind == PXE_BOOT_NONE */
};

/* The boot-file decision alone (also used by tests and logs). */
void pxe_choose_boot(const struct pxe_config *cfg, const struct dhcp_msg *req,
		     struct pxe_choice *out);

struct pxe_result {
	int len;	     /* bytes of reply in the caller's buffer; 0 = no reply */
	uint8_t reply_type;  /* enum dhcp_msg_type of the reply, 0 if none */
	uint32_t yiaddr;     /* address offered/acked (full mode) */
	bool leases_changed; /* full mode: the lease file should be written */
	struct pxe_choice boot;
	const char *note; /* static string for the log: why ignored, "NAK: address in use" ... */
};

/* One step. local_port is DHCP_SERVER_PORT or DHCP_PXE_PORT (the port the request came in on,
 * not the test's high port number: the daemon maps). leases may be NULL in proxy mode. out must
 * hold DHCP_MAX_PACKET bytes. Always fills res; res->len == 0 means "send nothing". */
void pxe_handle(const struct pxe_config *cfg, struct lease_table *leases,
		const struct dhcp_msg *req, uint16_t local_port, int64_t now, uint8_t *out,
		size_t cap, struct pxe_result *res);

#endif
