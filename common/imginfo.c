/* imginfo.c: see imginfo.h. A small JSON reader (RFC 8259) that walks the whole text with a
 * bounded cursor and a sticky error, keeping the few fields the CLI needs. */
#include "common/imginfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct json_cur {
	const char *p, *end;
	bool err;
	struct imginfo *out;
	bool have_size, have_format;
};

static void json_ws(struct json_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool json_take(struct json_cur *c, char ch)
{
	json_ws(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A string: its raw bytes (escapes kept as written) into buf when buf is not NULL. */
static void json_string(struct json_cur *c, char *buf, size_t cap)
{
	size_t n = 0;

	if (!json_take(c, '"')) {
		c->err = true;
		return;
	}
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->p + 1 < c->end) {
			if (buf && n + 1 < cap)
				buf[n++] = *c->p;
			c->p++;
		} else if ((unsigned char)*c->p < 0x20) {
			c->err = true;
			return;
		}
		if (buf && n + 1 < cap)
			buf[n++] = *c->p;
		c->p++;
	}
	if (c->p >= c->end) {
		c->err = true;
		return;
	}
	c->p++;
	if (buf && cap)
		buf[n] = '\0';
}

static bool json_literal(struct json_cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
		c->p += n;
		return true;
	}
	return false;
}

/* A number; *value gets it when it is a whole number that fits (else *whole is false). */
static void json_number(struct json_cur *c, uint64_t *value, bool *whole)
{
	const char *start = c->p;
	uint64_t v = 0;

	*whole = true;
	if (c->p < c->end && *c->p == '-') {
		*whole = false;
		c->p++;
	}
	while (c->p < c->end && strchr("0123456789.eE+-", *c->p)) {
		if (*c->p < '0' || *c->p > '9' || v > (UINT64_MAX - 9) / 10)
			*whole = false;
		else
			v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	if (c->p == start)
		c->err = true;
	*value = v;
}

static void json_value(struct json_cur *c, int depth, const char *key);

static void json_object(struct json_cur *c, int depth)
{
	char key[32];

	if (json_take(c, '}'))
		return;
	do {
		json_ws(c);
		json_string(c, key, sizeof(key));
		if (c->err || !json_take(c, ':')) {
			c->err = true;
			return;
		}
		json_value(c, depth, key);
	} while (!c->err && json_take(c, ','));
	if (!c->err && !json_take(c, '}'))
		c->err = true;
}

static void json_array(struct json_cur *c, int depth)
{
	if (json_take(c, ']'))
		return;
	do
		json_value(c, depth, "");
	while (!c->err && json_take(c, ','));
	if (!c->err && !json_take(c, ']'))
		c->err = true;
}

/* A value at depth (1 = a member of the top-level object), named key in its object. */
static void json_value(struct json_cur *c, int depth, const char *key)
{
	struct imginfo *o = c->out;
	bool top = depth == 1, whole;
	uint64_t v;

	json_ws(c);
	if (c->err || c->p >= c->end || depth > IMGINFO_MAX_DEPTH) {
		c->err = true;
		return;
	}
	if (*c->p == '{') {
		c->p++;
		json_object(c, depth + 1);
	} else if (*c->p == '[') {
		c->p++;
		json_array(c, depth + 1);
	} else if (*c->p == '"') {
		bool fmt = top && strcmp(key, "format") == 0;
		json_string(c, fmt ? o->format : NULL, sizeof(o->format));
		c->have_format |= fmt && !c->err;
		o->has_backing |= top && strcmp(key, "backing-filename") == 0;
	} else if (json_literal(c, "true")) {
		o->corrupt |= strcmp(key, "corrupt") == 0;
	} else if (json_literal(c, "false") || json_literal(c, "null")) {
		return;
	} else {
		json_number(c, &v, &whole);
		if (top && strcmp(key, "virtual-size") == 0 && whole && !c->err) {
			o->virtual_size = v;
			c->have_size = true;
		}
	}
}

int imginfo_parse(const char *json, size_t len, struct imginfo *out)
{
	struct json_cur c = {.p = json, .end = json + len, .out = out};

	memset(out, 0, sizeof(*out));
	if (!json_take(&c, '{'))
		return -EBADMSG;
	json_object(&c, 1);
	json_ws(&c);
	if (c.err || c.p != c.end || !c.have_size || !c.have_format) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}

int imginfo_progress_parse(const char *text, size_t len, double *percent)
{
	int found = -ENOENT;

	for (size_t i = 0; i < len; i++) {
		char num[16];
		size_t n = 0;
		if (text[i] != '(')
			continue;
		for (size_t j = i + 1; j < len && n + 1 < sizeof(num) &&
				       ((text[j] >= '0' && text[j] <= '9') || text[j] == '.');
		     j++)
			num[n++] = text[j];
		num[n] = '\0';
		if (n == 0 || len - (i + 1 + n) < 6 || memcmp(text + i + 1 + n, "/100%)", 6) != 0)
			continue;
		double p = strtod(num, NULL);
		if (p >= 0 && p <= 100) {
			*percent = p;
			found = 0;
		}
	}
	return found;
}

const char *imginfo_format_of_name(const char *path)
{
	static const char *const ext[][2] = {{".qcow2", "qcow2"}, {".vmdk", "vmdk"},
					     {".vhdx", "vhdx"},	  {".vdi", "vdi"},
					     {".raw", "raw"},	  {".img", "raw"}};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i][0]);
		if (n > e && strcasecmp(path + n - e, ext[i][0]) == 0 && path[n - e - 1] != '/')
			return ext[i][1];
	}
	return NULL;
}

bool imginfo_format_supported(const char *format)
{
	static const char *const ok[] = {"raw", "qcow2", "vmdk", "vhdx", "vdi"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(format, ok[i]) == 0)
			return true;
	return false;
}
