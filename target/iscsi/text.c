/* text.c: key=value data segments (RFC 7143 6.1). */
#include "target/iscsi/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int text_in_init(struct text_in *t, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->buf = malloc((size_t)cap + 1);
	if (!t->buf)
		return -ENOMEM;
	t->cap = cap;
	return 0;
}

void text_in_fini(struct text_in *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
	t->n_pairs = 0;
}

void text_in_reset(struct text_in *t)
{
	t->len = 0;
	t->n_pairs = 0;
}

int text_in_append(struct text_in *t, const uint8_t *data, uint32_t len)
{
	t->n_pairs = 0;
	if (len > t->cap - t->len)
		return -EMSGSIZE;
	if (len)
		memcpy(t->buf + t->len, data, len);
	t->len += len;
	return 0;
}

/* RFC 7143 6.1: key-name characters, plus '#' for the X#, Y#, Z# extension keys (13.5.4). */
static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_' || c == '#';
}

static int parse_pair(char *s, size_t len, uint32_t max_value_len, struct text_pair *out)
{
	char *eq = memchr(s, '=', len);

	if (!eq || eq == s || (size_t)(eq - s) > TEXT_KEY_MAX)
		return -EBADMSG;
	for (char *k = s; k < eq; k++) {
		if (!key_char_ok(*k))
			return -EBADMSG;
	}
	if (len - (size_t)(eq - s) - 1 > max_value_len)
		return -EBADMSG;
	*eq = '\0';
	out->key = s;
	out->value = eq + 1;
	return 0;
}

int text_in_parse(struct text_in *t, uint32_t max_value_len)
{
	uint32_t off = 0;

	t->n_pairs = 0;
	t->buf[t->len] = '\0'; /* the spare byte: a missing final NUL ends the last pair */
	while (off < t->len) {
		char *s = t->buf + off;
		size_t len = strlen(s); /* stops at the NUL delimiter or the spare byte */
		off += (uint32_t)len + 1;
		if (len == 0)
			continue;
		if (t->n_pairs == TEXT_MAX_PAIRS)
			return -E2BIG;
		int err = parse_pair(s, len, max_value_len, &t->pairs[t->n_pairs]);
		if (err)
			return err;
		t->n_pairs++;
	}
	return 0;
}

const char *text_in_get(const struct text_in *t, const char *key)
{
	for (unsigned i = 0; i < t->n_pairs; i++) {
		if (strcmp(t->pairs[i].key, key) == 0)
			return t->pairs[i].value;
	}
	return NULL;
}

unsigned text_in_count(const struct text_in *t, const char *key)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n_pairs; i++)
		n += strcmp(t->pairs[i].key, key) == 0;
	return n;
}

void text_out_init(struct text_out *o, char *buf, uint32_t cap)
{
	o->buf = buf;
	o->len = 0;
	o->cap = cap;
	o->overflow = false;
}

void text_out_add(struct text_out *o, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	size_t need = klen + 1 + vlen + 1;

	if (o->overflow || need > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	char *p = o->buf + o->len;
	memcpy(p, key, klen);
	p[klen] = '=';
	memcpy(p + klen + 1, value, vlen);
	p[klen + 1 + vlen] = '\0';
	o->len += (uint32_t)need;
}

void text_out_add_u32(struct text_out *o, const char *key, uint32_t value)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", value);
	text_out_add(o, key, num);
}
