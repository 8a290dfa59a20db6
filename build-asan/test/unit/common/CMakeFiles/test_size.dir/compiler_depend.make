# Empty compiler generated dependencies file for test_size.
# This may be replaced when dependencies are built.
