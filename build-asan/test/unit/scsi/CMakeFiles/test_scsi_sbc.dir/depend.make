# Empty dependencies file for test_scsi_sbc.
# This may be replaced when dependencies are built.
