file(REMOVE_RECURSE
  "libringsan_daemon.a"
)
