file(REMOVE_RECURSE
  "CMakeFiles/fuzz_names.dir/__/replay.c.o"
  "CMakeFiles/fuzz_names.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_names.dir/fuzz_names.c.o"
  "CMakeFiles/fuzz_names.dir/fuzz_names.c.o.d"
  "fuzz_names"
  "fuzz_names.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_names.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
