file(REMOVE_RECURSE
  "CMakeFiles/test_iscsi_crc32c.dir/test_crc32c.c.o"
  "CMakeFiles/test_iscsi_crc32c.dir/test_crc32c.c.o.d"
  "test_iscsi_crc32c"
  "test_iscsi_crc32c.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_iscsi_crc32c.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
