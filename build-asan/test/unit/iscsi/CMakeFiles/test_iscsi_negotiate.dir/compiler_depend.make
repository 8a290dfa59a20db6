# Empty compiler generated dependencies file for test_iscsi_negotiate.
# This may be replaced when dependencies are built.
