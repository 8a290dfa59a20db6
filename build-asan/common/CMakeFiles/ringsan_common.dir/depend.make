# Empty dependencies file for ringsan_common.
# This may be replaced when dependencies are built.
