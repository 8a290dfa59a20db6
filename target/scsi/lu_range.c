/* lu_range.c: the per-LU range lock that makes COMPARE AND WRITE (SBC-4 5.2), ORWRITE (SBC-4 5.9),
 * WRITE ATOMIC (SBC-4 4.29) and SANITIZE atomic against every other access to their LBAs from
 * any session on any worker.
 *
 * Two kinds of range: exclusive (conflicts with every overlapping range) and shared (conflicts
 * only with overlapping exclusive ones). Held ranges are linked through the tasks themselves
 * (task->st.rl_*) on two lists; tasks that must wait go on a FIFO. rl_excl_busy counts
 * exclusive ranges held or waiting: while it is 0, a shared range is granted without looking at
 * any list, so ordinary I/O pays one lock/unlock of lu->lock per command.
 *
 * Fairness: a shared request that overlaps a waiting exclusive one waits behind it (a stream of
 * reads cannot starve a COMPARE AND WRITE); waiters are granted in FIFO order among the ones
 * that overlap. A task never waits while holding a range, so there is no deadlock. */
#include "target/scsi/scsi_int.h"

enum rl_state { RL_NONE, RL_HELD, RL_WAITING };

static bool overlaps(const struct scsi_task *a, uint64_t lba, uint64_t n)
{
	return a->st.rl_lba < lba + n && lba < a->st.rl_lba + a->st.rl_nblocks;
}

static void list_add_tail(struct scsi_task **head, struct scsi_task **tail, struct scsi_task *t)
{
	t->st.rl_next = NULL;
	t->st.rl_prev = *tail;
	if (*tail)
		(*tail)->st.rl_next = t;
	else
		*head = t;
	*tail = t;
}

static void list_del(struct scsi_task **head, struct scsi_task **tail, struct scsi_task *t)
{
	if (t->st.rl_prev)
		t->st.rl_prev->st.rl_next = t->st.rl_next;
	else
		*head = t->st.rl_next;
	if (t->st.rl_next)
		t->st.rl_next->st.rl_prev = t->st.rl_prev;
	else if (tail)
		*tail = t->st.rl_prev;
	t->st.rl_prev = t->st.rl_next = NULL;
}

static bool list_conflicts(const struct scsi_task *head, const struct scsi_task *stop,
			   const struct scsi_task *t, bool any_kind)
{
	for (const struct scsi_task *o = head; o && o != stop; o = o->st.rl_next)
		if ((any_kind || o->st.rl_excl || t->st.rl_excl) &&
		    overlaps(o, t->st.rl_lba, t->st.rl_nblocks))
			return true;
	return false;
}

/* Whether t (not on the held lists) may be granted now. Waiters ahead of it (up to `stop`, the
 * task itself when it is queued) that overlap and conflict keep their turn. */
static bool can_grant(const struct scsi_lu *lu, const struct scsi_task *t,
		      const struct scsi_task *stop)
{
	if (!t->st.rl_excl && lu->rl_excl_busy == 0)
		return true;
	if (list_conflicts(lu->rl_excl, NULL, t, true))
		return false;
	if (t->st.rl_excl && list_conflicts(lu->rl_shared, NULL, t, true))
		return false;
	return !list_conflicts(lu->rl_wait_head, stop, t, false);
}

static void hold(struct scsi_lu *lu, struct scsi_task *t)
{
	t->st.rl_state = RL_HELD;
	if (t->st.rl_excl)
		list_add_tail(&lu->rl_excl, &lu->rl_excl_tail, t);
	else
		list_add_tail(&lu->rl_shared, &lu->rl_shared_tail, t);
}

/* Grants every waiter that no longer conflicts, in FIFO order, and wakes it. */
static void grant_waiters(struct scsi_lu *lu)
{
	struct scsi_task *t = lu->rl_wait_head, *next;
	for (; t; t = next) {
		next = t->st.rl_next;
		if (!can_grant(lu, t, t))
			continue;
		list_del(&lu->rl_wait_head, &lu->rl_wait_tail, t);
		hold(lu, t);
		t->wake(t);
	}
}

bool lu_range_lock(struct scsi_lu *lu, struct scsi_task *task, uint64_t lba, uint64_t n, bool excl)
{
	if (task->st.rl_state == RL_HELD)
		return true; /* granted while waiting: the command runs again from where it waited
			      */
	if (!n)
		return true;
	task->st.rl_lu = lu;
	task->st.rl_lba = lba;
	task->st.rl_nblocks = n;
	task->st.rl_excl = excl;
	pthread_mutex_lock(&lu->lock);
	bool ok = can_grant(lu, task, NULL);
	if (ok) {
		hold(lu, task);
		lu->rl_excl_busy += excl;
	} else if (task->wake) {
		task->st.rl_state = RL_WAITING;
		lu->rl_excl_busy += excl;
		list_add_tail(&lu->rl_wait_head, &lu->rl_wait_tail, task);
	}
	pthread_mutex_unlock(&lu->lock);
	return ok;
}

static void unlink_locked(struct scsi_lu *lu, struct scsi_task *t)
{
	if (t->st.rl_state == RL_WAITING)
		list_del(&lu->rl_wait_head, &lu->rl_wait_tail, t);
	else if (t->st.rl_excl)
		list_del(&lu->rl_excl, &lu->rl_excl_tail, t);
	else
		list_del(&lu->rl_shared, &lu->rl_shared_tail, t);
	lu->rl_excl_busy -= t->st.rl_excl;
	t->st.rl_state = RL_NONE;
	grant_waiters(lu);
}

void lu_range_unlock(struct scsi_task *task)
{
	struct scsi_lu *lu = task->st.rl_lu;
	if (!lu || task->st.rl_state == RL_NONE)
		return;
	pthread_mutex_lock(&lu->lock);
	if (task->st.rl_state != RL_NONE)
		unlink_locked(lu, task);
	pthread_mutex_unlock(&lu->lock);
}

bool lu_range_engaged(const struct scsi_task *task)
{
	return task->st.rl_state != RL_NONE;
}

bool lu_range_cancel_wait_locked(struct scsi_lu *lu, struct scsi_task *task)
{
	if (task->st.rl_state != RL_WAITING)
		return false;
	unlink_locked(lu, task);
	return true;
}
