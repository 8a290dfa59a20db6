file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_login.dir/test_login.c.o"
  "CMakeFiles/test_iscsi_login.dir/test_login.c.o.d"
  "test_iscsi_login"
  "test_iscsi_login.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_login.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
