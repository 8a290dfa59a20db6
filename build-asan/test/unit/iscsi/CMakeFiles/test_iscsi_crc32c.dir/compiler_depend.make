# Empty compiler generated dependencies file for test_iscsi_crc32c.
# This may be replaced when dependencies are built.
