file(REMOVE_RECURSE
  "libringsan_common.a"
)
