file(REMOVE_RECURSE
  "CMakeFiles/fuzz_iscsi_framer.dir/__/replay.c.o"
  "CMakeFiles/fuzz_iscsi_framer.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_iscsi_framer.dir/fuzz_framer.c.o"
  "CMakeFiles/fuzz_iscsi_framer.dir/fuzz_framer.c.o.d"
  "fuzz_iscsi_framer"
  "fuzz_iscsi_framer.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_iscsi_framer.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
