/* luns_shared.h: the shared LUNs of a cluster ([cluster] shared_dir). A writable one is locked
 * exclusively while a node serves it, so no two nodes ever serve it at once; the node then
 * names itself in NAME/serving for the others to redirect initiators to, and takes the
 * persistent reservations the last node left in NAME/pr.state. luns_where (luns.h) tells the
 * login where one is served now. */
#ifndef RINGSAN_DAEMON_LUNS_SHARED_H
#define RINGSAN_DAEMON_LUNS_SHARED_H

#include "target/daemon/luns.h"

/* A shared LUN just locked for its first use: reload its reservations and write NAME/serving
 * (a failure is logged: other nodes then cannot redirect here). */
void luns_shared_claim(struct lun_entry *e);

#endif
