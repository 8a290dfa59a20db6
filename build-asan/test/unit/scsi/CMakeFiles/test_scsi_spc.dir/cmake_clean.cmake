file(REMOVE_RECURSE
  "CMakeFiles/test_scsi_spc.dir/test_scsi_spc.c.o"
  "CMakeFiles/test_scsi_spc.dir/test_scsi_spc.c.o.d"
  "test_scsi_spc"
  "test_scsi_spc.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_scsi_spc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
