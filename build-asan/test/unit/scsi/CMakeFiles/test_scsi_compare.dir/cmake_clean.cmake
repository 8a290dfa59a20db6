file(REMOVE_RECURSE
  "CMakeFiles/test_scsi_compare.dir/test_scsi_compare.c.o"
  "CMakeFiles/test_scsi_compare.dir/test_scsi_compare.c.o.d"
  "test_scsi_compare"
  "test_scsi_compare.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_scsi_compare.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
