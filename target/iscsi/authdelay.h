/* authdelay.h: failed CHAP logins slow down the next attempts, per initiator name and per source
 * address, so a secret cannot be guessed at line rate.
 *
 * Each key (a name or an address) that has failed carries a growing delay: base, 2 x base, 4 x
 * base ... up to max, forgotten after forget_ms without a failure, and cleared by a successful
 * login. A new login from a delayed key reserves the next free slot of that key (slots are one
 * delay apart), so attempts made in parallel queue up one behind another instead of all going at
 * once: with the defaults, at most one guess per 8 s per name and per address.
 *
 * Pure: a fixed table owned by the caller (who locks it when threads share it); `now` is a
 * parameter. When the table is full, the entry whose last failure is the oldest is reused. */
#ifndef RINGSAN_ISCSI_AUTHDELAY_H
#define RINGSAN_ISCSI_AUTHDELAY_H

#include <stddef.h>
#include <stdint.h>

#define AUTHDELAY_SLOTS	    512
#define AUTHDELAY_BASE_MS   1000
#define AUTHDELAY_MAX_MS    8000
#define AUTHDELAY_FORGET_MS (15 * 60 * 1000)

struct authdelay_entry {
	uint64_t key; /* 0: free */
	uint32_t failures;
	uint64_t last_fail_ms;
	uint64_t next_free_ms; /* the earliest time the next attempt of this key may go on */
};

struct authdelay {
	uint32_t base_ms, max_ms, forget_ms;
	struct authdelay_entry e[AUTHDELAY_SLOTS];
};

void authdelay_init(struct authdelay *d, uint32_t base_ms, uint32_t max_ms, uint32_t forget_ms);

/* Keys: never 0, and a name never equals an address. */
uint64_t authdelay_key_name(const char *name);
uint64_t authdelay_key_addr(uint64_t addr_key); /* from admit_addr_key() */

/* The delay that `failures` failures impose on the next attempt (0 for none). */
uint32_t authdelay_delay_ms(const struct authdelay *d, uint32_t failures);

/* A login attempt of keys[0..n) at now: the time it may go on (now when no key is delayed). The
 * delayed keys' next slot moves one delay further, so a parallel attempt waits behind this one. */
uint64_t authdelay_reserve(struct authdelay *d, const uint64_t *keys, size_t n, uint64_t now_ms);
/* An authentication failure of keys[0..n): returns the delay the next attempt will wait (the
 * largest over the keys), for the log line. */
uint32_t authdelay_fail(struct authdelay *d, const uint64_t *keys, size_t n, uint64_t now_ms);
/* A successful login: the keys are forgiven. */
void authdelay_success(struct authdelay *d, const uint64_t *keys, size_t n);
/* Failures recorded for key (0 when unknown or forgotten). */
uint32_t authdelay_failures(const struct authdelay *d, uint64_t key, uint64_t now_ms);

#endif
