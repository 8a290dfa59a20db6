file(REMOVE_RECURSE
  "libringsan_boot_proto.a"
)
