file(REMOVE_RECURSE
  "CMakeFiles/test_lunid.dir/test_lunid.c.o"
  "CMakeFiles/test_lunid.dir/test_lunid.c.o.d"
  "test_lunid"
  "test_lunid.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_lunid.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
