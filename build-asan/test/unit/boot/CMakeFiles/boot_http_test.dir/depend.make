# Empty dependencies file for boot_http_test.
# This may be replaced when dependencies are built.
