/* log.c: see log.h. One write(2) per line so lines from worker threads never interleave. The
 * formatted message is escaped (logesc.h) as a whole, so no argument, whoever supplied it, can end
 * the line or start another one with a priority prefix of its own. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "common/logesc.h"

static enum log_level log_max = LOG_INFO;

void log_set_level(enum log_level max)
{
	log_max = max;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"", "", "", "error: ", "warning: ", "", "", "debug: "};
	char msg[1024], line[1024];
	int n, m;
	va_list ap;

	if (level > log_max)
		return;
	if (isatty(STDERR_FILENO))
		n = snprintf(line, sizeof(line), "%s", names[level]);
	else
		n = snprintf(line, sizeof(line), "<%d>", (int)level);
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if (m > (int)sizeof(msg) - 1)
		m = (int)sizeof(msg) - 1;
	n += (int)logesc_copy(line + n, sizeof(line) - (size_t)n - 1, msg, (size_t)m);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
