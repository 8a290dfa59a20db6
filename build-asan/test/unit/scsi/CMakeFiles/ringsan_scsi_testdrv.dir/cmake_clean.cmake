file(REMOVE_RECURSE
  "CMakeFiles/ringsan_scsi_testdrv.dir/scsi_driver.c.o"
  "CMakeFiles/ringsan_scsi_testdrv.dir/scsi_driver.c.o.d"
  "libringsan_scsi_testdrv.a"
  "libringsan_scsi_testdrv.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_scsi_testdrv.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
