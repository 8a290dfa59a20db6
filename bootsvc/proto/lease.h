/* lease.h: the full-DHCP lease table (RFC 2131 4.3): a fixed range of addresses, one slot each.
 * Pure: the caller passes `now` (seconds, any epoch) to every call and owns persistence through
 * lease_table_format()/lease_table_parse(). A hostile client can at most fill the range.
 *
 * Lease file format (text, one lease per line, written atomically by the daemon):
 *     # ringsan-boot leases v1
 *     <mac aa:bb:cc:dd:ee:ff> <ip a.b.c.d> <state bound|offered|declined> <expires, same epoch>
 */
#ifndef RINGSAN_BOOTSVC_LEASE_H
#define RINGSAN_BOOTSVC_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_MAX_RANGE	  4096 /* addresses; a lab network, not an ISP */
#define LEASE_OFFER_HOLD  30   /* seconds an OFFER reserves an address (RFC 2131 4.3.1) */
#define LEASE_DECLINE_BAN 600  /* seconds a DECLINEd address stays unused (RFC 2131 4.3.3) */

enum lease_state { LEASE_FREE = 0, LEASE_OFFERED, LEASE_BOUND, LEASE_DECLINED };

struct lease {
	uint8_t mac[6];
	enum lease_state state;
	int64_t expires; /* the slot is free again when now >= expires */
};

struct lease_table {
	uint32_t first, last; /* inclusive, host-order a.b.c.d */
	struct lease *slots;  /* last - first + 1 entries, owned by the caller */
};

/* Returns 0, or -EINVAL when the range is empty, reversed or larger than LEASE_MAX_RANGE.
 * slots must hold lease_table_size(first, last) entries. */
int lease_table_init(struct lease_table *t, uint32_t first, uint32_t last, struct lease *slots);
size_t lease_table_size(uint32_t first, uint32_t last);

/* RFC 2131 4.3.1: pick an address for a DISCOVER: the MAC's current lease, else the requested
 * address if free, else the lowest free one. Marks it OFFERED until now + LEASE_OFFER_HOLD.
 * Returns the address or 0 when the range is exhausted. */
uint32_t lease_offer(struct lease_table *t, const uint8_t mac[6], uint32_t requested, int64_t now);

/* RFC 2131 4.3.2: bind ip to mac for lease_secs. Returns 0, or -EADDRINUSE / -ERANGE when the
 * address is outside the range or belongs to another client (the caller answers NAK). */
int lease_ack(struct lease_table *t, const uint8_t mac[6], uint32_t ip, uint32_t lease_secs,
	      int64_t now);
/* RFC 2131 4.3.3 / 4.3.4: DECLINE bans the address for a while; RELEASE frees it. Both ignore
 * addresses the MAC does not hold. */
void lease_decline(struct lease_table *t, const uint8_t mac[6], uint32_t ip, int64_t now);
void lease_release(struct lease_table *t, const uint8_t mac[6], uint32_t ip);
/* The address bound (or offered) to mac, or 0. */
uint32_t lease_find(const struct lease_table *t, const uint8_t mac[6], int64_t now);

/* Writes the lease file text for live leases into out (NUL-terminated). Returns the length, or
 * -ENOSPC if cap is too small. */
int lease_table_format(const struct lease_table *t, int64_t now, char *out, size_t cap);
/* Loads leases from lease file text; lines outside the range or malformed are skipped.
 * Returns the number of leases loaded. */
int lease_table_parse(struct lease_table *t, const char *text, size_t len);

#endif
