# Empty compiler generated dependencies file for boot_fuzz_tftp.
# This may be replaced when dependencies are built.
