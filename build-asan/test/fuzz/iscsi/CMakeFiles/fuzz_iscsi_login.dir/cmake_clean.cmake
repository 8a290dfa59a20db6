file(REMOVE_RECURSE
  "CMakeFiles/fuzz_iscsi_login.dir/__/replay.c.o"
  "CMakeFiles/fuzz_iscsi_login.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_iscsi_login.dir/fuzz_login.c.o"
  "CMakeFiles/fuzz_iscsi_login.dir/fuzz_login.c.o.d"
  "fuzz_iscsi_login"
  "fuzz_iscsi_login.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_iscsi_login.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
