# Empty compiler generated dependencies file for test_name.
# This may be replaced when dependencies are built.
