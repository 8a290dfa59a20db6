# Empty compiler generated dependencies file for test_iscsi_pdu.
# This may be replaced when dependencies are built.
