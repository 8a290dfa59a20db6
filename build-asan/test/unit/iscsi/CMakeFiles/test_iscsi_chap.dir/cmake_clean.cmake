file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_chap.dir/test_chap.c.o"
  "CMakeFiles/test_iscsi_chap.dir/test_chap.c.o.d"
  "test_iscsi_chap"
  "test_iscsi_chap.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_chap.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
