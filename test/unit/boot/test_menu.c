/* test_menu.c: the iPXE script renderer. Rendered scripts are compared byte for byte with the
 * golden files in test/unit/boot/golden/; BOOT_GOLDEN_UPDATE=1 rewrites them (review the diff). */
#include <errno.h>
#include <stdlib.h>

#include "bootsvc/proto/menu.h"
#include "common/name.h"
#include "common/size.h"
#include "test/unit/check.h"

static const struct menu_lun LUNS[] = {
    {.name = "win11",
     .size_bytes = 60ull << 30,
     .description = "Windows 11 desk\nset x ${evil} # || \"quoted\""},
    {.name = "debian",
     .size_bytes = (3ull << 30) / 2,
     .description = "Debian 12 lab",
     .chap_user = "alice",
     .chap_secret = "s3cret-pass-12",
     .mutual_user = "target",
     .mutual_secret = "mutual-secret-34"},
    {.name = "bad name", .size_bytes = 1},
    {.name = "weird", .size_bytes = 4096, .chap_user = "bob", .chap_secret = "has space"},
};

static const struct menu_image IMAGES[] = {
    {.name = "debian12",
     .description = "Debian 12 netinst (iSCSI)",
     .kernel = "debian12/linux",
     .initrds = {{NULL, "debian12/initrd.gz"}},
     .n_initrds = 1,
     .args = "priority=low partman-iscsi/login/address={server} "
	     "partman-iscsi/login/targets={target_iqn} iscsi_initiator={initiator_iqn} "
	     "disk={lun} ${notexpanded}"},
    {.name = "winpe",
     .description = "Windows PE via wimboot",
     .kernel = "http://10.0.0.9/wimboot",
     .initrds = {{"BCD", "win/BCD"}, {"boot.sdi", "win/boot.sdi"}, {"boot.wim", "win/boot.wim"}},
     .n_initrds = 3},
    {.name = "win11iso", .description = "Windows 11 ISO", .iso = "iso/win11.iso"},
    /* Absolute paths under media_dir: served as /media/ + the part below media_dir. */
    {.name = "abs",
     .description = "Absolute paths",
     .kernel = "/srv/media/di/linux",
     .initrds = {{NULL, "/srv/media/di/initrd.gz"}},
     .n_initrds = 1},
    {.name = "absiso", .description = "Absolute ISO", .iso = "/srv/media/iso/x.iso"},
    /* The Debian preset: partman-iscsi keys, initiator, preseed URL, iscsi_auto after "---". */
    {.name = "di",
     .description = "Debian 12 installer (preset)",
     .kernel = "/srv/media/di/linux",
     .initrds = {{NULL, "di/initrd.gz"}},
     .n_initrds = 1,
     .args = "console=ttyS0,115200n8",
     .installer = MENU_INSTALLER_DEBIAN,
     .preseed = "/srv/media/di/preseed.cfg"},
    {.name = "di-own",
     .description = "Debian installer, own args with ---",
     .kernel = "di/linux",
     .initrds = {{NULL, "di/initrd.gz"}},
     .n_initrds = 1,
     .args = "priority=low --- quiet",
     .installer = MENU_INSTALLER_DEBIAN},
};

static const struct menu_client CLIENTS[] = {
    {.mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
     .name = "desk",
     .default_lun = "win11",
     .action = MENU_ACTION_BOOT,
     .timeout_s = -1},
    {.mac = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef},
     .name = "lab1",
     .default_lun = "debian",
     .action = MENU_ACTION_INSTALL,
     .image = "debian12",
     .timeout_s = 3,
     .initiator_iqn = "iqn.2026-11.org.example:lab1"},
};

static const struct menu_model MODEL = {
    .server = "192.168.1.5",
    .http_port = 8080,
    .iscsi_port = 3260,
    .base_iqn = "iqn.2026-11.org.ringsan",
    .initiator_base = "iqn.2026-11.org.ringsan.client",
    .luns = LUNS,
    .n_luns = sizeof(LUNS) / sizeof(LUNS[0]),
    .images = IMAGES,
    .n_images = sizeof(IMAGES) / sizeof(IMAGES[0]),
    .clients = CLIENTS,
    .n_clients = sizeof(CLIENTS) / sizeof(CLIENTS[0]),
    .timeout_s = 10,
    .default_action = MENU_ACTION_BOOT,
    .media_dir = "/srv/media/",
};

