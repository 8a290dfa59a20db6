# Empty compiler generated dependencies file for boot_fuzz_dhcp.
# This may be replaced when dependencies are built.
