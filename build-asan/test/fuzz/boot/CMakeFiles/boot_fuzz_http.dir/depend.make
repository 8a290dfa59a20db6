# Empty dependencies file for boot_fuzz_http.
# This may be replaced when dependencies are built.
