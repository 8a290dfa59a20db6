file(REMOVE_RECURSE
  "CMakeFiles/test_blk_mem.dir/test_blk_mem.c.o"
  "CMakeFiles/test_blk_mem.dir/test_blk_mem.c.o.d"
  "test_blk_mem"
  "test_blk_mem.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_blk_mem.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
