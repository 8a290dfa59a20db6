# Empty compiler generated dependencies file for ringsan_iscsi_core.
# This may be replaced when dependencies are built.
