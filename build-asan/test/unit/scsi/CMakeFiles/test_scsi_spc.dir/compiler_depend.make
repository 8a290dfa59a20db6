# Empty compiler generated dependencies file for test_scsi_spc.
# This may be replaced when dependencies are built.
