/* netconn.h: a TCP connection of a worker: receives into the framer, hands whole PDUs to the
 * protocol engine (struct iscsi_conn), sends its tx queue with vectored sendmsg, and closes once
 * the engine is done and no I/O is in flight. */
#ifndef RINGSAN_DAEMON_NETCONN_H
#define RINGSAN_DAEMON_NETCONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/loop.h"
#include "target/iscsi/conn.h"
#include "target/daemon/luns.h"
#include "target/iscsi/framer.h"

#define NETCONN_RX_BUF	     (256 * 1024)
#define NETCONN_RX_BUF_LOGIN (16 * 1024) /* until the login completes */
#define NETCONN_IOV	     96		 /* three iovecs per PDU: header, data, padding + digest */
/* A data segment with at least this much still to come is received straight into the framer's
 * buffer (one copy fewer for large writes); smaller ones go through rx with what follows them.
 * After such a segment the next header is received alone, so that its data, if large again,
 * comes straight into the framer too. */
#define NETCONN_RX_DIRECT (32 * 1024)

struct worker;

/* A login waiting for its LUN's storage to connect (luns_open.h). Owned by the worker: it
 * outlives its connection when that closes while the answer is on its way (nc is then NULL),
 * and is freed on the worker's thread once the answer came (w->nparks counts them). */
struct netconn_park {
	struct luns_wait wait;
	struct netconn *nc;
	struct worker *w;
	struct netconn_park *next; /* the worker's list of answers to handle */
	bool answered;
};

/* The socket's side of a connection's life, forward only (the engine's side is enum conn_phase;
 * the netconn is freed once the socket is SHUT, no op is in flight and the engine is CLOSED). */
enum netconn_sock {
	NETCONN_OPEN,	   /* receiving and sending */
	NETCONN_PEER_GONE, /* the peer closed or a send/recv failed: nothing more is sent */
	NETCONN_SHUT, /* shutdown(2) done (or the descriptor closed): ops drain, nothing sent */
};

struct netconn {
	struct netconn *next;	    /* worker's list */
	struct netconn *dirty_next; /* worker's flush list */
	bool dirty;
	struct worker *w;
	int fd;
	char peer[80];
	char peer_ip[46]; /* peer without the port, for events */
	char local_host[46];
	bool local_v6;

	struct iscsi_conn *conn;
	struct framer fr;
	bool ffp_framing; /* digests and caps of the full feature phase are on */
	uint8_t *rx;
	size_t rx_cap; /* NETCONN_RX_BUF_LOGIN, then NETCONN_RX_BUF in full feature phase */
	struct loop_op rx_op;
	bool rx_busy;
	bool rx_direct;		/* the pending recv writes into the framer's buffer, not rx */
	bool rx_big_seen;	/* the last data segment was received straight into the framer */
	enum netconn_sock sock; /* changed only by sock_set() */

	struct loop_op tx_op;
	bool tx_busy;
	struct conn_tx *batch[NETCONN_IOV / 3];
	unsigned nbatch;
	size_t batch_sent; /* bytes of the batch already on the wire */
	struct iovec iov[NETCONN_IOV];
	struct msghdr msg;

	bool kill_requested;  /* under w->kill_lock */
	bool abort_requested; /* under w->kill_lock: PREEMPT AND ABORT from another session */
	bool ping_requested;  /* under w->kill_lock: ping the initiator now (fleet boot) */
	const char *kill_why;

	/* Admission control (admit.h) */
	uint64_t since_ms;	   /* accepted at */
	uint64_t addr;		   /* source address key */
	bool prelogin;		   /* counted in the worker's pre-login budget */
	bool auth_checked;	   /* the CHAP failure delay was looked up for this login */
	bool auth_noted;	   /* its outcome was given to the delay table */
	bool auth_fail_pending;	   /* a CHAP failure, recorded when its held answer goes out */
	uint64_t tx_hold_until_ms; /* a delayed login: nothing is sent before this */

	struct netconn_park *park; /* the login waits for its LUN's storage */

	/* Observability (server_obs.c) */
	struct sess_entry *sess; /* the session's registry entry, once logged in */
	bool logout_seen;	 /* a Logout request came: its end is a logout, not a loss */
	bool fail_noted;	 /* a failed login was counted and told */
};

/* Takes over fd (accepted socket). NULL on failure (fd closed). */
struct netconn *netconn_new(struct worker *w, int fd, uint64_t now_ms);
/* After anything happened to nc: send what is queued, close when done. May free nc. */
void netconn_poke(struct netconn *nc);
/* Timers (NOP-In) and kill requests. May free nc. */
void netconn_tick(struct netconn *nc, uint64_t now_ms);
void netconn_kill(struct netconn *nc, const char *why);
/* Admission control drops a login in progress (counted, not logged one by one). May free nc. */
void netconn_drop(struct netconn *nc, const char *why);

/* On the worker's thread, for each park whose answer the worker took off its list: the login
 * goes on (or the answer is let go when its connection is gone). May free the connection. */
void netconn_park_answered(struct netconn_park *p);

uint64_t netconn_now_ms(void);

#endif
