# Empty compiler generated dependencies file for fuzz_scsi_pr.
# This may be replaced when dependencies are built.
