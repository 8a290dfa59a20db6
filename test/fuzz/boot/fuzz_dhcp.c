/* fuzz_dhcp.c: DHCP decode, then the PXE step in both modes on whatever decoded (the reply
 * writer must stay in bounds for any request). */
#include <stddef.h>
#include <stdint.h>

#include "bootsvc/proto/dhcp.h"
#include "bootsvc/proto/pxe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pxe_config cfg = {
	    .mode = PXE_MODE_FULL,
	    .server_ip = 0xc0a80105,
	    .http_port = 8080,
	    .bios_file = "undionly.kpxe",
	    .uefi_file = "snponly.efi",
	    .subnet_mask = 0xffffff00,
	    .router = 0xc0a80101,
	    .dns = {0xc0a80101, 0x08080808},
	    .dns_count = 2,
	    .lease_secs = 3600,
	};
	struct pxe_config proxy = cfg;
	struct dhcp_msg m;
	struct lease slots[8];
	struct lease_table t;
	struct pxe_result res;
	uint8_t out[DHCP_MAX_PACKET];

	if (size > DHCP_MAX_PACKET || dhcp_decode(&m, data, size) != 0)
		return 0;
	lease_table_init(&t, 0xc0a80164, 0xc0a8016b, slots);
	pxe_handle(&cfg, &t, &m, DHCP_SERVER_PORT, 1000, out, sizeof(out), &res);
	if (res.len) {
		struct dhcp_msg r;
		if (dhcp_decode(&r, out, (size_t)res.len) != 0)
			__builtin_trap(); /* our own replies must decode */
	}
	proxy.mode = PXE_MODE_PROXY;
	pxe_handle(&proxy, NULL, &m, DHCP_SERVER_PORT, 1000, out, sizeof(out), &res);
	pxe_handle(&proxy, NULL, &m, DHCP_PXE_PORT, 1000, out, sizeof(out), &res);
	return 0;
}
