/* clock.h: the one monotonic clock of both daemons and the CLI (CLOCK_MONOTONIC: never jumps
 * with the wall clock). Timeouts, deadlines, rates and progress read it; the pure cores take
 * `now` as a parameter instead. */
#ifndef RINGSAN_COMMON_CLOCK_H
#define RINGSAN_COMMON_CLOCK_H

#include <stdint.h>

/* Nanoseconds since an arbitrary start (boot). */
uint64_t clock_mono_ns(void);
/* Milliseconds since the same start. */
uint64_t clock_mono_ms(void);

#endif
