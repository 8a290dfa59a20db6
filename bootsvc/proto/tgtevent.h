/* tgtevent.h: the boot service's reader of the target's control socket answer to `events SEQ`
 * (the contract both daemons share): a first line `next N`, then one event per line, fields
 * separated by one TAB:
 *
 *   SEQ \t UNIX_MS \t KIND \t INITIATOR \t ADDRESS \t LUN \t DETAIL
 *
 * KIND is login, login_failed, logout, conn_lost or discovery; an unknown field is "-" (parsed
 * as ""). The target never writes a TAB, newline or control byte inside a field (it writes \xNN
 * instead); a line that breaks the grammar is refused whole, so one bad line never becomes a
 * half-filled event. Pure: bytes in, structs out. */
#ifndef RINGSAN_BOOTSVC_TGTEVENT_H
#define RINGSAN_BOOTSVC_TGTEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TGTEV_LINE_MAX	    2048 /* a longer line is refused */
#define TGTEV_INITIATOR_MAX 224	 /* RFC 7143 6.1: iSCSI names are at most 223 bytes */
#define TGTEV_ADDRESS_MAX   64	 /* an IPv4 or IPv6 address as text */
#define TGTEV_LUN_MAX	    65	 /* LUN names are 1 to 64 bytes */
#define TGTEV_DETAIL_MAX    160	 /* longer details are cut */

enum tgtev_kind {
	TGTEV_LOGIN,
	TGTEV_LOGIN_FAILED,
	TGTEV_LOGOUT,
	TGTEV_CONN_LOST,
	TGTEV_DISCOVERY,
};

struct tgtev {
	uint64_t seq;
	int64_t unix_ms;
	enum tgtev_kind kind;
	char initiator[TGTEV_INITIATOR_MAX]; /* "" when the target wrote "-" */
	char address[TGTEV_ADDRESS_MAX];
	char lun[TGTEV_LUN_MAX];
	char detail[TGTEV_DETAIL_MAX];
};

/* Parses one event line (without its "\n"). 0, or -EBADMSG for anything that is not exactly
 * seven fields of the right form (numbers in range, a known kind, no control bytes, fields in
 * their caps; only DETAIL is cut to fit). */
int tgtevent_parse_line(struct tgtev *ev, const char *line, size_t len);

/* Parses the first line, "next N". 0 or -EBADMSG. */
int tgtevent_parse_next(const char *line, size_t len, uint64_t *next);

/* Walks a whole answer: the `next` line into *next, then calls on_event for each good event
 * line in order. A bad line is counted in *bad and skipped; a last line without "\n" (a cut
 * answer) is counted as bad too. Returns 0, or -EBADMSG when the first line is not `next N`
 * (an `error: ...` answer, or not the target at all); then no event is delivered. */
int tgtevent_parse_answer(const char *buf, size_t len, uint64_t *next, unsigned *bad,
			  void (*on_event)(void *ctx, const struct tgtev *ev), void *ctx);

const char *tgtevent_kind_name(enum tgtev_kind kind);

#endif
