/* config.c: reads the INI text with inih into struct config, driven by the key table.
 *
 * inih splits "key = value" lines and calls config_on_key(). Debian's inih has no callback for
 * a new section, so our line reader (config_read_line) hands inih one line at a time, counts
 * lines for the messages and handles "[section]" lines itself: that is how empty and duplicate
 * sections are seen. It mirrors inih's rules: after stripping, an empty line or one starting
 * with '#' or ';' is a comment; an indented line after a key continues that key. */
#include "common/config_impl.h"
#include "common/mac.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct config_parse {
	struct config *cfg;
	const char *text;
	size_t len, pos;
	const char *filename;
	unsigned lineno;    /* of the line last handed to inih */
	bool line_indented; /* that line started with white space */
	bool in_section;
	enum config_section_kind kind;
	void *base;	/* the current section's struct */
	char label[96]; /* "[lun win11]" */
	bool had_key;	/* a key was read in this section (inih's prev_name) */
	const struct config_key *last_key;
	unsigned key_line[64]; /* line of each key of the current section */
	char *err;
	size_t errlen;
	int ret;
};

__attribute__((format(printf, 3, 4))) static int config_fail(struct config_parse *p, int ret,
							     const char *fmt, ...)
{
	char what[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->filename, p->lineno, what);
	p->ret = ret;
	return ret;
}

/* Appends a zeroed element to a section array; returns it or NULL (p->ret set). */
static void *config_grow(struct config_parse *p, void **array, unsigned *count, unsigned *cap,
			 size_t size, unsigned max, const char *what)
{
	char limit[32];

	if (*count >= max) {
		snprintf(limit, sizeof(limit), "%u", max);
		config_fail(p, -EINVAL, "too many [%s] sections (at most %s)", what, limit);
		return NULL;
	}
	if (*count == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 8;
		void *n = realloc(*array, (size_t)ncap * size);
		if (!n) {
			config_fail(p, -ENOMEM, "out of memory");
			return NULL;
		}
		*array = n;
		*cap = ncap;
	}
	void *elem = (char *)*array + (size_t)(*count)++ * size;
	memset(elem, 0, size);
	return elem;
}

/* A fleet's name follows the LUN name rules: it becomes part of its overlays' names. */
static int config_begin_fleet(struct config_parse *p, const char *arg)
{
	struct config *cfg = p->cfg;
	const struct config_fleet *dup = config_find_fleet(cfg, arg);
	struct config_fleet *fl;
	char why[256];

	if (name_check_lun(arg, why, sizeof(why)) != 0)
		return config_fail(p, -EINVAL, "%s: %s", p->label, why);
	if (dup) {
		snprintf(why, sizeof(why), "%u", dup->line);
		return config_fail(p, -EINVAL, "duplicate section [fleet %s] (first at line %s)",
				   arg, why);
	}
	fl = config_grow(p, (void **)&cfg->fleets, &cfg->fleet_count, &cfg->fleet_cap, sizeof(*fl),
			 CONFIG_MAX_FLEETS, "fleet");
	if (!fl)
		return p->ret;
	strcpy(fl->name, arg);
	fl->line = p->lineno;
	p->base = fl;
	return 0;
}

