/* tftp.h: TFTP codec (RFC 1350) with options (RFC 2347 OACK, RFC 2348 blksize, RFC 2349 timeout
 * and tsize, RFC 7440 windowsize), path sanitising, and the per-transfer state machine of a read
 * request. Pure: the caller owns sockets, files and the clock (milliseconds, any epoch), and
 * performs the step each call returns.
 *
 * Block numbers: internally 64-bit indexes (1 = first DATA); on the wire the low 16 bits, so a file
 * larger than 65535 blocks rolls over to block 0 (the common practice of tftp-hpa, iPXE, EDK2).
 */
#ifndef RINGSAN_BOOTSVC_TFTP_H
#define RINGSAN_BOOTSVC_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TFTP_PORT	     69
#define TFTP_DEFAULT_BLKSIZE 512
#define TFTP_MIN_BLKSIZE     8	   /* RFC 2348 */
#define TFTP_MAX_BLKSIZE     65464 /* RFC 2348 */
#define TFTP_MAX_WINDOWSIZE  65535 /* RFC 7440 */
#define TFTP_MAX_PACKET	     (4 + TFTP_MAX_BLKSIZE)
#define TFTP_REQUEST_MAX     512 /* RRQ/WRQ bigger than this are refused */
#define TFTP_PATH_MAX	     256

enum tftp_opcode {
	TFTP_RRQ = 1,
	TFTP_WRQ = 2,
	TFTP_DATA = 3,
	TFTP_ACK = 4,
	TFTP_ERROR = 5,
	TFTP_OACK = 6, /* RFC 2347 */
};

/* RFC 1350 appendix, RFC 2347 (8). */
enum tftp_error_code {
	TFTP_ERR_UNDEFINED = 0,
	TFTP_ERR_NOT_FOUND = 1,
	TFTP_ERR_ACCESS = 2,
	TFTP_ERR_DISK_FULL = 3,
	TFTP_ERR_ILLEGAL_OP = 4,
	TFTP_ERR_UNKNOWN_TID = 5,
	TFTP_ERR_EXISTS = 6,
	TFTP_ERR_NO_USER = 7,
	TFTP_ERR_OPTION = 8,
};

/* A decoded packet. Options are parsed from RRQ/WRQ and OACK; values out of their RFC range are
 * treated as absent (the server then does not acknowledge them, RFC 2347). */
struct tftp_packet {
	uint16_t opcode;
	char filename[TFTP_PATH_MAX];
	char mode[16]; /* "octet" / "netascii", lower-cased */
	bool has_blksize, has_tsize, has_timeout, has_windowsize;
	uint32_t blksize, timeout, windowsize;
	uint64_t tsize;
	uint16_t block; /* DATA, ACK */
	const uint8_t *data;
	size_t data_len; /* DATA payload, pointing into the raw buffer */
	uint16_t error_code;
	char error_msg[128];
};

/* Returns 0 or -EBADMSG (unknown opcode, missing NUL terminators, over-long request). */
int tftp_decode(struct tftp_packet *p, const uint8_t *raw, size_t len);

/* Encoders return the packet length, or -EMSGSIZE when cap is too small. */
int tftp_encode_rrq(uint8_t *buf, size_t cap, const char *file, const struct tftp_packet *opts);
int tftp_encode_ack(uint8_t *buf, size_t cap, uint16_t block);
int tftp_encode_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
/* DATA header only: the caller reads the payload into buf + 4. Returns 4. */
int tftp_encode_data_header(uint8_t *buf, size_t cap, uint16_t block);

/* Turns a client's file name into a path relative to the TFTP root: backslashes become '/'
 * (Windows PXE clients), leading '/' and "./" components are dropped, a query string ("?...",
 * iPXE TFTP URIs) is dropped, repeated '/' collapse. Returns 0, or -EACCES for a ".." component,
 * control characters or an empty result. The daemon still opens the result with RESOLVE_BENEATH
 * so symlinks cannot leave the root. */
int tftp_sanitize_path(const char *in, char *out, size_t cap);

