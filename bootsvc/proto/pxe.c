/* pxe.c: see pxe.h. PXE 2.1 (2.2 proxyDHCP, table 2-1 vendor options), RFC 2131 4.3 (server
 * behaviour), RFC 4578 (client architecture), UEFI 2.x 24.7 (HTTP boot: vendor class HTTPClient).
 */
#include "bootsvc/proto/pxe.h"

#include <stdio.h>
#include <string.h>

#include "common/ipv4.h"
#include "common/wire.h"

/* Returns the boot kind and sets *file (or *reason for PXE_BOOT_NONE). */
static enum pxe_boot_kind choose_kind(const struct pxe_config *cfg, const struct dhcp_msg *req,
				      const char **file, const char **reason)
{
	if (!dhcp_is_pxe_client(req) && !dhcp_is_http_client(req)) {
		*reason = "not a PXE client (no vendor class PXEClient/HTTPClient)";
		return PXE_BOOT_NONE;
	}
	/* iPXE first: it also sends PXEClient and an architecture, and must get the script. */
	if (dhcp_is_ipxe(req))
		return PXE_BOOT_SCRIPT;
	if (!req->has_client_arch) { /* PXE 2.0 and BOOTP-era ROMs: BIOS only */
		*file = cfg->bios_file;
		return PXE_BOOT_TFTP;
	}
	switch (req->client_arch) {
	case PXE_ARCH_BIOS:
		*file = cfg->bios_file;
		return PXE_BOOT_TFTP;
	case PXE_ARCH_EFI_X64:
	case PXE_ARCH_EFI_BC:
		*file = cfg->uefi_file;
		return PXE_BOOT_TFTP;
	case PXE_ARCH_EFI_IA32:
		*file = cfg->uefi32_file;
		*reason = "ia32 UEFI client and no uefi32 loader configured";
		return *file && **file ? PXE_BOOT_TFTP : PXE_BOOT_NONE;
	case PXE_ARCH_EFI_X64_HTTP:
		return PXE_BOOT_HTTP;
	default:
		*reason = "unsupported client architecture";
		return PXE_BOOT_NONE;
	}
}

void pxe_choose_boot(const struct pxe_config *cfg, const struct dhcp_msg *req,
		     struct pxe_choice *out)
{
	const char *file = "", *reason = NULL;
	char ip[16];
	int n = 0;

	ipv4_format(cfg->server_ip, ip);
	out->kind = choose_kind(cfg, req, &file, &reason);
	out->reason = NULL;
	switch (out->kind) {
	case PXE_BOOT_NONE:
		out->reason = reason;
		break;
	case PXE_BOOT_TFTP:
		n = snprintf(out->file, sizeof(out->file), "%s", file);
		break;
	case PXE_BOOT_HTTP:
		n = snprintf(out->file, sizeof(out->file), "http://%s:%u/ipxe/%s", ip,
			     cfg->http_port, cfg->uefi_file);
		break;
	case PXE_BOOT_SCRIPT:
		n = snprintf(out->file, sizeof(out->file), "http://%s:%u/boot.ipxe", ip,
			     cfg->http_port);
		break;
	}
	if (out->kind == PXE_BOOT_NONE || n < 0 || n >= (int)sizeof(out->file)) {
		out->file[0] = '\0';
		if (out->kind != PXE_BOOT_NONE)
			out->reason = "boot file name too long";
		out->kind = PXE_BOOT_NONE;
	}
}

/* PXE 2.1 table 2-1: option 43 with PXE_DISCOVERY_CONTROL "boot file present: skip discovery". */
static void put_pxe_vendor(struct dhcp_writer *w)
{
	const uint8_t v[] = {PXE_OPT_DISCOVERY_CONTROL, 1, PXE_DC_USE_BOOTFILE, DHCP_OPT_END};
	dhcp_put_option(w, DHCP_OPT_VENDOR, v, sizeof(v));
}

/* The boot part of a reply: siaddr, file, 66/67, 60 (+43 for PXE, HTTPClient for HTTP boot),
 * and the UUID echoed as PXE 2.1 2.2.1 asks for option 97. */
