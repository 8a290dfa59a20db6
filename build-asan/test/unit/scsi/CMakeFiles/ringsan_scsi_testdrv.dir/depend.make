# Empty dependencies file for ringsan_scsi_testdrv.
# This may be replaced when dependencies are built.
