# Empty dependencies file for test_scsi_compare.
# This may be replaced when dependencies are built.
