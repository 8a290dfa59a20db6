# Empty compiler generated dependencies file for ringsan_scsi.
# This may be replaced when dependencies are built.
