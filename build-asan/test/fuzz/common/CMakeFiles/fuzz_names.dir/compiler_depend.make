# Empty compiler generated dependencies file for fuzz_names.
# This may be replaced when dependencies are built.
