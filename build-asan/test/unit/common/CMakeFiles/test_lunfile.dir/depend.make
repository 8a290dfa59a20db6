# Empty dependencies file for test_lunfile.
# This may be replaced when dependencies are built.