static int config_begin_named(struct config_parse *p, enum config_section_kind kind,
			      const char *arg)
{
	struct config *cfg = p->cfg;
	char why[256];
	uint8_t mac[6];

	if (kind == CSEC_CLIENT) {
		if (mac_parse(arg, mac) != 0)
			return config_fail(p, -EINVAL,
					   "[client %s]: '%s' is not a MAC address (use "
					   "aa:bb:cc:dd:ee:ff)",
					   arg, arg);
		const struct config_client *dup = config_find_client(cfg, mac);
		if (dup) {
			snprintf(why, sizeof(why), "%u", dup->line);
			return config_fail(p, -EINVAL,
					   "duplicate section [client %s] (first at line %s)", arg,
					   why);
		}
		struct config_client *c =
		    config_grow(p, (void **)&cfg->clients, &cfg->client_count, &cfg->client_cap,
				sizeof(*c), CONFIG_MAX_CLIENTS, "client");
		if (!c)
			return p->ret;
		memcpy(c->mac, mac, 6);
		p->base = c;
		c->line = p->lineno;
		return 0;
	}
	if (kind == CSEC_FLEET)
		return config_begin_fleet(p, arg);
	if ((kind == CSEC_LUN ? name_check_lun : name_check_image)(arg, why, sizeof(why)) != 0)
		return config_fail(p, -EINVAL, "%s: %s", p->label, why);
	if (kind == CSEC_LUN) {
		const struct config_lun *dup = config_find_lun(cfg, arg);
		struct config_lun *l;
		if (dup) {
			snprintf(why, sizeof(why), "%u", dup->line);
			return config_fail(
			    p, -EINVAL, "duplicate section [lun %s] (first at line %s)", arg, why);
		}
		l = config_grow(p, (void **)&cfg->luns, &cfg->lun_count, &cfg->lun_cap, sizeof(*l),
				CONFIG_MAX_LUNS, "lun");
		if (!l)
			return p->ret;
		strcpy(l->name, arg);
		l->line = p->lineno;
		p->base = l;
	} else {
		const struct config_image *dup = config_find_image(cfg, arg);
		struct config_image *im;
		if (dup) {
			snprintf(why, sizeof(why), "%u", dup->line);
			return config_fail(p, -EINVAL,
					   "duplicate section [image %s] (first at line %s)", arg,
					   why);
		}
		im = config_grow(p, (void **)&cfg->images, &cfg->image_count, &cfg->image_cap,
				 sizeof(*im), CONFIG_MAX_IMAGES, "image");
		if (!im)
			return p->ret;
		strcpy(im->name, arg);
		im->line = p->lineno;
		p->base = im;
	}
	return 0;
}

static int config_begin_section(struct config_parse *p, char *inside)
{
	const char *sections = "sections are [server], [boot], [cluster], [lun NAME], "
			       "[image NAME], [client MAC] and [fleet NAME]";
	char *save = NULL, *word = strtok_r(inside, " \t", &save);
	char *arg = word ? strtok_r(NULL, " \t", &save) : NULL;
	int kind;

	for (kind = 0; kind < CSEC_COUNT && word; kind++)
		if (strcmp(word, config_section_names[kind]) == 0)
			break;
	if (!word || kind == CSEC_COUNT)
		return config_fail(p, -EINVAL, "unknown section [%s] (%s)", word ? word : "",
				   sections);
	if (strtok_r(NULL, " \t", &save))
		return config_fail(p, -EINVAL, "[%s ...]: too many words in the section name (%s)",
				   word, sections);
	snprintf(p->label, sizeof(p->label), "[%s%s%.64s]", word, arg ? " " : "", arg ? arg : "");
	p->kind = (enum config_section_kind)kind;
	p->in_section = true;
	p->had_key = false;
	p->last_key = NULL;
	memset(p->key_line, 0, sizeof(p->key_line));
	if (kind == CSEC_SERVER || kind == CSEC_BOOT || kind == CSEC_CLUSTER) {
		unsigned *line = kind == CSEC_SERVER ? &p->cfg->server.line
				 : kind == CSEC_BOOT ? &p->cfg->boot.line
						     : &p->cfg->cluster.line;
		char first[16];
		if (arg)
			return config_fail(p, -EINVAL, "[%s] takes no name (found '%s')", word,
					   arg);
		if (*line) {
			snprintf(first, sizeof(first), "%u", *line);
			return config_fail(p, -EINVAL, "duplicate section [%s] (first at line %s)",
					   word, first);
		}
		*line = p->lineno;
		p->base = kind == CSEC_SERVER ? (void *)&p->cfg->server
			  : kind == CSEC_BOOT ? (void *)&p->cfg->boot
					      : (void *)&p->cfg->cluster;
		return 0;
	}
	if (!arg)
		return config_fail(p, -EINVAL, "[%s] needs a name: [%s]", word,
				   kind == CSEC_CLIENT	? "client MAC"
				   : kind == CSEC_LUN	? "lun NAME"
				   : kind == CSEC_FLEET ? "fleet NAME"
							: "image NAME");
	if (config_begin_named(p, (enum config_section_kind)kind, arg) != 0)
		return p->ret;
	config_apply_defaults(p->base, p->kind);
	return 0;
}

