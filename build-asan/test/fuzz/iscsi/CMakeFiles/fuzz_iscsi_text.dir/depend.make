# Empty dependencies file for fuzz_iscsi_text.
# This may be replaced when dependencies are built.
