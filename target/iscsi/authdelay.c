/* authdelay.c: see authdelay.h. */
#include "target/iscsi/authdelay.h"

#include <string.h>

void authdelay_init(struct authdelay *d, uint32_t base_ms, uint32_t max_ms, uint32_t forget_ms)
{
	memset(d, 0, sizeof(*d));
	d->base_ms = base_ms;
	d->max_ms = max_ms < base_ms ? base_ms : max_ms;
	d->forget_ms = forget_ms;
}

uint64_t authdelay_key_name(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bit */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	return (h << 1) | 1; /* odd: a name */
}

uint64_t authdelay_key_addr(uint64_t addr_key)
{
	uint64_t k = addr_key * 0x9e3779b97f4a7c15ull;
	return (k << 1) ? k << 1 : 2; /* even and nonzero: an address */
}

uint32_t authdelay_delay_ms(const struct authdelay *d, uint32_t failures)
{
	if (!failures)
		return 0;
	uint64_t delay = d->base_ms;
	for (uint32_t i = 1; i < failures && delay < d->max_ms; i++)
		delay *= 2;
	return delay > d->max_ms ? d->max_ms : (uint32_t)delay;
}

static struct authdelay_entry *find(const struct authdelay *d, uint64_t key, uint64_t now_ms)
{
	for (size_t i = 0; i < AUTHDELAY_SLOTS; i++) {
		const struct authdelay_entry *e = &d->e[i];
		if (e->key == key && now_ms - e->last_fail_ms < d->forget_ms)
			return (struct authdelay_entry *)e;
	}
	return NULL;
}

/* The entry for key, made when missing: a free or forgotten one, else the stalest. */
static struct authdelay_entry *get(struct authdelay *d, uint64_t key, uint64_t now_ms)
{
	struct authdelay_entry *e = find(d, key, now_ms), *stale = &d->e[0];
	if (e)
		return e;
	for (size_t i = 0; i < AUTHDELAY_SLOTS; i++) {
		e = &d->e[i];
		if (!e->key || now_ms - e->last_fail_ms >= d->forget_ms || e->key == key) {
			stale = e;
			break;
		}
		if (e->last_fail_ms < stale->last_fail_ms)
			stale = e;
	}
	memset(stale, 0, sizeof(*stale));
	stale->key = key;
	return stale;
}

uint64_t authdelay_reserve(struct authdelay *d, const uint64_t *keys, size_t n, uint64_t now_ms)
{
	uint64_t go = now_ms;
	for (size_t i = 0; i < n; i++) {
		struct authdelay_entry *e = find(d, keys[i], now_ms);
		if (e && e->next_free_ms > go)
			go = e->next_free_ms;
	}
	for (size_t i = 0; i < n; i++) {
		struct authdelay_entry *e = find(d, keys[i], now_ms);
		if (e)
			e->next_free_ms = go + authdelay_delay_ms(d, e->failures);
	}
	return go;
}

uint32_t authdelay_fail(struct authdelay *d, const uint64_t *keys, size_t n, uint64_t now_ms)
{
	uint32_t most = 0;
	for (size_t i = 0; i < n; i++) {
		struct authdelay_entry *e = get(d, keys[i], now_ms);
		if (e->failures < UINT32_MAX)
			e->failures++;
		e->last_fail_ms = now_ms;
		uint32_t delay = authdelay_delay_ms(d, e->failures);
		if (e->next_free_ms < now_ms + delay)
			e->next_free_ms = now_ms + delay;
		if (delay > most)
			most = delay;
	}
	return most;
}

void authdelay_success(struct authdelay *d, const uint64_t *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < AUTHDELAY_SLOTS; j++)
			if (d->e[j].key == keys[i])
				memset(&d->e[j], 0, sizeof(d->e[j]));
}

uint32_t authdelay_failures(const struct authdelay *d, uint64_t key, uint64_t now_ms)
{
	const struct authdelay_entry *e = find(d, key, now_ms);
	return e ? e->failures : 0;
}
