file(REMOVE_RECURSE
  "CMakeFiles/test_lunfile.dir/test_lunfile.c.o"
  "CMakeFiles/test_lunfile.dir/test_lunfile.c.o.d"
  "test_lunfile"
  "test_lunfile.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_lunfile.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
