file(REMOVE_RECURSE
  "CMakeFiles/fuzz_scsi_cdb.dir/__/replay.c.o"
  "CMakeFiles/fuzz_scsi_cdb.dir/__/replay.c.o.d"
  "CMakeFiles/fuzz_scsi_cdb.dir/fuzz_scsi_cdb.c.o"
  "CMakeFiles/fuzz_scsi_cdb.dir/fuzz_scsi_cdb.c.o.d"
  "fuzz_scsi_cdb"
  "fuzz_scsi_cdb.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/fuzz_scsi_cdb.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
