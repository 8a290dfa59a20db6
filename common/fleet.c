/* fleet.c: see fleet.h. */
#include "common/fleet.h"
#include "common/mac.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PH_FLEET "{fleet}"
#define PH_MAC	 "{mac}"

static bool fleet_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int fleet_check_pattern(const char *pattern, char *err, size_t errlen)
{
	bool mac = false;

	for (const char *p = pattern; *p;) {
		if (strncmp(p, PH_FLEET, strlen(PH_FLEET)) == 0) {
			p += strlen(PH_FLEET);
		} else if (strncmp(p, PH_MAC, strlen(PH_MAC)) == 0) {
			p += strlen(PH_MAC);
			mac = true;
		} else if (fleet_name_char(*p)) {
			p++;
		} else {
			snprintf(err, errlen,
				 "'%s': use lower-case letters, digits, '-', '.' and the "
				 "placeholders {fleet} and {mac}",
				 pattern);
			return -EINVAL;
		}
	}
	if (!mac) {
		snprintf(err, errlen, "'%s' has no {mac}: every machine needs its own overlay",
			 pattern);
		return -EINVAL;
	}
	return 0;
}

int fleet_lun_name(const char *pattern, const char *fleet, const uint8_t mac[6], char *out,
		   size_t cap, char *err, size_t errlen)
{
	char hexhyp[MAC_TEXT_LEN], name[4 * NAME_MAX_LEN];
	size_t n = 0;

	if (fleet_check_pattern(pattern, err, errlen) != 0)
		return -EINVAL;
	mac_format_hexhyp(mac, hexhyp);
	for (const char *p = pattern; *p && n < sizeof(name) - 1;) {
		const char *add = NULL;
		char one[2] = {*p, 0};
		if (strncmp(p, PH_FLEET, strlen(PH_FLEET)) == 0) {
			add = fleet;
			p += strlen(PH_FLEET);
		} else if (strncmp(p, PH_MAC, strlen(PH_MAC)) == 0) {
			add = hexhyp;
			p += strlen(PH_MAC);
		} else {
			add = one;
			p++;
		}
		n += (size_t)snprintf(name + n, sizeof(name) - n, "%s", add);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
	}
	name[n] = '\0';
	if (name_check_lun(name, err, errlen) != 0)
		return -EINVAL;
	if (strlen(name) >= cap) {
		snprintf(err, errlen, "overlay name '%s' is too long", name);
		return -EINVAL;
	}
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

size_t fleet_request_format(const char *fleet, const uint8_t mac[6], char *out, size_t cap)
{
	char text[MAC_TEXT_LEN];
	int n = snprintf(out, cap, "fleet=%s\nmac=%s\n", fleet, mac_format(mac, text));
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* One "key=value\n" line at *pos into value (cap bytes with the NUL). */
static int fleet_request_line(const uint8_t *buf, size_t len, size_t *pos, const char *key,
			      char *value, size_t cap)
{
	size_t klen = strlen(key), start = *pos + klen + 1, end = start;

	if (len - *pos < klen + 1 || memcmp(buf + *pos, key, klen) != 0 || buf[*pos + klen] != '=')
		return -EBADMSG;
	while (end < len && buf[end] != '\n')
		end++;
	if (end == len || end - start >= cap || end == start)
		return -EBADMSG;
	for (size_t i = start; i < end; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e)
			return -EBADMSG;
	memcpy(value, buf + start, end - start);
	value[end - start] = '\0';
	*pos = end + 1;
	return 0;
}

int fleet_request_parse(const uint8_t *buf, size_t len, struct fleet_request *out)
{
	char mac[MAC_TEXT_LEN], why[128];
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (len > FLEET_REQUEST_MAX ||
	    fleet_request_line(buf, len, &pos, "fleet", out->fleet, sizeof(out->fleet)) != 0 ||
	    fleet_request_line(buf, len, &pos, "mac", mac, sizeof(mac)) != 0 || pos != len ||
	    name_check_lun(out->fleet, why, sizeof(why)) != 0 || mac_parse(mac, out->mac) != 0) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}
