file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_conn.dir/initiator.c.o"
  "CMakeFiles/test_iscsi_conn.dir/initiator.c.o.d"
  "CMakeFiles/test_iscsi_conn.dir/test_conn.c.o"
  "CMakeFiles/test_iscsi_conn.dir/test_conn.c.o.d"
  "test_iscsi_conn"
  "test_iscsi_conn.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_conn.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
