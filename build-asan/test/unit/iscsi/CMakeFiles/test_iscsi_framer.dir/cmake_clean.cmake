file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_framer.dir/test_framer.c.o"
  "CMakeFiles/test_iscsi_framer.dir/test_framer.c.o.d"
  "test_iscsi_framer"
  "test_iscsi_framer.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_framer.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
