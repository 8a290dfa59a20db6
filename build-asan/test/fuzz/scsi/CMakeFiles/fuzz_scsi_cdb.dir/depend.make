# Empty dependencies file for fuzz_scsi_cdb.
# This may be replaced when dependencies are built.
