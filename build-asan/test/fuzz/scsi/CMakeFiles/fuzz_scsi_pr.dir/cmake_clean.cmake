file(REMOVE_RECURSE
  "CMakeFiles/fuzz_scsi_pr.dir/__/replay.c.o"
  "CMakeFiles/fuzz_scsi_pr.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_scsi_pr.dir/fuzz_scsi_pr.c.o"
  "CMakeFiles/fuzz_scsi_pr.dir/fuzz_scsi_pr.c.o.d"
  "fuzz_scsi_pr"
  "fuzz_scsi_pr.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_scsi_pr.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