/* Looks at a line before inih does: section headers are ours. */
static int config_note_line(struct config_parse *p, char *line)
{
	char *s = line, *end;

	while (*s && isspace((unsigned char)*s))
		s++;
	p->line_indented = s > line;
	if (*s == '\0' || *s == '#' || *s == ';' || (p->line_indented && p->had_key))
		return 0;
	if (*s != '[')
		return 0;
	end = strchr(s, ']');
	if (!end)
		return config_fail(p, -EINVAL, "section header without a closing ']'");
	for (char *t = end + 1; *t; t++)
		if (!isspace((unsigned char)*t))
			return config_fail(p, -EINVAL, "unexpected text after ']': '%.*s'",
					   (int)strcspn(t, "\r\n"), t);
	char inside[256];
	snprintf(inside, sizeof(inside), "%.*s", (int)(end - s - 1), s + 1);
	return config_begin_section(p, inside);
}

static char *config_read_line(char *str, int num, void *stream)
{
	struct config_parse *p = stream;
	const char *start = p->text + p->pos, *nl;
	size_t left = p->len - p->pos, n;

	if (p->ret || p->pos >= p->len)
		return NULL;
	nl = memchr(start, '\n', left);
	n = nl ? (size_t)(nl - start) + 1 : left;
	p->lineno++;
	if (memchr(start, '\0', n)) {
		config_fail(p, -EINVAL, "a NUL byte: this is not a text file");
		return NULL;
	}
	size_t chars = n - (nl != NULL);
	if (chars > 0 && start[chars - 1] == '\r')
		chars--;
	if (chars > CONFIG_MAX_LINE || n + 1 > (size_t)num) {
		char max[16];
		snprintf(max, sizeof(max), "%d", CONFIG_MAX_LINE);
		config_fail(p, -EINVAL,
			    "line longer than %s characters: continue a long value on indented "
			    "lines",
			    max);
		return NULL;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	p->pos += n;
	if (config_note_line(p, str) != 0)
		return NULL;
	return str;
}

static void config_unknown_key(struct config_parse *p, const char *name)
{
	char keys[1024] = "";
	size_t used = 0;

	for (unsigned i = 0; i < config_key_count; i++) {
		if (config_keys[i].section != p->kind)
			continue;
		int n = snprintf(keys + used, sizeof(keys) - used, "%s%s", used ? ", " : "",
				 config_keys[i].name);
		if (n > 0 && used + (size_t)n < sizeof(keys))
			used += (size_t)n;
	}
	char what[1200];
	snprintf(what, sizeof(what), "%s unknown key '%s' (known keys: %s)", p->label, name, keys);
	config_fail(p, -EINVAL, "%s", what);
}

static uint64_t *config_seen_mask(void *base, enum config_section_kind kind)
{
	switch (kind) {
	case CSEC_SERVER:
		return &((struct config_server *)base)->seen;
	case CSEC_BOOT:
		return &((struct config_boot *)base)->seen;
	case CSEC_CLUSTER:
		return &((struct config_cluster *)base)->seen;
	case CSEC_LUN:
		return &((struct config_lun *)base)->seen;
	case CSEC_IMAGE:
		return &((struct config_image *)base)->seen;
	case CSEC_FLEET:
		return &((struct config_fleet *)base)->seen;
	default:
		return &((struct config_client *)base)->seen;
	}
}

/* Finds the key of a "key = value" line and checks it is given once per section. */
static const struct config_key *config_new_key(struct config_parse *p, const char *name)
{
	unsigned index = 0;
	const struct config_key *key = config_key_find(p->kind, name, &index);

	if (!key) {
		config_unknown_key(p, name);
		return NULL;
	}
	if (p->key_line[index]) {
		p->ret = -EINVAL;
		snprintf(p->err, p->errlen, "%s:%u: %s %s: duplicate key (first at line %u)",
			 p->filename, p->lineno, p->label, name, p->key_line[index]);
		return NULL;
	}
	p->key_line[index] = p->lineno;
	*config_seen_mask(p->base, p->kind) |= UINT64_C(1) << index;
	p->had_key = true;
	p->last_key = key;
	return key;
}

static int config_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	const struct config_key *key;
	bool continuation = p->line_indented && p->had_key;
	char why[512];
	int ret;

	(void)section; /* inih truncates long section names; we keep our own */
	if (p->ret)
		return 0;
	if (!p->in_section) {
		config_fail(
		    p, -EINVAL,
		    "'%s' is outside any section: put it under [server], [boot], [cluster], "
		    "[lun NAME], [image NAME], [client MAC] or [fleet NAME]",
		    name);
		return 0;
	}
	key = continuation ? p->last_key : config_new_key(p, name);
	if (!key)
		return 0;
	ret = config_set_value(p->base, key, value, continuation, why, sizeof(why));
	if (ret != 0) {
		p->ret = ret;
		snprintf(p->err, p->errlen, "%s:%u: %s %s: %s", p->filename, p->lineno, p->label,
			 key->name, why);
		return 0;
	}
	return 1;
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	config_apply_defaults(&cfg->server, CSEC_SERVER);
	config_apply_defaults(&cfg->boot, CSEC_BOOT);
	config_apply_defaults(&cfg->cluster, CSEC_CLUSTER);
}