/* The Windows install flow the README documents: wimboot with the files of a Windows ISO plus
 * winpeshl.ini and install.bat (named so wimboot puts them into X:\Windows\System32), onto a
 * LUN with CHAP; and the boot of the installed disk. */
static const struct menu_lun WIN_LUNS[] = {
    {.name = "win11",
     .size_bytes = 64ull << 30,
     .description = "Windows 11",
     .chap_user = "win11",
     .chap_secret = "change-me-please"},
};
static const struct menu_image WIN_IMAGES[] = {
    {.name = "win11-setup",
     .description = "Windows 11 Setup (wimboot + WinPE)",
     .kernel = "wimboot",
     .initrds = {{"bootmgr", "win11/bootmgr"},
		 {"BCD", "win11/boot/bcd"},
		 {"boot.sdi", "win11/boot/boot.sdi"},
		 {"boot.wim", "win11/sources/boot.wim"},
		 {"winpeshl.ini", "win11/winpeshl.ini"},
		 {"install.bat", "win11/install.bat"}},
     .n_initrds = 6,
     .args = "gui"},
};
static const struct menu_client WIN_CLIENTS[] = {
    {.mac = {0x52, 0x54, 0x00, 0x11, 0x22, 0x33},
     .name = "gamer",
     .default_lun = "win11",
     .action = MENU_ACTION_INSTALL,
     .image = "win11-setup",
     .timeout_s = 5},
};

static const uint8_t FLEET_MACS[][6] = {{0x52, 0x54, 0x00, 0x00, 0x00, 0x01},
					{0x52, 0x54, 0x00, 0x00, 0x00, 0x02}};

