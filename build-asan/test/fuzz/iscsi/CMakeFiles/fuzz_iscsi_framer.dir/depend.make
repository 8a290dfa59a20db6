# Empty dependencies file for fuzz_iscsi_framer.
# This may be replaced when dependencies are built.
