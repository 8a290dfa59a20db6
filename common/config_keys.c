/* config_keys.c: the table of configuration keys. Everything the config knows about a key
 * (section, type, bounds, default, help) is here; config.c parses with it, config_values.c
 * converts values with it, config_print.c prints with it, and the README reference follows it. */
#include "common/config_impl.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SRV(f)		  CSEC_SERVER, #f, .offset = offsetof(struct config_server, f)
#define BOOT(f)		  CSEC_BOOT, #f, .offset = offsetof(struct config_boot, f)
#define CLU(f)		  CSEC_CLUSTER, #f, .offset = offsetof(struct config_cluster, f)
#define LUN(f)		  CSEC_LUN, #f, .offset = offsetof(struct config_lun, f)
#define IMG(f)		  CSEC_IMAGE, #f, .offset = offsetof(struct config_image, f)
#define CLI(f)		  CSEC_CLIENT, #f, .offset = offsetof(struct config_client, f)
#define FLT(f)		  CSEC_FLEET, #f, .offset = offsetof(struct config_fleet, f)
#define STR(s, f, lo, hi) .type = CT_STRING, .size = sizeof(((s *)0)->f), .min = lo, .max = hi
#define UINT(lo, hi)	  .type = CT_UINT, .min = lo, .max = hi
#define SIZE(lo, hi)	  .type = CT_SIZE, .min = lo, .max = hi

