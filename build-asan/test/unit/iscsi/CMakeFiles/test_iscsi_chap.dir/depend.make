# Empty dependencies file for test_iscsi_chap.
# This may be replaced when dependencies are built.
