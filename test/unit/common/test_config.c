/* test_config.c: the config parser: a full valid file, defaults, and every kind of error with
 * the line it names. */
#include <errno.h>
#include <stdlib.h>

#include "common/config.h"
#include "test/unit/check.h"

static const char good[] = "# a comment\n"
			   "; another\n"
			   "\n"
			   "[server]\n"
			   "data_dir = /srv/ringsan\n"
			   "listen = 127.0.0.1:3261, [::1]:3262 10.0.0.1\n"
			   "base_iqn = iqn.2020-01.lab.example\n"
			   "workers = 2\n"
			   "queue_depth = 128\n"
			   "max_recv_data_segment_length = 64K\n"
			   "first_burst_length = 64K\n"
			   "log_level = debug\n"
			   "[boot]\n"
			   "mode = full\n"
			   "dhcp_range = 10.0.0.100-10.0.0.199\n"
			   "dns = 10.0.0.1, 1.1.1.1\n"
			   "media_dir = /srv/media\n"
			   "default_action = boot\n"
			   "menu_timeout = 5\n"
			   "[lun win11]\n"
			   "description = Windows 11 ; not a comment\n"
			   "read_only = yes\n"
			   "write_cache = off\n"
			   "physical_block_size = 4K\n"
			   "cache = direct\n"
			   "allowed_initiators = iqn.2010-04.org.ipxe:a,\n"
			   "    iqn.2010-04.org.ipxe:b\n"
			   "chap_user = alice\n"
			   "chap_secret = 0123456789ab\n"
			   "mutual_chap_user = target\n"
			   "mutual_chap_secret = ba9876543210\n"
			   "[image debian]\n"
			   "kernel = debian/linux\n"
			   "initrd = debian/initrd.gz\n"
			   "args = console=ttyS0\n"
			   "  priority=critical\n"
			   "installer = debian\n"
			   "preseed = debian/preseed.cfg\n"
			   "[image win]\n"
			   "iso = http://10.0.0.1/win.iso\n"
			   "[client 52-54-00-AA-BB-CC]\n"
			   "name = pc1\n"
			   "lun = win11\n"
			   "image = debian\n"
			   "[client 52:54:00:aa:bb:cd]\n"
			   "action = install\n"
			   "timeout = 0\n";

