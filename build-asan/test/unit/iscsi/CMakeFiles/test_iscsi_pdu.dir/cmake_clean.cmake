file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_pdu.dir/test_pdu.c.o"
  "CMakeFiles/test_iscsi_pdu.dir/test_pdu.c.o.d"
  "test_iscsi_pdu"
  "test_iscsi_pdu.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_pdu.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
