file(REMOVE_RECURSE
  "CMakeFiles/test_scsi_cdb.dir/test_scsi_cdb.c.o"
  "CMakeFiles/test_scsi_cdb.dir/test_scsi_cdb.c.o.d"
  "test_scsi_cdb"
  "test_scsi_cdb.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_scsi_cdb.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
