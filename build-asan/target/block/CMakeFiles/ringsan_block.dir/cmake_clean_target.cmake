file(REMOVE_RECURSE
  "libringsan_block.a"
)
