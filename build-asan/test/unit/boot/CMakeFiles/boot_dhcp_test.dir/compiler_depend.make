# Empty compiler generated dependencies file for boot_dhcp_test.
# This may be replaced when dependencies are built.
