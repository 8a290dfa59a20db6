file(REMOVE_RECURSE
  "CMakeFiles/test_size.dir/test_size.c.o"
  "CMakeFiles/test_size.dir/test_size.c.o.d"
  "test_size"
  "test_size.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_size.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
