/* fleet_config.c: the fleet rules that read the configuration (see fleet.h). Kept apart from
 * fleet.c, which is pure and needs no config, so the pure library does not depend on the INI
 * loader. */
#include "common/fleet.h"

#include <string.h>

#include "common/config.h"
#include "common/mac.h"

bool fleet_is_wildcard(const struct config_fleet *fl)
{
	return fl->machines.count == 1 && strcmp(fl->machines.items[0], "*") == 0;
}

bool fleet_lists_mac(const struct config_fleet *fl, const uint8_t mac[6])
{
	uint8_t m[6];

	for (unsigned i = 0; i < fl->machines.count; i++)
		if (mac_parse(fl->machines.items[i], m) == 0 && memcmp(m, mac, 6) == 0)
			return true;
	return false;
}

const struct config_fleet *fleet_for_mac(const struct config *cfg, const uint8_t mac[6])
{
	for (unsigned i = 0; i < cfg->fleet_count; i++)
		if (fleet_lists_mac(&cfg->fleets[i], mac))
			return &cfg->fleets[i];
	if (config_find_client(cfg, mac))
		return NULL;
	for (unsigned i = 0; i < cfg->fleet_count; i++)
		if (fleet_is_wildcard(&cfg->fleets[i]))
			return &cfg->fleets[i];
	return NULL;
}