void config_free(struct config *cfg)
{
	for (unsigned i = 0; i < cfg->lun_count; i++)
		config_free_section(&cfg->luns[i], CSEC_LUN);
	for (unsigned i = 0; i < cfg->image_count; i++)
		config_free_section(&cfg->images[i], CSEC_IMAGE);
	for (unsigned i = 0; i < cfg->fleet_count; i++)
		config_free_section(&cfg->fleets[i], CSEC_FLEET);
	config_free_section(&cfg->cluster, CSEC_CLUSTER);
	free(cfg->luns);
	free(cfg->images);
	free(cfg->clients);
	free(cfg->fleets);
	cfg->luns = NULL;
	cfg->images = NULL;
	cfg->clients = NULL;
	cfg->fleets = NULL;
	cfg->lun_count = cfg->image_count = cfg->client_count = cfg->fleet_count = 0;
	cfg->lun_cap = cfg->image_cap = cfg->client_cap = cfg->fleet_cap = 0;
}

/* [client] keys left out take the [boot] defaults. */
static void config_finish(struct config *cfg)
{
	unsigned timeout_bit = 0;

	config_key_find(CSEC_CLIENT, "timeout", &timeout_bit);
	for (unsigned i = 0; i < cfg->client_count; i++) {
		struct config_client *c = &cfg->clients[i];
		if (c->action == BOOT_ACTION_UNSET)
			c->action = cfg->boot.default_action;
		if (!(c->seen & UINT64_C(1) << timeout_bit))
			c->timeout = cfg->boot.menu_timeout;
	}
}

