file(REMOVE_RECURSE
  "CMakeFiles/fuzz_iscsi_conn.dir/__/__/unit/iscsi/initiator.c.o"
  "CMakeFiles/fuzz_iscsi_conn.dir/__/__/unit/iscsi/initiator.c.o.d"
  "CMakeFiles/fuzz_iscsi_conn.dir/__/replay.c.o"
  "CMakeFiles/fuzz_iscsi_conn.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_iscsi_conn.dir/fuzz_conn.c.o"
  "CMakeFiles/fuzz_iscsi_conn.dir/fuzz_conn.c.o.d"
  "fuzz_iscsi_conn"
  "fuzz_iscsi_conn.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_iscsi_conn.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
