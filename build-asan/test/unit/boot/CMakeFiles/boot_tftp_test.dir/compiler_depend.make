# Empty compiler generated dependencies file for boot_tftp_test.
# This may be replaced when dependencies are built.
