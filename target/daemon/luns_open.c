/* luns_open.c: see luns_open.h. */
#include "target/daemon/luns_open.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "common/log.h"
#include "target/daemon/luns_shared.h"

/* The first session: take the shared lock (exclusive for a writable shared LUN), make sure the
 * file is still the LUN's. */
int luns_open_first(struct lun_entry *e)
{
	bool excl = e->table->exclusive && !e->read_only;
	struct flock fl = {.l_type = excl ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET};
	struct stat a, b;

	if (fcntl(e->lf.fd, F_OFD_SETLK, &fl) < 0) {
		if (e->table->exclusive)
			log_warn("shared LUN %s is in use elsewhere (another node serves it, or a "
				 "ringsan command holds it): login refused until it is let go",
				 e->lf.name);
		else
			log_warn("LUN %s is locked by a ringsan command (resize, rm or clone): "
				 "login refused until it finishes",
				 e->lf.name);
		return ISCSI_LOGIN_STATUS_SERVICE_UNAVAILABLE;
	}
	if (stat(e->lf.path, &a) < 0 || fstat(e->lf.fd, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		fl.l_type = F_UNLCK;
		fcntl(e->lf.fd, F_OFD_SETLK, &fl);
		log_warn(
		    "LUN %s was removed or replaced on disk: reload (SIGHUP) to serve the new one",
		    e->lf.name);
		return ISCSI_LOGIN_STATUS_NOT_FOUND;
	}
	luns_refresh_size(e);
	if (e->table->exclusive)
		luns_shared_claim(e);
	return luns_overlay_attach(e);
}
