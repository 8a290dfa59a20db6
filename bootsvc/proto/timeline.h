/* timeline.h: what each machine did during its last network boot, joined from both daemons:
 * the boot service's own steps (DHCP answers, iPXE fetched over TFTP, menu and disk scripts,
 * install media) and the target's events (iPXE's login, the OS's own login from the iBFT,
 * failed logins, logouts, lost connections), with the likely cause where a boot stopped, in the
 * user's words. Pure: events and `now` in, text out; bounded (TL_MAX_STEPS per boot, the
 * machine count given at init, TL_MAX_FAILURES recent failures), nothing on disk.
 *
 * Joining: a machine is its MAC. The boot service knows it from DHCP and from `?mac=` of the
 * menu requests, and learns the machine's address from DHCP (full mode), from those requests
 * and from the target's events; requests without a MAC (the disk scripts, TFTP) and target
 * events whose initiator name does not carry a MAC are joined by address. The menus set the
 * initiator name to INITIATOR_BASE:MAC (52-54-00-12-34-56) unless a [client] sets one: the
 * caller resolves both (timeline_mac_from_initiator) before recording. A target event that matches
 * no machine is kept under its initiator name.
 *
 * Boots: a step that starts a boot (DHCP, iPXE over TFTP, menu, disk script) coming after a
 * later step of the current boot (say a DHCP answer after a login) starts a new one; only the
 * last boot is kept. The first successful login of a boot is iPXE's (sanboot, sanhook); the
 * next ones are the OS's (or the installer's) own, from the iBFT. */
#ifndef RINGSAN_BOOTSVC_TIMELINE_H
#define RINGSAN_BOOTSVC_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootsvc/proto/menu.h"
#include "bootsvc/proto/tgtevent.h"

#define TL_MAX_STEPS	24
#define TL_MAX_FAILURES 32
#define TL_ID_MAX	TGTEV_INITIATOR_MAX
#define TL_DETAIL_MAX	128
#define TL_NAME_MAX	64
#define TL_DEFAULT_CAP	256    /* machines remembered; the least recently seen gives way */
#define TL_STALL_MS	60000  /* no next step for this long: the boot stopped there */
#define TL_OS_WAIT_MS	180000 /* iPXE logged in, the OS has this long for its own login */
#define TL_NEW_BOOT_GAP 600000 /* a starting step after this long silence is a new boot */

enum tl_kind {
	TL_DHCP_PXE,	 /* the firmware's PXE DHCP answered (detail: arch, boot file) */
	TL_FIRMWARE,	 /* an iPXE binary fetched (TFTP, or HTTP /ipxe/) */
	TL_DHCP_IPXE,	 /* iPXE's own DHCP answered with the script URL */
	TL_MENU,	 /* boot.ipxe / menu.ipxe fetched */
	TL_DISK,	 /* lun-NAME.ipxe or fleet-NAME.ipxe fetched: the disk chosen (lun) */
	TL_INSTALL,	 /* install media fetched: the choice was install (detail: the file) */
	TL_LOGIN_FAILED, /* a login refused by the target (detail: why) */
	TL_LOGIN_IPXE,	 /* the first login of the boot: iPXE's sanboot/sanhook */
	TL_LOGIN_OS,	 /* a later login: the OS or installer, from the iBFT */
	TL_LOGOUT,
	TL_CONN_LOST,
	TL_KIND_COUNT
};

/* One thing that happened. Strings are copied; NULL = unknown. */
struct tl_event {
	int64_t unix_ms;
	enum tl_kind kind; /* TL_LOGIN_IPXE stands for "a login": the timeline decides which */
	const uint8_t *mac;
	uint32_t ip; /* host order, 0 = unknown */
	const char *initiator, *lun, *detail, *name;
	int arch; /* DHCP client architecture (RFC 4578), -1 unknown */
};

struct tl_step {
	int64_t unix_ms;
	enum tl_kind kind;
	char lun[TGTEV_LUN_MAX];
	char detail[TL_DETAIL_MAX];
};

struct tl_machine {
	char id[TL_ID_MAX]; /* "52:54:00:12:34:56", or an initiator name with no MAC known */
	bool has_mac;
	char name[TL_NAME_MAX];
	char initiator[TL_ID_MAX];
	uint32_t ip;
	int arch;
	int64_t seen_ms, boot_ms; /* last step; first step of the last boot */
	unsigned boots, dropped;  /* boots seen; steps of the last boot not kept */
	struct tl_step steps[TL_MAX_STEPS];
	unsigned n_steps;
};

struct tl_failure {
	int64_t unix_ms;
	char id[TL_ID_MAX];
	char what[TL_DETAIL_MAX + TGTEV_LUN_MAX + 32];
};

struct timeline {
	struct tl_machine *m;
	unsigned n, cap;
	struct tl_failure failures[TL_MAX_FAILURES];
	unsigned fail_next, fail_count;
	uint64_t recorded, unmatched; /* steps recorded; target events from before a kept boot */
};

enum tl_state { TL_STATE_BOOTING, TL_STATE_UP, TL_STATE_STOPPED, TL_STATE_FAILED, TL_STATE_DOWN };

/* cap machines (0: TL_DEFAULT_CAP). 0 or -ENOMEM. */
int timeline_init(struct timeline *tl, unsigned cap);
void timeline_fini(struct timeline *tl);

void timeline_record(struct timeline *tl, const struct tl_event *ev);
/* A target event; mac: what the caller resolved from the initiator name, or NULL. */
void timeline_record_target(struct timeline *tl, const struct tgtev *ev, const uint8_t *mac,
			    const char *name);

/* base:52-54-00-12-34-56 (any case) -> mac. False when iqn is not of that form. */
bool timeline_mac_from_initiator(const char *base, const char *iqn, uint8_t mac[6]);

/* The machine's state and the likely cause, in the user's words (hint may be ""). */
enum tl_state timeline_diagnose(const struct tl_machine *m, int64_t now_ms, char *hint, size_t cap);
const char *timeline_state_name(enum tl_state s);
const char *timeline_kind_name(enum tl_kind k);

/* `ringsan-boot machines` as text (a table, then each machine's steps and hint) or JSON. Both
 * append to out; 0 or -ENOMEM. */
int timeline_render_text(const struct timeline *tl, int64_t now_ms, struct menu_buf *out);
int timeline_render_json(const struct timeline *tl, int64_t now_ms, struct menu_buf *out);

/* Small shared writers (also used by the metrics and the admin pages). */
void timeline_printf(struct menu_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void timeline_json_string(struct menu_buf *b, const char *s);
/* "2026-12-06 07:30:01" (UTC) from Unix milliseconds. out holds 20 bytes. */
void timeline_format_utc(int64_t unix_ms, char out[static 20]);

#endif
