/* lease.c: see lease.h. RFC 2131 4.3 (server behaviour: allocation, DECLINE, RELEASE). */
#include "bootsvc/proto/lease.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipv4.h"
#include "common/mac.h"

size_t lease_table_size(uint32_t first, uint32_t last)
{
	if (last < first || last - first >= LEASE_MAX_RANGE)
		return 0;
	return (size_t)(last - first) + 1;
}

int lease_table_init(struct lease_table *t, uint32_t first, uint32_t last, struct lease *slots)
{
	size_t n = lease_table_size(first, last);
	if (n == 0 || !slots)
		return -EINVAL;
	t->first = first;
	t->last = last;
	t->slots = slots;
	memset(slots, 0, n * sizeof(*slots));
	return 0;
}

static bool slot_live(const struct lease *l, int64_t now)
{
	return l->state != LEASE_FREE && now < l->expires;
}

static struct lease *slot_of(const struct lease_table *t, uint32_t ip)
{
	if (ip < t->first || ip > t->last)
		return NULL;
	return &t->slots[ip - t->first];
}

static bool slot_is_mac(const struct lease *l, const uint8_t mac[6])
{
	return memcmp(l->mac, mac, 6) == 0;
}

uint32_t lease_find(const struct lease_table *t, const uint8_t mac[6], int64_t now)
{
	for (uint32_t i = 0; i <= t->last - t->first; i++) {
		const struct lease *l = &t->slots[i];
		if (slot_live(l, now) && l->state != LEASE_DECLINED && slot_is_mac(l, mac))
			return t->first + i;
	}
	return 0;
}

static void slot_take(struct lease *l, const uint8_t mac[6], enum lease_state st, int64_t until)
{
	memcpy(l->mac, mac, 6);
	l->state = st;
	l->expires = until;
}

uint32_t lease_offer(struct lease_table *t, const uint8_t mac[6], uint32_t requested, int64_t now)
{
	uint32_t ip = lease_find(t, mac, now);
	struct lease *l;

	if (ip) {
		l = slot_of(t, ip);
		if (l->state == LEASE_OFFERED)
			l->expires = now + LEASE_OFFER_HOLD;
		return ip;
	}
	l = slot_of(t, requested);
	if (l && !slot_live(l, now)) {
		slot_take(l, mac, LEASE_OFFERED, now + LEASE_OFFER_HOLD);
		return requested;
	}
	/* Prefer never-used slots, then expired ones: a returning client that lost its lease can
	 * often get its old address back when the range is not under pressure. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i <= t->last - t->first; i++) {
			l = &t->slots[i];
			if (slot_live(l, now))
				continue;
			if (pass == 0 && l->expires != 0)
				continue;
			slot_take(l, mac, LEASE_OFFERED, now + LEASE_OFFER_HOLD);
			return t->first + i;
		}
	}
	return 0;
}

int lease_ack(struct lease_table *t, const uint8_t mac[6], uint32_t ip, uint32_t lease_secs,
	      int64_t now)
{
	struct lease *l = slot_of(t, ip);
	if (!l)
		return -ERANGE;
	if (slot_live(l, now) && !slot_is_mac(l, mac))
		return -EADDRINUSE;
	if (slot_live(l, now) && l->state == LEASE_DECLINED)
		return -EADDRINUSE;
	/* One address per client: drop any other slot this MAC holds. */
	uint32_t old = lease_find(t, mac, now);
	if (old && old != ip)
		slot_of(t, old)->state = LEASE_FREE;
	slot_take(l, mac, LEASE_BOUND, now + lease_secs);
	return 0;
}

void lease_decline(struct lease_table *t, const uint8_t mac[6], uint32_t ip, int64_t now)
{
	struct lease *l = slot_of(t, ip);
	if (!l || !slot_is_mac(l, mac))
		return;
	/* RFC 2131 4.3.3: the address is in use by someone else; keep it out of the pool. */
	memset(l->mac, 0, 6);
	l->state = LEASE_DECLINED;
	l->expires = now + LEASE_DECLINE_BAN;
}

void lease_release(struct lease_table *t, const uint8_t mac[6], uint32_t ip)
{
	struct lease *l = slot_of(t, ip);
	if (!l || !slot_is_mac(l, mac) || l->state == LEASE_DECLINED)
		return;
	l->state = LEASE_FREE;
	l->expires = 1; /* used before: offered after never-used slots */
}

static const char *state_name(enum lease_state s)
{
	switch (s) {
	case LEASE_OFFERED:
		return "offered";
	case LEASE_BOUND:
		return "bound";
	case LEASE_DECLINED:
		return "declined";
	default:
		return "free";
	}
}

int lease_table_format(const struct lease_table *t, int64_t now, char *out, size_t cap)
{
	size_t len = 0;
	int n = snprintf(out, cap, "# ringsan-boot leases v1\n");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	len = (size_t)n;
	for (uint32_t i = 0; i <= t->last - t->first; i++) {
		const struct lease *l = &t->slots[i];
		uint32_t ip = t->first + i;
		if (!slot_live(l, now) || l->state == LEASE_OFFERED)
			continue;
		char mac[MAC_TEXT_LEN], addr[IPV4_TEXT_LEN];
		n = snprintf(out + len, cap - len, "%s %s %s %" PRId64 "\n",
			     mac_format(l->mac, mac), ipv4_format(ip, addr), state_name(l->state),
			     l->expires);
		if (n < 0 || (size_t)n >= cap - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return (int)len;
}

static bool parse_line(const char *line, uint8_t mac[6], uint32_t *ip, enum lease_state *st,
		       int64_t *expires)
{
	unsigned m[6], a[4];
	char state[16];
	long long exp;
	int used = 0;
	if (sscanf(line, "%2x:%2x:%2x:%2x:%2x:%2x %3u.%3u.%3u.%3u %15s %lld%n", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5], &a[0], &a[1], &a[2], &a[3], state, &exp, &used) != 12)
		return false;
	for (int i = 0; i < 4; i++)
		if (a[i] > 255)
			return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	*ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	*expires = exp;
	if (strcmp(state, "bound") == 0)
		*st = LEASE_BOUND;
	else if (strcmp(state, "declined") == 0)
		*st = LEASE_DECLINED;
	else
		return false;
	return true;
}

int lease_table_parse(struct lease_table *t, const char *text, size_t len)
{
	int loaded = 0;
	size_t off = 0;
	while (off < len) {
		char line[128];
		size_t n = 0;
		while (off < len && text[off] != '\n') {
			if (n + 1 < sizeof(line))
				line[n++] = text[off];
			off++;
		}
		off++;
		line[n] = '\0';
		uint8_t mac[6];
		uint32_t ip;
		enum lease_state st;
		int64_t exp;
		if (line[0] == '#' || !parse_line(line, mac, &ip, &st, &exp))
			continue;
		struct lease *l = slot_of(t, ip);
		if (!l)
			continue;
		slot_take(l, mac, st, exp);
		loaded++;
	}
	return loaded;
}
