# Empty dependencies file for ringsan.
# This may be replaced when dependencies are built.
