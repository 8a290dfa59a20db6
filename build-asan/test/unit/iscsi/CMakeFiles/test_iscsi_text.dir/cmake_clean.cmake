file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_text.dir/test_text.c.o"
  "CMakeFiles/test_iscsi_text.dir/test_text.c.o.d"
  "test_iscsi_text"
  "test_iscsi_text.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_text.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
