# Empty compiler generated dependencies file for ringsan_iscsi.
# This may be replaced when dependencies are built.