struct tftp_limits {
	uint32_t max_blksize;	 /* <= TFTP_MAX_BLKSIZE */
	uint32_t max_windowsize; /* <= TFTP_MAX_WINDOWSIZE */
	uint32_t timeout_ms;	 /* initial retransmission timeout without the timeout option */
	uint32_t max_timeout_ms; /* backoff cap */
	unsigned max_retries;	 /* retransmissions of one window before giving up */
	/* RFC 2349 timeout option: a client asking for more than this many seconds has the option
	 * ignored (the RFC lets the server only accept the client's exact value or decline it),
	 * so a never-acking client cannot hold a transfer for 6 x 255 s. 0 = accept 1-255. */
	uint32_t max_client_timeout_s;
	/* A transfer that makes no progress (no new ACK) for this long fails, whatever the
	 * retransmission timer says. 0 = bounded by max_retries alone. */
	uint32_t max_stall_ms;
};

enum tftp_xfer_state { TFTP_XS_OACK, TFTP_XS_DATA, TFTP_XS_DONE, TFTP_XS_FAILED };

enum tftp_action {
	TFTP_DO_NOTHING,
	TFTP_DO_SEND_OACK,  /* encode with tftp_xfer_encode_oack() */
	TFTP_DO_SEND_DATA,  /* blocks [first, first + count) via tftp_xfer_block() */
	TFTP_DO_SEND_ERROR, /* error_code/error_msg, then the transfer is over */
	TFTP_DO_FINISH,	    /* the transfer is over: close (done or failed, see state) */
};

struct tftp_step {
	enum tftp_action action;
	uint64_t first, count;
	uint16_t error_code;
	const char *error_msg;
};

struct tftp_xfer {
	enum tftp_xfer_state state;
	uint64_t size;		      /* file size in bytes */
	uint32_t blksize, windowsize; /* negotiated */
	uint32_t rto_ms, base_rto_ms; /* current and initial retransmission timeout */
	uint32_t max_rto_ms;
	unsigned retries, max_retries;
	uint64_t acked, sent, last; /* block indexes: highest acked, highest sent, final */
	int64_t deadline_ms;	    /* when tftp_xfer_on_timeout() has work to do */
	int64_t progress_ms;	    /* the start or the last new ACK */
	uint32_t max_stall_ms;
	bool ack_blksize, ack_tsize, ack_timeout, ack_windowsize; /* options to put in the OACK */
	uint32_t timeout_s;
	uint64_t retransmits; /* statistics */
};

/* Starts a read transfer of a file of file_size bytes for rrq (RFC 1350 RRQ, RFC 2347 options).
 * Step: SEND_OACK when an option was accepted, else SEND_DATA of the first window. */
void tftp_xfer_start(struct tftp_xfer *x, const struct tftp_packet *rrq, uint64_t file_size,
		     const struct tftp_limits *lim, int64_t now_ms, struct tftp_step *step);
/* A packet from the transfer's peer. Duplicate and old ACKs never cause a retransmission
 * (RFC 1123 4.2.3.1, Sorcerer's Apprentice); an ERROR 8 answering our OACK is a normal end
 * (OVMF asks with tsize, then aborts after the OACK to learn the size). */
void tftp_xfer_on_packet(struct tftp_xfer *x, const struct tftp_packet *p, int64_t now_ms,
			 struct tftp_step *step);
/* Call when now_ms >= x->deadline_ms: retransmits the outstanding window with exponential
 * backoff, or gives up after max_retries or max_stall_ms without progress (FINISH with state
 * FAILED). */
void tftp_xfer_on_timeout(struct tftp_xfer *x, int64_t now_ms, struct tftp_step *step);
/* Byte range and wire block number of block index idx (1-based). */
void tftp_xfer_block(const struct tftp_xfer *x, uint64_t idx, uint64_t *offset, size_t *len,
		     uint16_t *wire_block);
int tftp_xfer_encode_oack(const struct tftp_xfer *x, uint8_t *buf, size_t cap);

#endif
