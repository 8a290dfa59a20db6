/* test_fleet.c: [fleet] sections: config rules, machine matching, overlay names, boot requests. */
#include <errno.h>
#include <stdlib.h>

#include "common/config.h"
#include "common/fleet.h"
#include "common/mac.h"
#include "test/unit/check.h"

static const uint8_t mac1[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t mac2[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
static const uint8_t mac3[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};

static int parse(struct config *cfg, const char *text, char *err, size_t errlen)
{
	return config_parse_buffer(cfg, text, strlen(text), "t.ini", err, errlen);
}

static const struct {
	const char *text;
	const char *err_part; /* NULL: must parse */
} config_cases[] = {
    {"[fleet lab]\nbase = golden\nmachines = *\n", NULL},
    {"[fleet lab]\nbase = golden\nmachines = 52:54:00:12:34:56 52:54:00:aa:bb:cc\nreset = "
     "never\nlun_name = pc-{mac}\n",
     NULL},
    {"[fleet lab]\nmachines = *\n", "needs base"},
    {"[fleet lab]\nbase = golden\n", "needs base"},
    {"[fleet lab]\nbase = golden\nmachines = *, 52:54:00:12:34:56\n", "stands alone"},
    {"[fleet lab]\nbase = golden\nmachines = 52-54\n", "not a MAC"},
    {"[fleet lab]\nbase = golden\nmachines = *\nlun_name = pc\n", "no {mac}"},
    {"[fleet lab]\nbase = golden\nmachines = *\nlun_name = PC-{mac}\n", "lower-case"},
    {"[fleet lab]\nbase = golden\nmachines = *\nreset = sometimes\n", "reset"},
    {"[fleet a]\nbase = g\nmachines = *\n[fleet b]\nbase = g\nmachines = *\n", "only one"},
    {"[fleet a]\nbase = g\nmachines = 52:54:00:12:34:56\n[fleet b]\nbase = g\nmachines = "
     "52:54:00:12:34:56\n",
     "too"},
    {"[client 52:54:00:12:34:56]\nname = x\n[fleet a]\nbase = g\nmachines = "
     "52:54:00:12:34:56\n",
     "[client] section too"},
    {"[fleet a]\nbase = g\nmachines = *\n[fleet a]\nbase = g\nmachines = 52:54:00:12:34:56\n",
     "duplicate section"},
    {"[fleet Bad]\nbase = g\nmachines = *\n", "[fleet Bad]"},
    {"[fleet aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nbase = g\nmachines = *\n",
     "lun_name"},
};

static void test_config(void)
{
	for (size_t i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		struct config cfg;
		char err[1024] = "";
		int ret = parse(&cfg, config_cases[i].text, err, sizeof(err));
		if (!config_cases[i].err_part) {
			CHECK_EQ(ret, 0);
			if (ret)
				fprintf(stderr, "case %zu: %s\n", i, err);
		} else {
			CHECK_EQ(ret, -EINVAL);
			CHECK(strstr(err, config_cases[i].err_part) != NULL);
			if (!strstr(err, config_cases[i].err_part))
				fprintf(stderr, "case %zu: %s\n", i, err);
		}
		config_free(&cfg);
	}

	struct config cfg;
	char err[512];
	CHECK_EQ(parse(&cfg, "[fleet lab]\nbase = golden\nmachines = *\n", err, sizeof(err)), 0);
	CHECK_EQ(cfg.fleet_count, 1);
	CHECK_EQ(cfg.fleets[0].reset, FLEET_RESET_BOOT);
	CHECK_STR(cfg.fleets[0].lun_name, "{fleet}-{mac}");
	CHECK(config_find_fleet(&cfg, "lab") == &cfg.fleets[0]);
	CHECK(config_find_fleet(&cfg, "other") == NULL);
	config_free(&cfg);
}

static void test_matching(void)
{
	struct config cfg;
	char err[512];
	const char *text = "[client 52:54:00:00:00:01]\nname = desk\n"
			   "[fleet pcs]\nbase = golden\nmachines = *\n"
			   "[fleet lab]\nbase = golden\nmachines = 52:54:00:12:34:56\n";
	CHECK_EQ(parse(&cfg, text, err, sizeof(err)), 0);
	const struct config_fleet *f = fleet_for_mac(&cfg, mac1);
	CHECK(f && strcmp(f->name, "lab") == 0); /* a listed MAC beats "*" */
	f = fleet_for_mac(&cfg, mac2);
	CHECK(f && strcmp(f->name, "pcs") == 0);
	CHECK(fleet_for_mac(&cfg, mac3) == NULL); /* its [client] section wins over "*" */
	config_free(&cfg);

	CHECK_EQ(
	    parse(&cfg, "[fleet lab]\nbase = g\nmachines = 52:54:00:12:34:56\n", err, sizeof(err)),
	    0);
	CHECK(fleet_for_mac(&cfg, mac2) == NULL);
	config_free(&cfg);
}

static void test_names(void)
{
	char name[NAME_MAX_LEN + 1], err[256], hh[MAC_TEXT_LEN];

	mac_format_hexhyp(mac1, hh);
	CHECK_STR(hh, "52-54-00-12-34-56");
	CHECK_EQ(fleet_lun_name("{fleet}-{mac}", "lab", mac1, name, sizeof(name), err, sizeof(err)),
		 0);
	CHECK_STR(name, "lab-52-54-00-12-34-56");
	CHECK_EQ(
	    fleet_lun_name("pc.{mac}.{fleet}", "lab", mac2, name, sizeof(name), err, sizeof(err)),
	    0);
	CHECK_STR(name, "pc.52-54-00-aa-bb-cc.lab");
	CHECK_EQ(fleet_lun_name("{mac}", "lab", mac1, name, sizeof(name), err, sizeof(err)), 0);
	CHECK_STR(name, "52-54-00-12-34-56");
	CHECK_EQ(fleet_lun_name("-{mac}", "lab", mac1, name, sizeof(name), err, sizeof(err)),
		 -EINVAL); /* a LUN name does not start with '-' */
	CHECK_EQ(fleet_lun_name("{fleet}", "lab", mac1, name, sizeof(name), err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(fleet_lun_name("{mac}{mac}{mac}{mac}", "lab", mac1, name, sizeof(name), err,
				sizeof(err)),
		 -EINVAL); /* 68 bytes */
	CHECK_EQ(fleet_lun_name("{mac}", "lab", mac1, name, 10, err, sizeof(err)), -EINVAL);
	CHECK_EQ(fleet_check_pattern("{mac}{fleet", err, sizeof(err)), -EINVAL);
}

static const struct {
	const char *text;
	int ok;
} request_cases[] = {
    {"fleet=lab\nmac=52:54:00:12:34:56\n", 1},
    {"fleet=lab\nmac=52:54:00:12:34:56", 0},
    {"fleet=lab\nmac=52:54:00:12:34:56\n\n", 0},
    {"mac=52:54:00:12:34:56\nfleet=lab\n", 0},
    {"fleet=\nmac=52:54:00:12:34:56\n", 0},
    {"fleet=Lab\nmac=52:54:00:12:34:56\n", 0},
    {"fleet=lab\nmac=52:54:00:12:34\n", 0},
    {"fleet=l b\nmac=52:54:00:12:34:56\n", 0},
    {"fleet=lab\r\nmac=52:54:00:12:34:56\n", 0},
    {"", 0},
    {"fleet", 0},
    {"fleet=lab\n", 0},
};

static void test_requests(void)
{
	struct fleet_request r;
	char buf[FLEET_REQUEST_MAX];

	for (size_t i = 0; i < sizeof(request_cases) / sizeof(request_cases[0]); i++) {
		const char *t = request_cases[i].text;
		int ret = fleet_request_parse((const uint8_t *)t, strlen(t), &r);
		CHECK_EQ(ret, request_cases[i].ok ? 0 : -EBADMSG);
	}
	size_t n = fleet_request_format("lab", mac2, buf, sizeof(buf));
	CHECK_STR(buf, "fleet=lab\nmac=52:54:00:aa:bb:cc\n");
	CHECK_EQ(fleet_request_parse((const uint8_t *)buf, n, &r), 0);
	CHECK_STR(r.fleet, "lab");
	CHECK_MEM(r.mac, mac2, 6);
}

int main(void)
{
	test_config();
	test_matching();
	test_names();
	test_requests();
	return CHECK_SUMMARY();
}
