# Empty dependencies file for test_iscsi_sendtargets.
# This may be replaced when dependencies are built.
