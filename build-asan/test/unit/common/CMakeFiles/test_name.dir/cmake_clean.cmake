file(REMOVE_RECURSE
  "CMakeFiles/test_name.dir/test_name.c.o"
  "CMakeFiles/test_name.dir/test_name.c.o.d"
  "test_name"
  "test_name.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_name.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
