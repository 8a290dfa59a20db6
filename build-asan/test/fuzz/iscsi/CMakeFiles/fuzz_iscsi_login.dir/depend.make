# Empty dependencies file for fuzz_iscsi_login.
# This may be replaced when dependencies are built.
