file(REMOVE_RECURSE
  "libringsan_iscsi_core.a"
)
