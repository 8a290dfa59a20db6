file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_sendtargets.dir/test_sendtargets.c.o"
  "CMakeFiles/test_iscsi_sendtargets.dir/test_sendtargets.c.o.d"
  "test_iscsi_sendtargets"
  "test_iscsi_sendtargets.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_sendtargets.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
