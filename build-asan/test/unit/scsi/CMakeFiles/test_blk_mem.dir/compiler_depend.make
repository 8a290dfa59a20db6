# Empty compiler generated dependencies file for test_blk_mem.
# This may be replaced when dependencies are built.
