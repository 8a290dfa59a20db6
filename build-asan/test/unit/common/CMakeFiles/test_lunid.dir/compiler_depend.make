# Empty compiler generated dependencies file for test_lunid.
# This may be replaced when dependencies are built.
