/* conn_spares.c: a connection's kept tasks and data pages, see conn_int.h. */
#include "target/iscsi/conn_int.h"

#include <stdlib.h>
#include <string.h>

/* Data buffers the file is read into or written from: page-aligned (and a whole number of pages)
 * so that a LUN with cache = direct can hand them to O_DIRECT as they are. */
#define TASK_BUF_ALIGN 4096u

/* Freed tasks and one-page buffers are kept for the connection's next commands, up to this many
 * of each (a 4K command needs one of each): a task (about 2.4 KiB) and an aligned page are both
 * beyond malloc's per-thread cache, and taking them from its bins and giving them back cost
 * more than the rest of a 4K command's work in user space. */
#define CONN_SPARES 64u

void *conn_spares_buf(struct iscsi_conn *c, uint32_t len)
{
	size_t n = ((size_t)len + TASK_BUF_ALIGN - 1) & ~(size_t)(TASK_BUF_ALIGN - 1);
	if (n <= TASK_BUF_ALIGN && c->spare_pages) {
		void *page = c->spare_pages;
		memcpy(&c->spare_pages, page, sizeof(void *));
		c->nspare_pages--;
		return page;
	}
	return aligned_alloc(TASK_BUF_ALIGN, n ? n : TASK_BUF_ALIGN);
}

void conn_spares_buf_free(struct iscsi_conn *c, void *buf, uint32_t len)
{
	if (buf && len <= TASK_BUF_ALIGN && c->nspare_pages < CONN_SPARES) {
		memcpy(buf, &c->spare_pages, sizeof(void *));
		c->spare_pages = buf;
		c->nspare_pages++;
		return;
	}
	free(buf);
}

struct iscsi_task *conn_spares_task(struct iscsi_conn *c)
{
	struct iscsi_task *t = c->spare_tasks;
	if (!t)
		return calloc(1, sizeof(*t));
	c->spare_tasks = t->next;
	c->nspare_tasks--;
	memset(t, 0, sizeof(*t));
	return t;
}

void conn_spares_task_free(struct iscsi_conn *c, struct iscsi_task *t)
{
	if (c->nspare_tasks < CONN_SPARES) {
		t->next = c->spare_tasks;
		c->spare_tasks = t;
		c->nspare_tasks++;
		return;
	}
	free(t);
}

void conn_spares_free(struct iscsi_conn *c)
{
	while (c->spare_tasks) {
		struct iscsi_task *t = c->spare_tasks;
		c->spare_tasks = t->next;
		free(t);
	}
	while (c->spare_pages) {
		void *page = c->spare_pages;
		memcpy(&c->spare_pages, page, sizeof(void *));
		free(page);
	}
	c->nspare_tasks = c->nspare_pages = 0;
}
