/* lu.c: the logical unit object shared by every worker: capacity, the I_T nexuses attached to it
 * and their unit attentions (SPC-5 5.14, SAM-5 5.13). */
#include <stdlib.h>
#include <string.h>

#include "common/lunid.h"
#include "common/wire.h"
#include "target/scsi/scsi_int.h"

struct scsi_lu *scsi_lu_new(const struct scsi_lu_config *cfg, struct blk_dev *dev)
{
	struct scsi_lu *lu = calloc(1, sizeof(*lu));
	if (!lu)
		return NULL;
	lu->cfg = *cfg;
	lu->cfg.name[sizeof(lu->cfg.name) - 1] = '\0';
	lu->cfg.target_iqn[sizeof(lu->cfg.target_iqn) - 1] = '\0';
	lu->cfg.description[sizeof(lu->cfg.description) - 1] = '\0';
	if (lu->cfg.block_size != 512 && lu->cfg.block_size != 4096)
		lu->cfg.block_size = dev->block_size == 4096 ? 4096 : 512;
	uint32_t pbs = lu->cfg.physical_block_size;
	if (pbs < lu->cfg.block_size || pbs > 65536 || (pbs & (pbs - 1)))
		lu->cfg.physical_block_size = lu->cfg.block_size;
	if (!lu->cfg.rel_port_id)
		lu->cfg.rel_port_id = 1;
	if (!lu->cfg.tpgt)
		lu->cfg.tpgt = 1;
	lu->dev = dev;
	atomic_init(&lu->size_bytes, dev->size);
	atomic_init(&lu->swp, false);
	lu->pr.holder = -1;
	if (pthread_mutex_init(&lu->lock, NULL) != 0) {
		free(lu);
		return NULL;
	}
	if (pthread_mutex_init(&lu->pr_save_lock, NULL) != 0) {
		pthread_mutex_destroy(&lu->lock);
		free(lu);
		return NULL;
	}
	return lu;
}

void scsi_lu_free(struct scsi_lu *lu)
{
	if (!lu)
		return;
	sanitize_free_job(lu);
	pthread_mutex_destroy(&lu->pr_save_lock);
	pthread_mutex_destroy(&lu->lock);
	free(lu);
}

uint64_t scsi_lu_blocks(struct scsi_lu *lu)
{
	return atomic_load(&lu->size_bytes) / lu->cfg.block_size;
}

bool scsi_lu_range_ok(struct scsi_lu *lu, uint64_t lba, uint64_t count)
{
	uint64_t blocks = scsi_lu_blocks(lu);
	return lba <= blocks && count <= blocks - lba;
}

static void raise_locked(struct scsi_lu *lu, uint32_t ua, const struct scsi_nexus *except)
{
	for (struct scsi_nexus *nx = lu->nexuses; nx; nx = nx->next)
		if (nx != except)
			nx->ua_pending |= ua;
}

void scsi_lu_set_size(struct scsi_lu *lu, uint64_t size_bytes)
{
	pthread_mutex_lock(&lu->lock);
	if (atomic_exchange(&lu->size_bytes, size_bytes) != size_bytes)
		raise_locked(lu, SCSI_UA_CAPACITY_CHANGED, NULL);
	pthread_mutex_unlock(&lu->lock);
}

void scsi_lu_raise_ua(struct scsi_lu *lu, uint32_t ua, const struct scsi_nexus *except)
{
	pthread_mutex_lock(&lu->lock);
	raise_locked(lu, ua, except);
	pthread_mutex_unlock(&lu->lock);
}

bool scsi_lu_space_low(struct scsi_lu *lu, bool low)
{
	bool raise;
	pthread_mutex_lock(&lu->lock);
	raise = low && !lu->space_low;
	lu->space_low = low;
	if (raise)
		raise_locked(lu, SCSI_UA_SOFT_THRESHOLD, NULL);
	pthread_mutex_unlock(&lu->lock);
	return raise;
}

void scsi_lu_attach(struct scsi_lu *lu, struct scsi_nexus *nx)
{
	pthread_mutex_lock(&lu->lock);
	nx->lu = lu;
	nx->ua_pending = SCSI_UA_POWER_ON;
	nx->next = lu->nexuses;
	lu->nexuses = nx;
	pthread_mutex_unlock(&lu->lock);
}

