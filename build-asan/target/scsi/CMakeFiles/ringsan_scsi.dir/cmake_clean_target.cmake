file(REMOVE_RECURSE
  "libringsan_scsi.a"
)
