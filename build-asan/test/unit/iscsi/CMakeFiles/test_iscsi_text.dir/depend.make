# Empty dependencies file for test_iscsi_text.
# This may be replaced when dependencies are built.
