# Empty compiler generated dependencies file for test_scsi_cdb.
# This may be replaced when dependencies are built.
