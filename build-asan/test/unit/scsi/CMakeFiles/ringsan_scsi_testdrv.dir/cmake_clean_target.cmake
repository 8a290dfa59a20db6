file(REMOVE_RECURSE
  "libringsan_scsi_testdrv.a"
)
