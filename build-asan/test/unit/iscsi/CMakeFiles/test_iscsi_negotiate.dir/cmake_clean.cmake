file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_negotiate.dir/test_negotiate.c.o"
  "CMakeFiles/test_iscsi_negotiate.dir/test_negotiate.c.o.d"
  "test_iscsi_negotiate"
  "test_iscsi_negotiate.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_negotiate.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