static void put_boot(const struct pxe_config *cfg, const struct dhcp_msg *req,
		     const struct pxe_choice *boot, struct dhcp_writer *w)
{
	char ip[16];
	ipv4_format(cfg->server_ip, ip);
	dhcp_set_siaddr(w, cfg->server_ip);
	dhcp_set_file(w, boot->file);
	if (boot->kind == PXE_BOOT_HTTP) {
		dhcp_put_string(w, DHCP_OPT_VENDOR_CLASS, "HTTPClient");
	} else {
		dhcp_put_string(w, DHCP_OPT_VENDOR_CLASS, "PXEClient");
		put_pxe_vendor(w);
	}
	dhcp_put_string(w, DHCP_OPT_TFTP_SERVER, ip);
	dhcp_put_string(w, DHCP_OPT_BOOTFILE, boot->file);
	if (req->has_uuid && req->uuid.len)
		dhcp_put_option(w, DHCP_OPT_UUID, req->uuid.data, req->uuid.len);
}

static void finish(struct dhcp_writer *w, struct pxe_result *res, uint8_t type)
{
	int n = dhcp_writer_finish(w);
	res->len = n > 0 ? n : 0;
	res->reply_type = n > 0 ? type : 0;
	if (n <= 0)
		res->note = "reply does not fit";
}

/* Proxy OFFER (port 67) or boot-server ACK (port 4011): no address, only boot information. */
static void proxy_reply(const struct pxe_config *cfg, const struct dhcp_msg *req,
			enum dhcp_msg_type type, uint8_t *out, size_t cap, struct pxe_result *res)
{
	struct dhcp_writer w;
	dhcp_reply_begin(&w, out, cap, req, type);
	dhcp_set_ciaddr(&w, req->ciaddr);
	dhcp_put_u32(&w, DHCP_OPT_SERVER_ID, cfg->server_ip);
	put_boot(cfg, req, &res->boot, &w);
	finish(&w, res, (uint8_t)type);
}

static void handle_proxy(const struct pxe_config *cfg, const struct dhcp_msg *req,
			 uint16_t local_port, uint8_t *out, size_t cap, struct pxe_result *res)
{
	if (res->boot.kind == PXE_BOOT_NONE) {
		res->note = res->boot.reason;
		return;
	}
	if (local_port == DHCP_PXE_PORT) {
		/* PXE 2.1 2.2.4: the boot server answers REQUEST (and INFORM) with an ACK. */
		if (req->msg_type == DHCP_REQUEST || req->msg_type == DHCP_INFORM)
			proxy_reply(cfg, req, DHCP_ACK, out, cap, res);
		else
			res->note = "boot server port: not a REQUEST";
		return;
	}
	if (req->msg_type == DHCP_DISCOVER)
		proxy_reply(cfg, req, DHCP_OFFER, out, cap, res);
	else
		res->note = "proxy mode: not a DISCOVER (for the real DHCP server)";
}

/* Options common to full-mode OFFER and ACK (RFC 2132 3.3, 3.5, 3.8, 9.2, 9.7). */
static void put_lease_options(const struct pxe_config *cfg, struct dhcp_writer *w, bool lease)
{
	dhcp_put_u32(w, DHCP_OPT_SERVER_ID, cfg->server_ip);
	if (lease) {
		dhcp_put_u32(w, DHCP_OPT_LEASE_TIME, cfg->lease_secs);
		dhcp_put_u32(w, DHCP_OPT_RENEWAL_TIME, cfg->lease_secs / 2);
		dhcp_put_u32(w, DHCP_OPT_REBINDING_TIME, cfg->lease_secs / 8 * 7);
	}
	if (cfg->subnet_mask)
		dhcp_put_u32(w, DHCP_OPT_SUBNET_MASK, cfg->subnet_mask);
	if (cfg->router)
		dhcp_put_u32(w, DHCP_OPT_ROUTER, cfg->router);
	if (cfg->dns_count) {
		uint8_t dns[4 * PXE_MAX_DNS];
		unsigned n = cfg->dns_count < PXE_MAX_DNS ? cfg->dns_count : PXE_MAX_DNS;
		for (unsigned i = 0; i < n; i++)
			put_be32(dns + 4 * i, cfg->dns[i]);
		dhcp_put_option(w, DHCP_OPT_DNS, dns, 4 * (size_t)n);
	}
}