void scsi_lu_detach(struct scsi_lu *lu, struct scsi_nexus *nx)
{
	pthread_mutex_lock(&lu->lock);
	for (struct scsi_nexus **p = &lu->nexuses; *p; p = &(*p)->next) {
		if (*p == nx) {
			*p = nx->next;
			break;
		}
	}
	if (lu->spc2_holder == nx)
		lu->spc2_holder = NULL;
	xcopy_forget_nexus(lu, nx);
	nx->next = NULL;
	nx->lu = NULL;
	nx->ua_pending = 0;
	pthread_mutex_unlock(&lu->lock);
}

/* SAM-5 6.3.3 / 7.7: a LOGICAL UNIT RESET establishes BUS DEVICE RESET FUNCTION OCCURRED for
 * every I_T nexus, the one that asked for it included (libiscsi's MultipathIO.Reset checks every
 * path); SPC-2 reservations are released (SPC-4 5.9.13.6 keeps persistent ones). */
void scsi_lu_reset(struct scsi_lu *lu, struct scsi_nexus *by)
{
	pthread_mutex_lock(&lu->lock);
	raise_locked(lu, SCSI_UA_BUS_DEVICE_RESET, NULL);
	lu->spc2_holder = NULL;
	/* SAM-5: a LU reset aborts every task in the task set (one for all nexuses, TST 000b);
	 * the issuing nexus's own are the caller's to abort. TAS 0: without status. */
	for (struct scsi_nexus *nx = lu->nexuses; nx && lu->cfg.abort_nexus; nx = nx->next)
		if (nx != by)
			lu->cfg.abort_nexus(lu->cfg.ctx, nx);
	pthread_mutex_unlock(&lu->lock);
}

static struct sense ua_sense(uint32_t bit)
{
	switch (bit) {
	case SCSI_UA_POWER_ON:
		return sense_ua_power_on();
	case SCSI_UA_BUS_DEVICE_RESET:
		return sense_ua_bus_device_reset();
	case SCSI_UA_RESERVATIONS_PREEMPTED:
		return sense_ua_reservations_preempted();
	case SCSI_UA_RESERVATIONS_RELEASED:
		return sense_ua_reservations_released();
	case SCSI_UA_REGISTRATIONS_PREEMPTED:
		return sense_ua_registrations_preempted();
	case SCSI_UA_MODE_PARAMS_CHANGED:
		return sense_ua_mode_params_changed();
	case SCSI_UA_CAPACITY_CHANGED:
		return sense_ua_capacity_changed();
	case SCSI_UA_SOFT_THRESHOLD:
		return sense_ua_soft_threshold();
	default:
		return sense_ua_reported_luns_changed();
	}
}

/* One unit attention per command, lowest bit (highest priority) first. Reporting power-on also
 * clears a pending reset: both tell the initiator the same thing (SAM-5 6.3.1). */
bool scsi_lu_ua_take(struct scsi_lu *lu, struct scsi_nexus *nx, struct sense *out)
{
	if (!nx)
		return false;
	pthread_mutex_lock(&lu->lock);
	uint32_t pending = nx->ua_pending;
	uint32_t bit = pending & -pending;
	if (bit == SCSI_UA_POWER_ON)
		nx->ua_pending &= ~(uint32_t)(SCSI_UA_POWER_ON | SCSI_UA_BUS_DEVICE_RESET);
	else
		nx->ua_pending &= ~bit;
	pthread_mutex_unlock(&lu->lock);
	if (!bit)
		return false;
	*out = ua_sense(bit);
	return true;
}

void scsi_lu_ua_clear(struct scsi_lu *lu, struct scsi_nexus *nx, uint32_t ua)
{
	if (!nx)
		return;
	pthread_mutex_lock(&lu->lock);
	nx->ua_pending &= ~ua;
	pthread_mutex_unlock(&lu->lock);
}

/* The LU's NAA designator (SPC-5 7.7.6), as lunid.h derives it from the LUN's UUID. */
void scsi_lu_naa(const struct scsi_lu *lu, uint8_t naa[8])
{
	struct lun_identity id;

	lunid_derive(lu->cfg.uuid, &id);
	memcpy(naa, id.naa, sizeof(id.naa));
}
