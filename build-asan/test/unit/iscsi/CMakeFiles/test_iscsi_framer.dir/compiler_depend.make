# Empty compiler generated dependencies file for test_iscsi_framer.
# This may be replaced when dependencies are built.