static void full_reply(const struct pxe_config *cfg, const struct dhcp_msg *req,
		       enum dhcp_msg_type type, uint32_t yiaddr, uint8_t *out, size_t cap,
		       struct pxe_result *res)
{
	struct dhcp_writer w;
	dhcp_reply_begin(&w, out, cap, req, type);
	if (type == DHCP_NAK) {
		dhcp_put_u32(&w, DHCP_OPT_SERVER_ID, cfg->server_ip);
		finish(&w, res, (uint8_t)type);
		return;
	}
	dhcp_set_yiaddr(&w, yiaddr);
	dhcp_set_ciaddr(&w, type == DHCP_ACK ? req->ciaddr : 0);
	put_lease_options(cfg, &w, yiaddr != 0);
	if (res->boot.kind != PXE_BOOT_NONE) {
		put_boot(cfg, req, &res->boot, &w);
		if (res->boot.kind == PXE_BOOT_SCRIPT) {
			const uint8_t nopxe[] = {IPXE_OPT_NO_PXEDHCP, 1, 1};
			dhcp_put_option(&w, DHCP_OPT_IPXE, nopxe, sizeof(nopxe));
		}
	}
	res->yiaddr = yiaddr;
	finish(&w, res, (uint8_t)type);
}

/* RFC 2131 4.3.2: the address a REQUEST asks for: option 50 (SELECTING, INIT-REBOOT) or ciaddr
 * (RENEWING, REBINDING). */
static uint32_t requested_address(const struct dhcp_msg *req)
{
	return req->has_requested_ip ? req->requested_ip : req->ciaddr;
}

static void handle_full_request(const struct pxe_config *cfg, struct lease_table *leases,
				const struct dhcp_msg *req, int64_t now, uint8_t *out, size_t cap,
				struct pxe_result *res)
{
	uint32_t ip = requested_address(req);
	if (req->has_server_id && req->server_id != cfg->server_ip) {
		res->note = "REQUEST for another server";
		return;
	}
	if (lease_ack(leases, req->chaddr, ip, cfg->lease_secs, now) != 0) {
		res->note = "NAK: address not ours or in use";
		res->leases_changed = false;
		full_reply(cfg, req, DHCP_NAK, 0, out, cap, res);
		return;
	}
	res->leases_changed = true;
	full_reply(cfg, req, DHCP_ACK, ip, out, cap, res);
}

static void handle_full(const struct pxe_config *cfg, struct lease_table *leases,
			const struct dhcp_msg *req, int64_t now, uint8_t *out, size_t cap,
			struct pxe_result *res)
{
	uint32_t ip;
	switch (req->msg_type) {
	case DHCP_DISCOVER:
		ip = lease_offer(leases, req->chaddr, req->has_requested_ip ? req->requested_ip : 0,
				 now);
		if (!ip) {
			res->note = "address range exhausted";
			return;
		}
		full_reply(cfg, req, DHCP_OFFER, ip, out, cap, res);
		return;
	case DHCP_REQUEST:
		handle_full_request(cfg, leases, req, now, out, cap, res);
		return;
	case DHCP_DECLINE:
		lease_decline(leases, req->chaddr, req->requested_ip, now);
		res->leases_changed = true;
		res->note = "DECLINE";
		return;
	case DHCP_RELEASE:
		lease_release(leases, req->chaddr, req->ciaddr);
		res->leases_changed = true;
		res->note = "RELEASE";
		return;
	case DHCP_INFORM: /* RFC 2131 4.3.5: no lease time, no yiaddr */
		full_reply(cfg, req, DHCP_ACK, 0, out, cap, res);
		return;
	default:
		res->note = "not a DHCP request message";
		return;
	}
}

void pxe_handle(const struct pxe_config *cfg, struct lease_table *leases,
		const struct dhcp_msg *req, uint16_t local_port, int64_t now, uint8_t *out,
		size_t cap, struct pxe_result *res)
{
	memset(res, 0, sizeof(*res));
	pxe_choose_boot(cfg, req, &res->boot);
	if (req->op != DHCP_OP_REQUEST || !req->has_cookie || req->htype != 1 || req->hlen != 6) {
		res->note = "not an Ethernet DHCP request";
		return;
	}
	if (cfg->mode == PXE_MODE_PROXY || local_port == DHCP_PXE_PORT || !leases)
		handle_proxy(cfg, req, local_port, out, cap, res);
	else
		handle_full(cfg, leases, req, now, out, cap, res);
}
