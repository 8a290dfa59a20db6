/* admit.h: admission control for new TCP connections, the policy alone.
 *
 * Two budgets: logged-in sessions (max_sessions, checked at login, never dropped for a newcomer)
 * and connections that have not completed a login yet (this module). A login must finish within
 * a deadline as a whole, however the bytes trickle in. When the pre-login budget is full, or one
 * source address already holds its share of it, the newcomer is admitted and an older pre-login
 * connection is dropped instead (as sshd's MaxStartups does): the oldest one of the address that
 * holds the most, so a flood from a few addresses evicts itself and a good client, which needs
 * one connection for a few milliseconds, gets in. (The login deadline itself is the login's
 * own timer: conn_tick.)
 *
 * Pure: the caller describes its pre-login connections (since when, from which address) and gets
 * a verdict back; `now` is a parameter. No clocks, no sockets, no allocation. */
#ifndef RINGSAN_ISCSI_ADMIT_H
#define RINGSAN_ISCSI_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct admit_limits {
	uint32_t max_logins;	      /* pre-login connections held at once (>= 1) */
	uint32_t max_logins_per_addr; /* of those, from one source address (>= 1) */
};

/* One connection that has not completed its login, as the policy sees it. */
struct admit_conn {
	uint64_t since_ms; /* when it was accepted */
	uint64_t addr;	   /* its source address, as a key (admit_addr_key) */
	void *owner;	   /* the caller's handle, returned as the victim */
};

enum admit_verdict {
	ADMIT_ACCEPT,	    /* room in the budget */
	ADMIT_ACCEPT_EVICT, /* admit it, and drop conns[victim] first */
};

enum admit_reason {
	ADMIT_ROOM,	     /* no eviction */
	ADMIT_BUDGET_FULL,   /* max_logins reached */
	ADMIT_ADDRESS_SHARE, /* the newcomer's address holds max_logins_per_addr */
};

struct admit_decision {
	enum admit_verdict verdict;
	enum admit_reason reason;
	void *victim; /* the owner of the connection to drop (ADMIT_ACCEPT_EVICT) */
};

/* A key for a source address: the IPv4 address, or the /64 prefix of an IPv6 address (a host
 * usually holds a whole /64); an IPv4-mapped IPv6 address gives the IPv4 key. */
uint64_t admit_addr_key(const uint8_t *addr, size_t len);

/* A new connection from addr while conns[0..n) are pre-login. Reorders conns (sorts them by
 * address, then age): O(n log n). Ties between equally loaded addresses go to the oldest. */
void admit_decide(const struct admit_limits *lim, struct admit_conn *conns, size_t n, uint64_t addr,
		  struct admit_decision *out);

const char *admit_reason_name(enum admit_reason r);

#endif
