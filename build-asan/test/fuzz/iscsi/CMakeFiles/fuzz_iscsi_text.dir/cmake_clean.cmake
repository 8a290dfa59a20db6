file(REMOVE_RECURSE
  "CMakeFiles/fuzz_iscsi_text.dir/__/replay.c.o"
  "CMakeFiles/fuzz_iscsi_text.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_iscsi_text.dir/fuzz_text.c.o"
  "CMakeFiles/fuzz_iscsi_text.dir/fuzz_text.c.o.d"
  "fuzz_iscsi_text"
  "fuzz_iscsi_text.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_iscsi_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