static void check_good(void)
{
	struct config cfg;
	char err[1024] = "";
	const uint8_t mac1[6] = {0x52, 0x54, 0, 0xaa, 0xbb, 0xcc};
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0xaa, 0xbb, 0xcd};

	CHECK_EQ(config_parse_buffer(&cfg, good, strlen(good), "t.ini", err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_STR(cfg.server.data_dir, "/srv/ringsan");
	CHECK_EQ(cfg.server.listen_count, 3);
	CHECK_STR(cfg.server.listen[0].host, "127.0.0.1");
	CHECK_EQ(cfg.server.listen[0].port, 3261);
	CHECK(cfg.server.listen[1].ipv6);
	CHECK_STR(cfg.server.listen[1].host, "::1");
	CHECK_EQ(cfg.server.listen[2].port, 3260);
	CHECK_EQ(cfg.server.workers, 2);
	CHECK_EQ(cfg.server.queue_depth, 128);
	CHECK_EQ(cfg.server.max_recv_data_segment_length, 65536);
	CHECK_EQ(cfg.server.max_burst_length, 1048576);
	CHECK_EQ(cfg.server.log_level, LOG_DEBUG);
	CHECK_EQ(cfg.boot.mode, BOOT_MODE_FULL);
	CHECK_EQ(cfg.boot.dhcp_last.addr[3], 199);
	CHECK_EQ(cfg.boot.dns_count, 2);
	CHECK_EQ(cfg.lun_count, 1);
	const struct config_lun *l = config_find_lun(&cfg, "win11");
	CHECK(l != NULL);
	CHECK(config_find_lun(&cfg, "nope") == NULL);
	if (l) {
		CHECK_STR(l->description, "Windows 11 ; not a comment");
		CHECK(l->read_only);
		CHECK(!l->write_cache);
		CHECK(l->thin);
		CHECK_EQ(l->physical_block_size, 4096);
		CHECK_EQ(l->cache, LUN_CACHE_DIRECT);
		CHECK_EQ(l->allowed_initiators.count, 2);
		CHECK_STR(l->allowed_initiators.items[1], "iqn.2010-04.org.ipxe:b");
		CHECK_STR(l->mutual_chap_secret, "ba9876543210");
	}
	const struct config_image *im = config_find_image(&cfg, "debian");
	CHECK(im && im->installer == IMAGE_INSTALLER_DEBIAN &&
	      strcmp(im->preseed, "debian/preseed.cfg") == 0);
	CHECK(im && strcmp(im->args, "console=ttyS0 priority=critical") == 0);
	const struct config_client *c1 = config_find_client(&cfg, mac1);
	const struct config_client *c2 = config_find_client(&cfg, mac2);
	CHECK(c1 && c2);
	if (c1 && c2) {
		CHECK_STR(c1->lun, "win11");
		CHECK_EQ(c1->action, BOOT_ACTION_BOOT); /* from [boot] default_action */
		CHECK_EQ(c1->timeout, 5);		/* from [boot] menu_timeout */
		CHECK_EQ(c2->action, BOOT_ACTION_INSTALL);
		CHECK_EQ(c2->timeout, 0);
	}
	/* Printing masks secrets. */
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	config_print(out, &cfg);
	fclose(out);
	CHECK(strstr(text, "0123456789ab") == NULL);
	CHECK(strstr(text, "chap_user = alice") != NULL);
	CHECK(strstr(text, "physical_block_size = 4096\n") != NULL);
	CHECK(strstr(text, "[client 52:54:00:aa:bb:cc]") != NULL);
	free(text);
	config_free(&cfg);
}

static void check_defaults(void)
{
	struct config cfg;
	char err[256], dir[256];

	CHECK_EQ(config_parse_buffer(&cfg, "", 0, "empty.ini", err, sizeof(err)), 0);
	CHECK_STR(cfg.server.base_iqn, "iqn.2026-11.org.ringsan");
	CHECK_EQ(cfg.server.listen_count, 1);
	CHECK_STR(cfg.server.listen[0].host, "0.0.0.0");
	CHECK_EQ(cfg.server.listen[0].port, 3260);
	CHECK_EQ(cfg.server.queue_depth, 64);
	CHECK_EQ(cfg.server.max_sessions, 512);
	CHECK_EQ(cfg.server.max_logins, 256);
	CHECK_EQ(cfg.server.max_logins_per_address, 16);
	CHECK_EQ(cfg.server.login_timeout, 15);
	CHECK_EQ(cfg.server.max_recv_data_segment_length, 262144);
	CHECK_EQ(cfg.server.first_burst_length, 262144);
	CHECK_EQ(cfg.server.nop_interval, 30);
	CHECK_EQ(cfg.server.log_level, LOG_INFO);
	CHECK_STR(cfg.server.data_dir, "");
	CHECK_EQ(cfg.boot.mode, BOOT_MODE_PROXY);
	CHECK_EQ(cfg.boot.http_listen.port, 8080);
	CHECK_EQ(cfg.boot.lease_time, 3600);
	CHECK_STR(cfg.boot.ipxe_dir, "/usr/lib/ipxe");
	CHECK_EQ(cfg.boot.uefi_loader, BOOT_UEFI_SNPONLY);
	CHECK_EQ(cfg.boot.menu_timeout, 10);
	CHECK_EQ(cfg.boot.admin_listen.port, 0); /* off */
	CHECK_EQ(cfg.boot.metrics_listen.port, 0);
	CHECK_STR(cfg.boot.control_socket, "");
	config_free(&cfg);

	/* The observability listeners: a bare port is loopback, ADDR alone takes the default
	 * port, empty is off. */
	const char *obs = "[boot]\nadmin_listen = 8181\nmetrics_listen = 10.0.0.1\n"
			  "admin_token = 0123456789abcdef\n";
	CHECK_EQ(config_parse_buffer(&cfg, obs, strlen(obs), "t.ini", err, sizeof(err)), 0);
	CHECK_STR(cfg.boot.admin_listen.host, "127.0.0.1");
	CHECK_EQ(cfg.boot.admin_listen.port, 8181);
	CHECK_STR(cfg.boot.metrics_listen.host, "10.0.0.1");
	CHECK_EQ(cfg.boot.metrics_listen.port, 9188);
	CHECK_STR(cfg.boot.admin_token, "0123456789abcdef");
	config_free(&cfg);
	obs = "[boot]\nadmin_listen =\nhttp_listen = 127.0.0.1:80\n";
	CHECK_EQ(config_parse_buffer(&cfg, obs, strlen(obs), "t.ini", err, sizeof(err)), 0);
	CHECK_EQ(cfg.boot.admin_listen.port, 0);
	config_free(&cfg);
	obs = "[boot]\nhttp_listen =\n"; /* the menus cannot be off */
	CHECK(config_parse_buffer(&cfg, obs, strlen(obs), "t.ini", err, sizeof(err)) != 0);
	config_free(&cfg);
	obs = "[boot]\nadmin_listen = 99999\n";
	CHECK(config_parse_buffer(&cfg, obs, strlen(obs), "t.ini", err, sizeof(err)) != 0);
	config_free(&cfg);
	obs = "[boot]\nadmin_token = short\n";
	CHECK(config_parse_buffer(&cfg, obs, strlen(obs), "t.ini", err, sizeof(err)) != 0);
	config_free(&cfg);

	config_default_data_dir(dir, sizeof(dir), "/run/state/ringsan", NULL, "/root", true);
	CHECK_STR(dir, "/run/state/ringsan");
	config_default_data_dir(dir, sizeof(dir), NULL, "/x", "/root", true);
	CHECK_STR(dir, "/var/lib/ringsan");
	config_default_data_dir(dir, sizeof(dir), NULL, "/home/u/.st", "/home/u", false);
	CHECK_STR(dir, "/home/u/.st/ringsan");
	config_default_data_dir(dir, sizeof(dir), NULL, NULL, "/home/u", false);
	CHECK_STR(dir, "/home/u/.local/state/ringsan");
}

/* Each bad file and the start of the one-line error it must give. */
static const struct {
	const char *text;
	const char *error;
} bad[] = {
    {"[server]\nbogus = 1\n", "t.ini:2: [server] unknown key 'bogus'"},
    {"[sever]\n", "t.ini:1: unknown section [sever]"},
    {"\n\n[server]\nworkers = 1\nworkers = 2\n",
     "t.ini:5: [server] workers: duplicate key (first at line 4)"},
    {"[server]\n[boot]\n[server]\n", "t.ini:3: duplicate section [server] (first at line 1)"},
    {"[lun a]\n[lun a]\n", "t.ini:2: duplicate section [lun a] (first at line 1)"},
    {"[image a]\nkernel=k\n[image a]\n", "t.ini:3: duplicate section [image a]"},
    {"[client 52:54:00:00:00:01]\n[client 52-54-00-00-00-01]\n",
     "t.ini:2: duplicate section [client 52-54-00-00-00-01] (first at line 1)"},
    {"workers = 1\n", "t.ini:1: 'workers' is outside any section"},
    {"[server]\nworkers\n", "t.ini:2: expected 'key = value'"},
    {"[server\n", "t.ini:1: section header without a closing ']'"},
    {"[server] x\n", "t.ini:1: unexpected text after ']'"},
    {"[server foo]\n", "t.ini:1: [server] takes no name"},
    {"[lun]\n", "t.ini:1: [lun] needs a name"},
    {"[lun a b]\n", "t.ini:1: [lun ...]: too many words"},
    {"[lun Win]\n", "t.ini:1: [lun Win]: LUN name 'Win' has an upper-case letter"},
    {"[image -x]\n", "t.ini:1: [image -x]: image name '-x' must start"},
    {"[client 52:54:00]\n", "t.ini:1: [client 52:54:00]: '52:54:00' is not a MAC address"},
    {"[server]\nworkers = 300\n", "t.ini:2: [server] workers: '300' is out of range: use 0 to 256"},
    {"[server]\nworkers = -1\n", "t.ini:2: [server] workers: '-1' is not a whole number"},
    {"[server]\nworkers = 99999999999999999999\n", "t.ini:2: [server] workers: '99999999999"},
    {"[server]\nqueue_depth = 0\n", "t.ini:2: [server] queue_depth: '0' is out of range"},
    {"[server]\nmax_burst_length = 1.5M\n", "t.ini:2: [server] max_burst_length: '1.5M' is "
					    "not a size"},
    {"[server]\nmax_burst_length = 16M\n", "t.ini:2: [server] max_burst_length: '16M' is out"},
    {"[server]\nlog_level = loud\n", "t.ini:2: [server] log_level: 'loud' is not allowed: use "
				     "error, warning, notice, info or debug"},
    {"[server]\ndata_dir = relative/dir\n", "t.ini:2: [server] data_dir: 'relative/dir' is "
					    "not an absolute path"},
    {"[server]\ndata_dir =\n", "t.ini:2: [server] data_dir: must be 1 to"},
    {"[server]\nbase_iqn = iqn.x\n", "t.ini:2: [server] base_iqn: 'iqn.x' is not an iSCSI"},
    {"[server]\nlisten = 1.2.3.4:99999\n", "t.ini:2: [server] listen: '1.2.3.4:99999' is not"},
    {"[server]\nlisten = [::1\n", "t.ini:2: [server] listen: '[::1' is not an address"},
    {"[server]\nlisten = host:3260\n", "t.ini:2: [server] listen: 'host:3260' is not"},
    {"[server]\nworkers = 1\n  2\n", "t.ini:3: [server] workers: this key takes one value"},
    {"[server]\nfirst_burst_length = 1M\nmax_burst_length = 512K\n",
     "t.ini:1: [server] first_burst_length (1048576) is above max_burst_length"},
    {"[server]\ndiscovery_chap_user = u\n", "t.ini:1: [server] discovery_chap_user and "},
    {"[server]\ndiscovery_chap_secret = short\n", "t.ini:2: [server] discovery_chap_secret: "
						  "must be 12 to 255 characters long"},
    {"[boot]\nmode = full\n", "t.ini:1: [boot] mode = full needs dhcp_range"},
    {"[boot]\ndhcp_range = 10.0.0.9-10.0.0.1\n", "t.ini:2: [boot] dhcp_range: "
						 "'10.0.0.9-10.0.0.1': the first address"},
    {"[boot]\ndhcp_range = 10.0.0.9\n", "t.ini:2: [boot] dhcp_range: '10.0.0.9' is not a range"},
    {"[boot]\nrouter = 10.0.0.256\n", "t.ini:2: [boot] router: '10.0.0.256' is not an IPv4"},
    {"[boot]\nuefi_loader = grub.efi\n", "t.ini:2: [boot] uefi_loader: 'grub.efi' is not "
					 "allowed: use snponly.efi or ipxe.efi"},
    {"[lun a]\ncache = writeback\n", "t.ini:2: [lun a] cache: 'writeback' is not allowed: use "
				     "buffered or direct"},
    {"[boot]\nuser = 9x\n", "t.ini:2: [boot] user: '9x' is not a user name"},
    {"[boot]\ninterface = a b\n", "t.ini:2: [boot] interface: 'a b' is not an interface"},
    {"[lun a]\nread_only = maybe\n", "t.ini:2: [lun a] read_only: 'maybe' is not a boolean"},
    {"[lun a]\nallowed_initiators = iqn.2026-11.org.x:a, bad\n",
     "t.ini:2: [lun a] allowed_initiators: 'bad' is not an iSCSI name"},
    {"[lun a]\nchap_user = u\n", "t.ini:1: [lun a] chap_user and chap_secret go together"},
    {"[lun a]\nchap_secret = 12345\n", "t.ini:2: [lun a] chap_secret: must be 12 to 255"},
    {"[lun a]\nmutual_chap_user = m\nmutual_chap_secret = 0123456789ab\n",
     "t.ini:1: [lun a] mutual_chap_user: mutual CHAP needs one-way CHAP"},
    {"[lun a]\nchap_user = u\nchap_secret = 0123456789ab\nmutual_chap_user = m\n"
     "mutual_chap_secret = 0123456789ab\n",
     "t.ini:1: [lun a] mutual_chap_secret: must differ"},
    {"[lun a]\ndescription = a\x01z\n", "t.ini:2: [lun a] description: control characters"},
    {"[lun a]\nsize = 10G\n", "t.ini:2: [lun a] unknown key 'size'"},
    {"[lun a]\nphysical_block_size = 3000\n", "t.ini:2: [lun a] physical_block_size: '3000' is "
					      "not a power of two: use 512, 1024, 2048, ... "
					      "up to 65536"},
    {"[lun a]\nphysical_block_size = 12K\n", "t.ini:2: [lun a] physical_block_size: '12K' is "
					     "not a power of two"},
    {"[lun a]\nphysical_block_size = 256\n", "t.ini:2: [lun a] physical_block_size: '256' is "
					     "out of range: use 512 to 65536 bytes"},
    {"[lun a]\nphysical_block_size = 128K\n", "t.ini:2: [lun a] physical_block_size: '128K' is "
					      "out of range"},
    {"[lun a]\nphysical_block_size = 0\n", "t.ini:2: [lun a] physical_block_size: '0' is out "
					   "of range"},
    {"[lun a]\nphysical_block_size = 4 KiB\n", "t.ini:2: [lun a] physical_block_size: '4 KiB' "
					       "is not a size"},
    {"[image a]\n", "t.ini:1: [image a] set exactly one of kernel"},
    {"[image a]\nkernel = k\niso = i.iso\n", "t.ini:1: [image a] set exactly one of kernel"},
    {"[image a]\niso = i.iso\nargs = x\n", "t.ini:1: [image a] initrd and args go with kernel"},
    {"[image a]\nkernel = ../etc/passwd\n", "t.ini:2: [image a] kernel: '../etc/passwd': use a "
					    "path under media_dir"},
    {"[image a]\nkernel = /boot/vmlinuz\n", "t.ini:1: [image a] kernel: an absolute path must "
					    "be under [boot] media_dir"},
    {"[image a]\nkernel = k\ninitrd = =x\n", "t.ini:3: [image a] initrd: initrd '=x': use PATH"},
    {"[image a]\nkernel = k\npreseed = p.cfg\n", "t.ini:1: [image a] preseed needs installer = "
						 "debian"},
    {"[image a]\niso = i.iso\ninstaller = debian\n", "t.ini:1: [image a] installer = debian "
						     "needs kernel"},
    {"[image a]\nkernel = k\ninstaller = ubuntu\n", "t.ini:3: [image a] installer: 'ubuntu' is "
						    "not allowed: use none or debian"},
    {"[boot]\nmedia_dir = /m\n[image a]\nkernel = k\ninstaller = debian\npreseed = /etc/p\n",
     "t.ini:3: [image a] preseed: an absolute path must be under [boot] media_dir (/m)"},
    {"[boot]\nmedia_dir = /m/\n[image a]\nkernel = /m/k\ninitrd = /i\n",
     "t.ini:3: [image a] initrd /i: an absolute path must be under [boot] media_dir (/m/)"},
    {"[client 52:54:00:00:00:01]\nimage = nope\n", "t.ini:1: [client 52:54:00:00:00:01] image: "
						   "there is no [image nope] section"},
    {"[client 52:54:00:00:00:01]\nlun = Bad\n", "t.ini:2: [client 52:54:00:00:00:01] lun: LUN "
						"name 'Bad'"},
    {"[client 52:54:00:00:00:01]\naction = dance\n", "t.ini:2: [client 52:54:00:00:00:01] "
						     "action: 'dance' is not allowed"},
    {"[client 52:54:00:00:00:01]\ninitiator_iqn = x\n", "t.ini:2: [client 52:54:00:00:00:01] "
							"initiator_iqn: 'x' is not"},
};

static void check_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config cfg;
		char err[2048] = "";
		int ret = config_parse_buffer(&cfg, bad[i].text, strlen(bad[i].text), "t.ini", err,
					      sizeof(err));
		CHECK_EQ(ret, -EINVAL);
		bool ok = strncmp(err, bad[i].error, strlen(bad[i].error)) == 0;
		if (!ok)
			fprintf(stderr, "  case %zu: got '%s'\n   expected '%s...'\n", i, err,
				bad[i].error);
		CHECK(ok);
		if (strchr(err, 0x0a))
			fprintf(stderr, "  case %zu has a newline: %s\n", i, err);
		CHECK(strchr(err, 0x0a) == NULL);
		/* Failure leaves defaults and nothing allocated. */
		CHECK_EQ(cfg.lun_count + cfg.image_count + cfg.client_count, 0);
		config_free(&cfg);
	}
}

