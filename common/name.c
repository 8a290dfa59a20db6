/* name.c: see name.h. */
#include "common/name.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool name_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool name_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int name_check(const char *what, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	const char *rules = "use 1 to 64 lower-case letters, digits, '.' and '-', starting with a "
			    "letter or a digit";

	if (len == 0) {
		snprintf(err, errlen, "empty %s name: %s", what, rules);
		return -EINVAL;
	}
	if (len > NAME_MAX_LEN) {
		snprintf(err, errlen, "%s name '%.64s...' is too long (%zu bytes): %s", what, name,
			 len, rules);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (name_lower_alnum(name[i]) || name[i] == '.' || name[i] == '-')
			continue;
		if (name[i] >= 'A' && name[i] <= 'Z')
			snprintf(err, errlen, "%s name '%s' has an upper-case letter: %s", what,
				 name, rules);
		else
			snprintf(err, errlen,
				 "%s name '%s' has a character that is not allowed: %s", what, name,
				 rules);
		return -EINVAL;
	}
	if (!name_lower_alnum(name[0])) {
		snprintf(err, errlen, "%s name '%s' must start with a letter or a digit: %s", what,
			 name, rules);
		return -EINVAL;
	}
	return 0;
}

int name_check_lun(const char *name, char *err, size_t errlen)
{
	return name_check("LUN", name, err, errlen);
}

int name_check_image(const char *name, char *err, size_t errlen)
{
	return name_check("image", name, err, errlen);
}

static int name_check_hex_form(const char *iqn, size_t a, size_t b, char *err, size_t errlen)
{
	size_t len = strlen(iqn + 4);

	for (size_t i = 0; i < len; i++)
		if (!name_hex(iqn[4 + i]))
			len = 0;
	if (len == a || len == b)
		return 0;
	if (a == b)
		snprintf(err, errlen,
			 "'%s' is not a valid EUI-64 name: use 'eui.' and 16 hex digits", iqn);
	else
		snprintf(err, errlen,
			 "'%s' is not a valid NAA name: use 'naa.' and 16 or 32 hex digits", iqn);
	return -EINVAL;
}

/* "YYYY-MM." then a reversed domain of at least one label. */
static bool name_iqn_date_ok(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	if (p[4] != '-' || p[5] < '0' || p[5] > '1' || p[6] < '0' || p[6] > '9')
		return false;
	int month = (p[5] - '0') * 10 + (p[6] - '0');
	return month >= 1 && month <= 12 && p[7] == '.' && name_lower_alnum(p[8]);
}

int name_check_iqn(const char *iqn, char *err, size_t errlen)
{
	const char *form = "use iqn.YYYY-MM.reversed.domain[:name] (e.g. "
			   "iqn.2026-11.org.example:disk1), eui.<16 hex digits> or naa.<16 or 32 "
			   "hex digits>";
	size_t len = strlen(iqn);

	if (len > IQN_MAX_LEN) {
		snprintf(err, errlen, "iSCSI name is %zu bytes, more than the 223 allowed", len);
		return -EINVAL;
	}
	if (strncmp(iqn, "eui.", 4) == 0)
		return name_check_hex_form(iqn, 16, 16, err, errlen);
	if (strncmp(iqn, "naa.", 4) == 0)
		return name_check_hex_form(iqn, 16, 32, err, errlen);
	if (strncmp(iqn, "iqn.", 4) != 0 || !name_iqn_date_ok(iqn + 4)) {
		snprintf(err, errlen, "'%s' is not an iSCSI name: %s", iqn, form);
		return -EINVAL;
	}
	for (size_t i = 12; i < len; i++) {
		char c = iqn[i];
		if (name_lower_alnum(c) || c == '.' || c == '-' || c == ':')
			continue;
		snprintf(err, errlen,
			 "'%s' has a character not allowed in an iSCSI name (only lower-case "
			 "letters, digits, '.', '-' and ':')",
			 iqn);
		return -EINVAL;
	}
	return 0;
}
