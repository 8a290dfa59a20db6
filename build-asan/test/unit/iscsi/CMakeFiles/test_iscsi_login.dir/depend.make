# Empty dependencies file for test_iscsi_login.
# This may be replaced when dependencies are built.
