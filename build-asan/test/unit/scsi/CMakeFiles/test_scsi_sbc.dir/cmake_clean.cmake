file(REMOVE_RECURSE
  "CMakeFiles/test_scsi_sbc.dir/test_scsi_sbc.c.o"
  "CMakeFiles/test_scsi_sbc.dir/test_scsi_sbc.c.o.d"
  "test_scsi_sbc"
  "test_scsi_sbc.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_scsi_sbc.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