static const struct config_enum log_levels[] = {
    {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
    {"info", LOG_INFO}, {"debug", LOG_DEBUG},	  {NULL, 0},
};
static const struct config_enum boot_modes[] = {
    {"proxy", BOOT_MODE_PROXY}, {"full", BOOT_MODE_FULL}, {"off", BOOT_MODE_OFF}, {NULL, 0}};
static const struct config_enum boot_actions[] = {{"boot", BOOT_ACTION_BOOT},
						  {"install", BOOT_ACTION_INSTALL},
						  {"menu", BOOT_ACTION_MENU},
						  {NULL, 0}};
static const struct config_enum installers[] = {
    {"none", IMAGE_INSTALLER_NONE}, {"debian", IMAGE_INSTALLER_DEBIAN}, {NULL, 0}};
static const struct config_enum fleet_resets[] = {
    {"boot", FLEET_RESET_BOOT}, {"never", FLEET_RESET_NEVER}, {NULL, 0}};
static const struct config_enum lun_caches[] = {
    {"buffered", LUN_CACHE_BUFFERED}, {"direct", LUN_CACHE_DIRECT}, {NULL, 0}};
static const struct config_enum uefi_loaders[] = {
    {"snponly.efi", BOOT_UEFI_SNPONLY}, {"ipxe.efi", BOOT_UEFI_IPXE}, {NULL, 0}};

const char *const config_section_names[CSEC_COUNT] = {"server", "boot",	  "cluster", "lun",
						      "image",	"client", "fleet"};

#define TEXT CONFIG_TEXT_MAX - 1

const struct config_key config_keys[] = {
    /* [server] */
    {SRV(data_dir), STR(struct config_server, data_dir, 1, PATH_MAX - 1),
     .check = config_check_path,
     .def_doc = "$STATE_DIRECTORY, else /var/lib/ringsan (root) or ~/.local/state/ringsan",
     .help = "where the LUNs live (one directory per LUN); --data-dir overrides it"},
    {SRV(listen), .type = CT_PORTALS, .offset2 = offsetof(struct config_server, listen_count),
     .port = 3260, .def = "0.0.0.0:3260",
     .help = "iSCSI portals, ADDR[:PORT] (IPv6 as [::1]:3260), comma or space separated"},
    {SRV(base_iqn), STR(struct config_server, base_iqn, 1, IQN_MAX_LEN), .check = config_check_iqn,
     .def = CONFIG_DEFAULT_IQN, .help = "each LUN is served as the target BASE_IQN:NAME"},
    {SRV(workers), UINT(0, 256), .def = "0",
     .help = "I/O threads, each with its own io_uring; "
	     "0 = one per CPU"},
    {SRV(queue_depth), UINT(1, 1024), .def = "64",
     .help = "commands in flight per session (the CmdSN window)"},
    {SRV(max_sessions), UINT(1, 65535), .def = "512",
     .help = "logged-in sessions the server accepts (a booting machine holds up to two)"},
    {SRV(max_logins), UINT(1, 4096), .def = "256",
     .help = "connections still logging in held at once; when full, the oldest login of the "
	     "busiest address is dropped for a newcomer"},
    {SRV(max_logins_per_address), UINT(1, 4096), .def = "16",
     .help = "of those, from one source address (its oldest is dropped for a newcomer)"},
    {SRV(login_timeout), UINT(1, 3600), .def = "15",
     .help = "seconds a login may take from the connection's start, however slowly it comes"},
    {SRV(max_recv_data_segment_length), SIZE(512, 16777215), .def = "262144",
     .help = "largest data segment we accept in one PDU (bytes; K/M allowed)"},
    {SRV(max_burst_length), SIZE(512, 16777215), .def = "1048576",
     .help = "largest solicited burst we offer (bytes)"},
    {SRV(first_burst_length), SIZE(512, 16777215), .def = "262144",
     .help = "largest unsolicited burst we offer (bytes); at most max_burst_length"},
    {SRV(nop_interval), UINT(0, 3600), .def = "30",
     .help = "seconds between NOP-In pings on an idle connection; 0 = off"},
    {SRV(nop_timeout), UINT(1, 3600), .def = "30",
     .help = "seconds to wait for a ping's answer before dropping the connection"},
    {SRV(nbd_timeout), UINT(0, 3600), .def = "20",
     .help = "seconds a LUN on NBD waits for its server's reply before its requests fail and "
	     "the connection is made again; 0 = wait for ever"},
    {SRV(discovery_chap_user), STR(struct config_server, discovery_chap_user, 0, TEXT),
     .help = "CHAP name required for discovery (SendTargets) sessions; empty = none"},
    {SRV(discovery_chap_secret), STR(struct config_server, discovery_chap_secret, 12, TEXT),
     .flags = CK_SECRET, .help = "its secret, 12 to 255 characters"},
    {SRV(ceph_conf), STR(struct config_server, ceph_conf, 1, PATH_MAX - 1),
     .check = config_check_path, .def = "/etc/ceph/ceph.conf",
     .help = "the Ceph config file (monitors) for LUNs on RBD (lun create --backend rbd:...)"},
    {SRV(ceph_user), STR(struct config_server, ceph_user, 1, 64), .def = "admin",
     .help = "the Ceph user NAME (client.NAME) LUNs on RBD connect as"},
    {SRV(ceph_keyring), STR(struct config_server, ceph_keyring, 0, PATH_MAX - 1),
     .check = config_check_path,
     .def_doc = "librados' search: /etc/ceph/ceph.client.NAME.keyring, ...",
     .help = "the keyring holding that user's key"},
    {SRV(ceph_op_timeout), UINT(0, 3600), .def = "20",
     .help = "seconds an RBD request waits for Ceph before it fails (ABORTED COMMAND, which "
	     "initiators retry); below the initiator's command timeout; 0 = wait forever"},
    {SRV(log_level), .type = CT_ENUM, .enums = log_levels, .def = "info",
     .help = "error, warning, notice, info or debug"},
    {SRV(control_socket), STR(struct config_server, control_socket, 0, 107),
     .check = config_check_path, .def_doc = "DATA_DIR/.control.sock",
     .help = "Unix socket `ringsan status` and ringsan-boot ask the running target on"},
    {SRV(control_group), STR(struct config_server, control_group, 0, 32),
     .check = config_check_user, .def_doc = "root's group",
     .help = "group (besides root and the target's own user) allowed to ask the control socket"},
    {SRV(metrics_listen), STR(struct config_server, metrics_listen, 0, 63),
     .check = config_check_metrics_listen,
     .help = "Prometheus metrics over HTTP at /metrics: PORT (on 127.0.0.1) or ADDR:PORT; "
	     "empty = off"},

    /* [boot] */
    {BOOT(mode), .type = CT_ENUM, .enums = boot_modes, .def = "proxy",
     .help = "proxy: answer PXE next to the LAN's DHCP server; full: be the DHCP server "
	     "(needs dhcp_range); off: TFTP and HTTP only"},
    {BOOT(interface), STR(struct config_boot, interface, 0, 15), .check = config_check_ifname,
     .help = "network interface to serve DHCP on; empty = all"},
    {BOOT(server_ip), .type = CT_IPV4, .def_doc = "the interface's address",
     .help = "address clients use for TFTP, HTTP and iSCSI"},
    {CSEC_BOOT, "dhcp_range", .type = CT_IPV4_RANGE,
     .offset = offsetof(struct config_boot, dhcp_first),
     .offset2 = offsetof(struct config_boot, dhcp_last),
     .help = "FIRST-LAST addresses to lease in full mode"},
    {BOOT(lease_time), UINT(60, 604800), .def = "3600", .help = "DHCP lease time, seconds"},
    {BOOT(lease_file), STR(struct config_boot, lease_file, 0, PATH_MAX - 1),
     .check = config_check_path, .def_doc = "DATA_DIR/.dhcp.leases",
     .help = "where full mode keeps its leases"},
    {BOOT(router), .type = CT_IPV4, .help = "default gateway given in full mode"},
    {BOOT(dns), .type = CT_IPV4_LIST, .offset2 = offsetof(struct config_boot, dns_count),
     .help = "DNS servers given in full mode (all of them, in this order, at most 8)"},
    {BOOT(netmask), .type = CT_IPV4, .def = "255.255.255.0", .help = "subnet mask (full mode)"},
    {BOOT(http_listen), .type = CT_PORTAL, .port = 8080, .def = "0.0.0.0:8080",
     .help = "HTTP server for menus and install media, ADDR[:PORT]"},
    {BOOT(tftp_root), STR(struct config_boot, tftp_root, 0, PATH_MAX - 1),
     .check = config_check_path, .def_doc = "DATA_DIR/.tftp (generated)",
     .help = "directory served over TFTP (iPXE binaries and generated menus)"},
    {BOOT(ipxe_dir), STR(struct config_boot, ipxe_dir, 1, PATH_MAX - 1), .check = config_check_path,
     .def = "/usr/lib/ipxe",
     .help = "where undionly.kpxe, ipxe.efi and snponly.efi are (Debian package ipxe)"},
    {BOOT(uefi_loader), .type = CT_ENUM, .enums = uefi_loaders, .def = "snponly.efi",
     .help = "iPXE binary for UEFI clients: snponly.efi (firmware NIC driver) or ipxe.efi"},
    {BOOT(media_dir), STR(struct config_boot, media_dir, 0, PATH_MAX - 1),
     .check = config_check_path, .help = "directory of install media served over HTTP"},
    {BOOT(user), STR(struct config_boot, user, 0, 32), .check = config_check_user,
     .def_doc = "ringsan if that user exists, else nobody",
     .help = "user to run as after binding the ports"},
    {BOOT(menu_timeout), UINT(0, 3600), .def = "10",
     .help = "seconds before the menu takes the default; 0 = wait forever"},
    {BOOT(default_action), .type = CT_ENUM, .enums = boot_actions, .def = "menu",
     .help = "what an unknown machine (no [client]) gets after menu_timeout: boot or install "
	     "the first LUN of the menu; menu waits for a person"},
    {BOOT(http_max_pending), UINT(1, 4096), .def = "128",
     .help = "HTTP connections that have not yet sent a whole request; when full, the oldest "
	     "of them is closed for a new one"},
    {BOOT(http_max_pending_per_source), UINT(1, 4096), .def = "16",
     .help = "of those, from one client address; its oldest gives way first"},
    {BOOT(http_max_active), UINT(1, 4096), .def = "256",
     .help = "HTTP connections with a request in progress or kept alive; beyond, 503"},
    {BOOT(http_header_timeout), UINT(1, 300), .def = "10",
     .help = "seconds a client has to send a whole request header (not reset by each byte)"},
    {BOOT(http_idle_timeout), UINT(1, 3600), .def = "30",
     .help = "seconds a kept-alive or stalled HTTP connection may stay silent"},
    {BOOT(tftp_max_transfers), UINT(1, 4096), .def = "512",
     .help = "TFTP transfers at once, all clients together"},
    {BOOT(tftp_max_per_client), UINT(1, 4096), .def = "8",
     .help = "TFTP transfers at once to one client address"},
    {BOOT(tftp_max_client_timeout), UINT(1, 255), .def = "10",
     .help = "largest RFC 2349 timeout (seconds) a TFTP client may ask for; larger is declined"},
    {BOOT(tftp_stall_timeout), UINT(1, 3600), .def = "30",
     .help = "seconds a TFTP transfer may go without an acknowledgement before it is dropped"},
    {BOOT(admin_listen), .type = CT_PORTAL, .port = 8081, .flags = CK_ZERO_UNSET, .def_doc = "off",
     .help = "status page (machines and their boot timelines, LUNs, recent failures), its JSON "
	     "and /metrics: PORT (on 127.0.0.1) or ADDR:PORT; empty = off; elsewhere than "
	     "loopback set admin_token"},
    {BOOT(admin_token), STR(struct config_boot, admin_token, 16, TEXT), .flags = CK_SECRET,
     .help = "when set, the admin pages need ?token=THIS (16 to 255 characters); for an "
	     "admin_listen that is not on loopback"},
    {BOOT(metrics_listen), .type = CT_PORTAL, .port = 9188, .flags = CK_ZERO_UNSET,
     .def_doc = "off",
     .help = "Prometheus metrics over HTTP at /metrics: PORT (on 127.0.0.1) or ADDR:PORT; "
	     "empty = off"},
    {BOOT(control_socket), STR(struct config_boot, control_socket, 0, 100),
     .check = config_check_path, .def_doc = "DATA_DIR/.boot.sock",
     .help = "Unix socket that `ringsan-boot machines` reads the boot timelines from (mode "
	     "0660)"},

    /* [cluster] */
    {CLU(node), STR(struct config_cluster, node, 0, NAME_MAX_LEN), .check = config_check_lun_name,
     .def_doc = "the node whose address ringsan serve listens on",
     .help = "this node's name among nodes (ringsan serve --node overrides it), so one file "
	     "serves every node"},
    {CLU(nodes), .type = CT_LIST, .check = cluster_config_check_node,
     .help = "every node of the cluster, this one too: NAME=ADDR[:PORT] (port 3260 by "
	     "default; IPv6 as [ADDR]), the portal initiators are redirected to"},
    {CLU(shared_dir), STR(struct config_cluster, shared_dir, 0, PATH_MAX - 1),
     .check = config_check_path,
     .help = "a directory of LUNs every node reaches (NFS, a cluster file system): any node "
	     "can serve them, one node at a time"},
    {CLU(health_interval), UINT(1, 60), .def = "2",
     .help = "seconds between health checks of each other node (a TCP connect to its "
	     "portal)"},
    {CLU(health_timeout), UINT(2, 600), .def = "5",
     .help = "seconds without an answer before a node counts as down and its shared LUNs "
	     "go to the next node; above health_interval"},

    /* [lun NAME] */
    {LUN(description), STR(struct config_lun, description, 0, TEXT),
     .help = "text shown in menus and `ringsan lun list`"},
    {LUN(read_only), .type = CT_BOOL, .def = "no", .help = "serve the disk write-protected"},
    {LUN(write_cache), .type = CT_BOOL, .def = "yes",
     .help = "report a volatile write cache (flushes are honoured either way)"},
    {LUN(thin), .type = CT_BOOL, .def = "yes",
     .help = "report thin provisioning, so UNMAP punches holes in the file"},
    {LUN(sanitize_rate), SIZE(0, UINT32_MAX), .def = "256M",
     .help = "bytes per second a SANITIZE overwrite may write, so other LUNs stay responsive; "
	     "0 = as fast as the disk goes"},
    {LUN(physical_block_size), SIZE(512, 65536), .flags = CK_POW2 | CK_ZERO_UNSET,
     .def_doc = "the LUN's logical block size",
     .help = "physical block size reported to initiators, a power of two from 512 to 64K; "
	     "4K on a 512-byte LUN is \"512e\" (initiators align to 4 KiB); a LUN already "
	     "served keeps its value until restart"},
    {LUN(cache), .type = CT_ENUM, .enums = lun_caches, .def = "buffered",
     .help = "buffered: through the host's page cache; direct: O_DIRECT reads and writes that "
	     "bypass it (flushes and FUA still reach stable storage; requests the file system "
	     "cannot take directly, and file systems without O_DIRECT, use the page cache; "
	     "overlays are always buffered); read when the LUN is opened"},
    {LUN(allowed_initiators), .type = CT_LIST, .check = config_check_iqn,
     .help = "initiator IQNs allowed to log in; empty = all"},
    {LUN(chap_user), STR(struct config_lun, chap_user, 0, TEXT),
     .help = "CHAP name the initiator must use; empty = no CHAP"},
    {LUN(chap_secret), STR(struct config_lun, chap_secret, 12, TEXT), .flags = CK_SECRET,
     .help = "its secret, 12 to 255 characters"},
    {LUN(mutual_chap_user), STR(struct config_lun, mutual_chap_user, 0, TEXT),
     .help = "name the target answers with for mutual CHAP (needs chap_user)"},
    {LUN(mutual_chap_secret), STR(struct config_lun, mutual_chap_secret, 12, TEXT),
     .flags = CK_SECRET, .help = "its secret, 12 to 255 characters, not the one-way secret"},
    {LUN(node), .type = CT_LIST, .check = config_check_lun_name,
     .def_doc = "the node that holds it; shared LUNs: every node, by a stable hash",
     .help = "[cluster] node names: the node that serves this LUN (on its own storage), or "
	     "for a LUN in shared_dir the nodes that may serve it, first live one first"},

    /* [image NAME] */
    {IMG(description), STR(struct config_image, description, 0, TEXT), .help = "menu text"},
    {IMG(kernel), STR(struct config_image, kernel, 1, PATH_MAX - 1), .check = config_check_source,
     .help = "kernel (or wimboot) to boot: a path under media_dir or an http(s) URL"},
    {IMG(initrd), .type = CT_LIST, .check = config_check_initrd,
     .help = "initrds, each PATH or NAME=PATH (NAME= for wimboot's named files)"},
    {IMG(args), STR(struct config_image, args, 0, sizeof(((struct config_image *)0)->args) - 1),
     .help = "kernel command line"},
    {IMG(iso), STR(struct config_image, iso, 1, PATH_MAX - 1), .check = config_check_source,
     .help = "an ISO to sanboot instead of a kernel: path under media_dir or http(s) URL"},
    {IMG(installer), .type = CT_ENUM, .enums = installers, .def = "none",
     .help = "none, or debian: the install entry adds what Debian's installer needs to find "
	     "the disk (partman-iscsi keys, initiator name, preseed URL) and `iscsi_auto` for the "
	     "installed system"},
    {IMG(preseed), STR(struct config_image, preseed, 0, PATH_MAX - 1), .check = config_check_source,
     .help = "with installer = debian: a preseed file under media_dir (served over HTTP) or an "
	     "http(s) URL; the install then runs unattended"},

    /* [client MAC] */
    {CLI(name), STR(struct config_client, name, 0, TEXT), .help = "the machine's name"},
    {CLI(lun), STR(struct config_client, lun, 1, NAME_MAX_LEN), .check = config_check_lun_name,
     .help = "its LUN: the menu's default disk"},
    {CLI(action), .type = CT_ENUM, .enums = boot_actions, .def_doc = "[boot] default_action",
     .help = "boot, install or menu"},
    {CLI(image), STR(struct config_client, image, 1, NAME_MAX_LEN),
     .check = config_check_image_name, .help = "default install image (an [image] name)"},
    {CLI(timeout), UINT(0, 3600), .def_doc = "[boot] menu_timeout",
     .help = "menu timeout for this machine, seconds"},
    {CLI(initiator_iqn), STR(struct config_client, initiator_iqn, 1, IQN_MAX_LEN),
     .check = config_check_iqn, .help = "initiator name iPXE uses for this machine"},

    /* [fleet NAME] */
    {FLT(base), STR(struct config_fleet, base, 1, NAME_MAX_LEN), .check = config_check_lun_name,
     .help = "the golden image every machine of the fleet boots: a LUN (required)"},
    {FLT(machines), .type = CT_LIST, .check = config_check_machine,
     .help = "MAC addresses of the fleet's machines, or * for every machine without a "
	     "[client] section (required)"},
    {FLT(reset), .type = CT_ENUM, .enums = fleet_resets, .def = "boot",
     .help = "boot: a machine's overlay is emptied when it starts a new boot; never: it keeps "
	     "its changes"},
    {FLT(lun_name), STR(struct config_fleet, lun_name, 1, NAME_MAX_LEN),
     .check = config_check_fleet_pattern, .def = "{fleet}-{mac}",
     .help = "name of a machine's overlay LUN; {mac} is its MAC as 52-54-00-12-34-56, "
	     "{fleet} the section's name"},
    {FLT(description), STR(struct config_fleet, description, 0, TEXT),
     .help = "description given to the overlays the fleet creates"},
};

const unsigned config_key_count = sizeof(config_keys) / sizeof(config_keys[0]);

unsigned config_key_index(const struct config_key *key)
{
	unsigned index = 0;

	for (const struct config_key *k = config_keys; k < key; k++)
		index += k->section == key->section;
	return index;
}

const struct config_key *config_key_find(enum config_section_kind section, const char *name,
					 unsigned *index)
{
	unsigned i = 0;

	for (unsigned k = 0; k < config_key_count; k++) {
		if (config_keys[k].section != section)
			continue;
		if (strcmp(config_keys[k].name, name) == 0) {
			if (index)
				*index = i;
			return &config_keys[k];
		}
		i++;
	}
	return NULL;
}
