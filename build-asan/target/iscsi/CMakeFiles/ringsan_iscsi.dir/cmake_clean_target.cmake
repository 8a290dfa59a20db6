file(REMOVE_RECURSE
  "libringsan_iscsi.a"
)
