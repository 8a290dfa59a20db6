# Empty dependencies file for fuzz_iscsi_conn.
# This may be replaced when dependencies are built.
