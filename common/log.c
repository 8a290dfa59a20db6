/* log.c: see log.h. One write(2) per line so lines from worker threads never interleave. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static enum log_level log_max = LOG_INFO;

void log_set_level(enum log_level max)
{
	log_max = max;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"", "", "", "error: ", "warning: ", "", "", "debug: "};
	char line[1024];
	int n;
	va_list ap;

	if (level > log_max)
		return;
	if (isatty(STDERR_FILENO))
		n = snprintf(line, sizeof(line), "%s", names[level]);
	else
		n = snprintf(line, sizeof(line), "<%d>", (int)level);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