/* Lines up to CONFIG_MAX_LINE characters (an installer's kernel command line is longer than
 * inih's default 200-byte buffer); a longer one is an error naming file:line. */
static void check_long_lines(void)
{
	static char text[3 * CONFIG_MAX_LINE];
	struct config cfg;
	char err[1024];
	const char *head = "[image di]\nkernel = linux\nargs = ";
	size_t h = strlen(head), room = CONFIG_MAX_LINE - strlen("args = ");

	memcpy(text, head, h);
	memset(text + h, 'a', 3000);
	memcpy(text + h + 3000, "\r\n[boot]\nmenu_timeout = 7\n", 26);
	CHECK_EQ(config_parse_buffer(&cfg, text, h + 3000 + 26, "t.ini", err, sizeof(err)), 0);
	CHECK_EQ(cfg.image_count, 1u);
	CHECK(cfg.image_count == 1 && strlen(cfg.images[0].args) == 3000);
	CHECK_EQ(cfg.boot.menu_timeout, 7u);
	config_free(&cfg);
	/* Exactly CONFIG_MAX_LINE characters, with CRLF: accepted. */
	memset(text + h, 'b', room);
	memcpy(text + h + room, "\r\n", 3);
	CHECK_EQ(config_parse_buffer(&cfg, text, h + room + 2, "t.ini", err, sizeof(err)), 0);
	CHECK(cfg.image_count == 1 && strlen(cfg.images[0].args) == room);
	config_free(&cfg);
	/* One character more: the line is refused as a whole. */
	memset(text + h, 'c', room + 1);
	memcpy(text + h + room + 1, "\n", 2);
	CHECK_EQ(config_parse_buffer(&cfg, text, h + room + 2, "t.ini", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t.ini:3: line longer than 4096 characters") == err);
	/* No final newline. */
	CHECK_EQ(config_parse_buffer(&cfg, text, h + room + 1, "t.ini", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t.ini:3: line longer than 4096 characters") == err);
}

static void check_limits(void)
{
	struct config cfg;
	char err[1024], text[600];

	/* A NUL byte, an over-long line, a byte order mark, CRLF line ends. */
	CHECK_EQ(config_parse_buffer(&cfg, "[server]\n\0", 10, "t.ini", err, sizeof(err)), -EINVAL);
	CHECK(strncmp(err, "t.ini:2: a NUL byte", 19) == 0);
	snprintf(text, sizeof(text), "[lun a]\ndescription = %0400d\n", 1);
	CHECK_EQ(config_parse_buffer(&cfg, text, strlen(text), "t.ini", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "t.ini:2: [lun a] description: ") == err); /* the value's own limit */
	check_long_lines();
	const char bom[] = "\xef\xbb\xbf[server]\r\nworkers = 3\r\n";
	CHECK_EQ(config_parse_buffer(&cfg, bom, strlen(bom), "t.ini", err, sizeof(err)), 0);
	CHECK_EQ(cfg.server.workers, 3);
	config_free(&cfg);
	/* An empty [lun] section still counts, with defaults. */
	CHECK_EQ(config_parse_buffer(&cfg, "[lun x]\n", 8, "t.ini", err, sizeof(err)), 0);
	CHECK(config_find_lun(&cfg, "x") && config_find_lun(&cfg, "x")->write_cache);
	CHECK(config_find_lun(&cfg, "x") &&
	      config_find_lun(&cfg, "x")->cache == LUN_CACHE_BUFFERED);
	/* physical_block_size: unset is 0 ("the logical block size") and is not printed */
	CHECK(config_find_lun(&cfg, "x") && config_find_lun(&cfg, "x")->physical_block_size == 0);
	char *printed = NULL;
	size_t printed_len = 0;
	FILE *out = open_memstream(&printed, &printed_len);
	config_print(out, &cfg);
	fclose(out);
	CHECK(strstr(printed, "physical_block_size") == NULL);
	free(printed);
	config_free(&cfg);
	/* every power of two from 512 to 64K, in bytes or with a unit */
	static const char *const pbs[] = {"512", "1K", "2048", "4K", "8192", "16K", "32K", "64K"};
	for (unsigned i = 0; i < sizeof(pbs) / sizeof(pbs[0]); i++) {
		snprintf(text, sizeof(text), "[lun x]\nphysical_block_size = %s\n", pbs[i]);
		CHECK_EQ(config_parse_buffer(&cfg, text, strlen(text), "t.ini", err, sizeof(err)),
			 0);
		CHECK(config_find_lun(&cfg, "x") &&
		      config_find_lun(&cfg, "x")->physical_block_size == 512u << i);
		config_free(&cfg);
	}
	/* A missing file. */
	CHECK_EQ(config_load_file(&cfg, "/nonexistent/ringsan.ini", err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "/nonexistent/ringsan.ini") != NULL);
}

int main(void)
{
	check_good();
	check_defaults();
	check_bad();
	check_limits();
	return CHECK_SUMMARY();
}
