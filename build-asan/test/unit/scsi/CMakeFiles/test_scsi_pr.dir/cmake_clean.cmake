file(REMOVE_RECURSE
  "CMakeFiles/test_scsi_pr.dir/test_scsi_pr.c.o"
  "CMakeFiles/test_scsi_pr.dir/test_scsi_pr.c.o.d"
  "test_scsi_pr"
  "test_scsi_pr.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_scsi_pr.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
