# Empty dependencies file for ringsan-boot.
# This may be replaced when dependencies are built.
