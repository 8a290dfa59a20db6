# Empty compiler generated dependencies file for ringsan_block.
# This may be replaced when dependencies are built.
