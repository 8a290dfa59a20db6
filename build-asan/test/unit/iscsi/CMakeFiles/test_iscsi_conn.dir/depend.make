# Empty dependencies file for test_iscsi_conn.
# This may be replaced when dependencies are built.