int config_parse_buffer(struct config *cfg, const char *text, size_t len, const char *filename,
			char *err, size_t errlen)
{
	struct config_parse p = {.cfg = cfg,
				 .text = text,
				 .len = len,
				 .filename = filename,
				 .err = err,
				 .errlen = errlen};
	int ret;

	config_defaults(cfg);
	snprintf(cfg->filename, sizeof(cfg->filename), "%s", filename);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3; /* a UTF-8 byte order mark */
	ini_allow_multiline = true;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = true;
	ini_allow_bom = false;
	ini_allow_no_value = false;
	/* inih's default line buffer holds 200 bytes; a heap buffer holds CONFIG_MAX_LINE
	 * characters, "\r\n" and the NUL (config_read_line refuses longer lines). */
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = CONFIG_MAX_LINE + 3;
	ini_initial_alloc = CONFIG_MAX_LINE + 3;
	ret = ini_parse_stream(config_read_line, &p, config_on_key, &p);
	if (p.ret == 0 && ret > 0) {
		/* inih's own complaint: a line that is neither a section, a key nor a comment. */
		p.lineno = (unsigned)ret;
		config_fail(&p, -EINVAL, "expected 'key = value', '[section]' or a comment");
	} else if (p.ret == 0 && ret < 0) {
		config_fail(&p, -ENOMEM, "out of memory");
	}
	if (p.ret == 0)
		cluster_config_parse(cfg);
	if (p.ret == 0 && config_check_rules(cfg, err, errlen) != 0)
		p.ret = -EINVAL;
	if (p.ret != 0) {
		config_free(cfg);
		config_defaults(cfg);
		return p.ret;
	}
	config_finish(cfg);
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	ssize_t n = 0;
	int fd, ret;

	config_defaults(cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_FILE) {
		ret = -EINVAL;
		snprintf(err, errlen, "config %s: not a regular file of at most %d bytes", path,
			 CONFIG_MAX_FILE);
		goto out_close;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (ssize_t r = 1; r > 0 && n < st.st_size; n += r)
		r = read(fd, text + n, (size_t)(st.st_size - n));
	ret = config_parse_buffer(cfg, text, (size_t)n, path, err, errlen);
	free(text);
out_close:
	if (fd >= 0)
		close(fd);
	return ret;
}

void config_default_data_dir(char *buf, size_t len, const char *state_directory,
			     const char *xdg_state_home, const char *home, bool root)
{
	if (state_directory && state_directory[0] == '/')
		snprintf(buf, len, "%.*s", (int)strcspn(state_directory, ":"), state_directory);
	else if (root)
		snprintf(buf, len, "/var/lib/ringsan");
	else if (xdg_state_home && xdg_state_home[0] == '/')
		snprintf(buf, len, "%s/ringsan", xdg_state_home);
	else
		snprintf(buf, len, "%s/.local/state/ringsan", home && home[0] ? home : "/tmp");
}

void config_apply_environment(struct config *cfg)
{
	if (cfg->server.data_dir[0])
		return;
	config_default_data_dir(cfg->server.data_dir, sizeof(cfg->server.data_dir),
				getenv("STATE_DIRECTORY"), getenv("XDG_STATE_HOME"), getenv("HOME"),
				geteuid() == 0);
}

const struct config_lun *config_find_lun(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->lun_count; i++)
		if (strcmp(cfg->luns[i].name, name) == 0)
			return &cfg->luns[i];
	return NULL;
}

const struct config_image *config_find_image(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->image_count; i++)
		if (strcmp(cfg->images[i].name, name) == 0)
			return &cfg->images[i];
	return NULL;
}

const struct config_fleet *config_find_fleet(const struct config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->fleet_count; i++)
		if (strcmp(cfg->fleets[i].name, name) == 0)
			return &cfg->fleets[i];
	return NULL;
}

const struct config_client *config_find_client(const struct config *cfg, const uint8_t mac[6])
{
	for (unsigned i = 0; i < cfg->client_count; i++)
		if (memcmp(cfg->clients[i].mac, mac, 6) == 0)
			return &cfg->clients[i];
	return NULL;
}
