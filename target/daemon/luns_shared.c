/* luns_shared.c: see luns_shared.h. */
#include "target/daemon/luns_shared.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "target/daemon/luns_state.h"

/* A shared LUN just locked: another node may have served it since this one read its persistent
 * reservations, so they are what NAME/pr.state says now (none when there is no file). No
 * session uses the LU at this point, so nothing is attached to replace. */
static void reload_pr(struct lun_entry *e)
{
	char path[PATH_MAX + 16];
	uint8_t buf[65536];
	ssize_t n = luns_state_read(e, LUNS_PR_FILE, buf, sizeof(buf), path, sizeof(path));

	if (pr_restore(e->lu, buf, n > 0 ? (size_t)n : 0) < 0 && n > 0)
		log_warn("LUN %s: %s does not parse; serving it without persistent reservations",
			 e->lf.name, path);
}

/* A shared LUN just locked: name this node as the one serving it. */
static void write_holder(struct lun_entry *e)
{
	char buf[NAME_MAX_LEN + 2];
	int n = snprintf(buf, sizeof(buf), "%s\n", e->table->holder);

	if (luns_state_save(e, LUNS_HOLDER_FILE, buf, (size_t)n) < 0)
		log_warn("LUN %s: cannot write %s/%s: other nodes cannot redirect to this one",
			 e->lf.name, e->lf.dir, LUNS_HOLDER_FILE);
}

void luns_shared_claim(struct lun_entry *e)
{
	reload_pr(e);
	write_holder(e);
}

enum luns_where luns_where(struct lun_table *t, const char *target_iqn, char *holder,
			   size_t holder_len)
{
	enum luns_where w = LUNS_ABSENT;
	char path[PATH_MAX + 16];

	holder[0] = '\0';
	pthread_mutex_lock(&t->lock);
	struct lun_entry *e = luns_find_locked(t, target_iqn);
	if (e && e->sessions) {
		w = LUNS_HERE;
	} else if (e) {
		struct flock fl = {.l_type = e->read_only ? F_RDLCK : F_WRLCK,
				   .l_whence = SEEK_SET};
		w = fcntl(e->lf.fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? LUNS_ELSEWHERE
										   : LUNS_FREE;
		snprintf(path, sizeof(path), "%s/%s", e->lf.dir, LUNS_HOLDER_FILE);
	}
	pthread_mutex_unlock(&t->lock);
	if (w == LUNS_ELSEWHERE) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, holder, holder_len - 1) : -1;
		if (fd >= 0)
			close(fd);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
	}
	return w;
}
