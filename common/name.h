/* name.h: the names people type: LUN and image names (which become IQN suffixes and directory
 * names) and iSCSI names (RFC 7143 section 4.2.7 / RFC 3720 section 3.2.6.3: iqn., eui., naa.).
 * Checks return 0 or -EINVAL with err saying what is allowed. */
#ifndef RINGSAN_COMMON_NAME_H
#define RINGSAN_COMMON_NAME_H

#include <stddef.h>

#define NAME_MAX_LEN 64	 /* LUN and image names: bytes, without the NUL */
#define IQN_MAX_LEN  223 /* RFC 7143 4.2.7.1: iSCSI names are at most 223 bytes */

/* 1..64 of lower-case letters, digits, '.', '-'; starts with a letter or a digit. */
int name_check_lun(const char *name, char *err, size_t errlen);
/* Same rules, worded for [image NAME] sections. */
int name_check_image(const char *name, char *err, size_t errlen);

/* "iqn.YYYY-MM.reversed.domain[:suffix]" (lower case; letters, digits, '.', '-', ':'),
 * "eui." + 16 hex digits, or "naa." + 16 or 32 hex digits; at most 223 bytes. */
int name_check_iqn(const char *iqn, char *err, size_t errlen);

#endif