static const struct menu_fleet FLEETS[] = {
    {.name = "lab",
     .base = "golden",
     .lun_pattern = "{fleet}-{mac}",
     .macs = FLEET_MACS,
     .n_macs = 2},
    {.name = "pcs", .base = "golden", .lun_pattern = "pc.{mac}", .all = true},
    {.name = "odd", .base = "golden", .lun_pattern = "{mac}_x"},
};

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static void golden(const char *name, const struct menu_buf *b)
{
	char path[512];
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/%s", BOOT_GOLDEN_DIR, name);
	if (getenv("BOOT_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "wb");
		CHECK(f != NULL);
		if (f) {
			fwrite(b->p, 1, b->len, f);
			fclose(f);
		}
		return;
	}
	char *want = read_all(path, &len);
	CHECK(want != NULL);
	CHECK_EQ(len, b->len);
	if (want && len == b->len)
		CHECK_MEM(want, b->p, len);
	if (!want || len != b->len || memcmp(want, b->p, len) != 0)
		fprintf(stderr, "  golden mismatch: %s (BOOT_GOLDEN_UPDATE=1 to rewrite)\n", name);
	free(want);
}

static void render_golden(const struct menu_model *m, const char *file, const char *golden_name)
{
	struct menu_buf b = {0};
	CHECK_EQ(menu_render_file(m, file, &b), 0);
	CHECK(!b.err && b.len > 0);
	golden(golden_name, &b);
	/* Every script is plain printable ASCII lines: no control characters smuggled in. */
	for (size_t i = 0; i < b.len; i++)
		if ((b.p[i] < ' ' && b.p[i] != '\n') || b.p[i] == 0x7f) {
			CHECK(!"control character in script");
			break;
		}
	menu_buf_free(&b);
}

static void test_golden(void)
{
	render_golden(&MODEL, "boot.ipxe", "boot.ipxe");
	render_golden(&MODEL, "vars.ipxe", "vars.ipxe");
	render_golden(&MODEL, "menu.ipxe", "menu.ipxe");
	render_golden(&MODEL, "lun-win11.ipxe", "lun-win11.ipxe");
	render_golden(&MODEL, "lun-debian.ipxe", "lun-debian.ipxe");
	render_golden(&MODEL, "lun-weird.ipxe", "lun-weird.ipxe");
	struct menu_model empty = MODEL;
	empty.n_luns = 0;
	empty.n_images = 0;
	empty.n_clients = 0;
	empty.iscsi_port = 3261;
	render_golden(&empty, "menu.ipxe", "menu-empty.ipxe");
	render_golden(&empty, "vars.ipxe", "vars-port.ipxe");
	/* A non-default iSCSI port reaches partman-iscsi's address. */
	struct menu_model port = MODEL;
	port.iscsi_port = 3261;
	port.n_luns = 1;
	render_golden(&port, "lun-win11.ipxe", "lun-win11-port.ipxe");
	struct menu_model win = MODEL;
	win.luns = WIN_LUNS;
	win.n_luns = 1;
	win.images = WIN_IMAGES;
	win.n_images = 1;
	win.clients = WIN_CLIENTS;
	win.n_clients = 1;
	render_golden(&win, "menu.ipxe", "windows-menu.ipxe");
	render_golden(&win, "lun-win11.ipxe", "windows-lun-win11.ipxe");
	struct menu_model fleets = MODEL;
	fleets.fleets = FLEETS;
	fleets.n_fleets = sizeof(FLEETS) / sizeof(FLEETS[0]);
	render_golden(&fleets, "menu.ipxe", "menu-fleets.ipxe");
	render_golden(&fleets, "fleet-lab.ipxe", "fleet-lab.ipxe");
	render_golden(&fleets, "fleet-pcs.ipxe", "fleet-pcs.ipxe");
	render_golden(&fleets, "fleet-odd.ipxe", "fleet-odd.ipxe");
	/* A cluster: every disk also through the other nodes' portals (one that is not an IPv4
	 * address is left out). */
	static const struct menu_portal PORTALS[] = {
	    {"192.0.2.11", 3260}, {"192.0.2.12", 3261}, {"bad addr", 1}, {"2001:db8::1", 3260}};
	struct menu_model cluster = fleets;
	cluster.alt_portals = PORTALS;
	cluster.n_alt_portals = 4;
	render_golden(&cluster, "lun-win11.ipxe", "lun-win11-cluster.ipxe");
	render_golden(&cluster, "fleet-lab.ipxe", "fleet-lab-cluster.ipxe");
	struct menu_buf b = {0};
	CHECK_EQ(menu_render_file(&fleets, "fleet-nope.ipxe", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&fleets, "fleet-.ipxe", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&MODEL, "fleet-lab.ipxe", &b), -ENOENT);
	menu_buf_free(&b);
}

static void test_dispatch(void)
{
	struct menu_buf b = {0};
	CHECK_EQ(menu_render_file(&MODEL, "lun-nope.ipxe", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&MODEL, "lun-bad name.ipxe", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&MODEL, "lun-.ipxe", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&MODEL, "other.txt", &b), -ENOENT);
	CHECK_EQ(menu_render_file(&MODEL, "../menu.ipxe", &b), -ENOENT);
	menu_buf_free(&b);
}

/* An unknown machine (no [client]) takes [boot] default_action after menu_timeout; "menu", a
 * timeout of 0 or no disk at all waits for a person. */
static void test_unknown_machine_timeout(void)
{
	static const struct {
		enum menu_action action;
		unsigned timeout_s;
		size_t n_luns;
		const char *want;
	} cases[] = {
	    {MENU_ACTION_BOOT, 3, 4, "set rs_timeout 3000\n"},
	    {MENU_ACTION_INSTALL, 7, 4, "set rs_timeout 7000\n"},
	    {MENU_ACTION_MENU, 3, 4, "set rs_timeout 0\n"},
	    {MENU_ACTION_BOOT, 0, 4, "set rs_timeout 0\n"},
	    {MENU_ACTION_BOOT, 3, 0, "set rs_timeout 0\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct menu_model m = MODEL;
		struct menu_buf b = {0};
		m.default_action = cases[i].action;
		m.timeout_s = cases[i].timeout_s;
		m.n_luns = cases[i].n_luns;
		m.n_clients = 0;
		CHECK_EQ(menu_render_file(&m, "menu.ipxe", &b), 0);
		/* the first rs_timeout line is the unknown machine's */
		const char *t = b.p ? strstr(b.p, "set rs_timeout ") : NULL;
		CHECK(t && strncmp(t, cases[i].want, strlen(cases[i].want)) == 0);
		menu_buf_free(&b);
	}
}

static void test_helpers(void)
{
	char t[MENU_TEXT_MAX + 1];
	menu_sanitize_text("  a\tb\n${x} #c || d;  ", t, sizeof(t));
	CHECK_STR(t, "a b __x_ _c __ d_");
	menu_sanitize_text(NULL, t, sizeof(t));
	CHECK_STR(t, "");
	char longtext[300];
	memset(longtext, 'z', sizeof(longtext) - 1);
	longtext[299] = '\0';
	menu_sanitize_text(longtext, t, sizeof(t));
	CHECK_EQ(strlen(t), MENU_TEXT_MAX);
	CHECK(menu_token_ok("iqn.2026-11.org.x:y") && !menu_token_ok("a b"));
	CHECK(!menu_token_ok("${x}") && !menu_token_ok("a#") && !menu_token_ok(""));
	CHECK_STR(menu_media_relative("/srv/media", "/srv/media/di/linux"), "di/linux");
	CHECK_STR(menu_media_relative("/srv/media//", "/srv/media/di/linux"), "di/linux");
	CHECK_STR(menu_media_relative("/srv/media", "di/linux"), "di/linux");
	CHECK_STR(menu_media_relative("/srv/media", "/srv/mediax/a"), "srv/mediax/a");
	CHECK_STR(menu_media_relative(NULL, "/a/b"), "a/b");
}

/* The menu and the CLI print sizes and accept LUN names through the same code (common/size.h,
 * common/name.h): a 1 GiB + 1 byte LUN reads "1.0 GiB" in both, and a name `ringsan lun create`
 * refuses (upper case, '_', a leading '-') never becomes a menu item. */
static void test_agrees_with_cli(void)
{
	static const struct {
		const char *name;
		uint64_t size;
		const char *item; /* the menu line, or NULL when the LUN must not be listed */
	} cases[] = {
	    {"odd", (1ull << 30) + 1, "item lun-odd odd [1.0 GiB]\n"},
	    {"even", 60ull << 30, "item lun-even even [60 GiB]\n"},
	    {"half", (3ull << 30) / 2, "item lun-half half [1.5 GiB]\n"},
	    {"tiny", 100, "item lun-tiny tiny [100 B]\n"},
	    {"huge", UINT64_MAX, "item lun-huge huge [15.9 EiB]\n"},
	    {"Win11", 1ull << 30, NULL},
	    {"win_11", 1ull << 30, NULL},
	    {"-win11", 1ull << 30, NULL},
	    {".win11", 1ull << 30, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct menu_lun lun = {.name = cases[i].name, .size_bytes = cases[i].size};
		struct menu_model m = MODEL;
		struct menu_buf b = {0};
		char size[SIZE_FORMAT_MAX], err[256], line[128];
		m.luns = &lun;
		m.n_luns = 1;
		m.n_clients = 0;
		m.n_fleets = 0;
		CHECK_EQ(menu_render_file(&m, "menu.ipxe", &b), 0);
		snprintf(line, sizeof(line), "item lun-%s %s [%s]\n", cases[i].name, cases[i].name,
			 size_format(cases[i].size, size));
		bool listed = b.p && strstr(b.p, line) != NULL;
		CHECK_EQ(listed, name_check_lun(cases[i].name, err, sizeof(err)) == 0);
		CHECK_EQ(listed, cases[i].item != NULL);
		if (cases[i].item)
			CHECK_STR(line, cases[i].item);
		menu_buf_free(&b);
	}
}

int main(void)
{
	test_golden();
	test_dispatch();
	test_unknown_machine_timeout();
	test_helpers();
	test_agrees_with_cli();
	return CHECK_SUMMARY();
}
