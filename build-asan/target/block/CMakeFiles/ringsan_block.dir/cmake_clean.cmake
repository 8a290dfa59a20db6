file(REMOVE_RECURSE
  "CMakeFiles/ringsan_block.dir/blk_mem.c.o"
  "CMakeFiles/ringsan_block.dir/blk_mem.c.o.d"
  "CMakeFiles/ringsan_block.dir/blk_uring.c.o"
  "CMakeFiles/ringsan_block.dir/blk_uring.c.o.d"
  "libringsan_block.a"
  "libringsan_block.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_block.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
