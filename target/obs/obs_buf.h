/* obs_buf.h: a growable text buffer for the answers of the control socket and the metrics
 * listener. An allocation failure is sticky (oom): the caller checks once at the end. Pure. */
#ifndef RINGSAN_OBS_BUF_H
#define RINGSAN_OBS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct obs_buf {
	char *p; /* NUL-terminated while not oom */
	size_t len, cap;
	bool oom;
};

void obs_buf_init(struct obs_buf *b);
void obs_buf_fini(struct obs_buf *b);
void obs_buf_printf(struct obs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void obs_buf_add(struct obs_buf *b, const char *s, size_t len);
/* s as a JSON string with its quotes (RFC 8259 7): ", \ and control bytes escaped, \u00XX for
 * those without a short form; other bytes as they are. */
void obs_buf_json_string(struct obs_buf *b, const char *s);

#endif
