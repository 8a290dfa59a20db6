# Empty dependencies file for test_scsi_pr.
# This may be replaced when dependencies are built.
