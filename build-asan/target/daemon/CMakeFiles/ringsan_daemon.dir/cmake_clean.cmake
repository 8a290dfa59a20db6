file(REMOVE_RECURSE
  "CMakeFiles/ringsan_daemon.dir/luns.c.o"
  "CMakeFiles/ringsan_daemon.dir/luns.c.o.d"
  "CMakeFiles/ringsan_daemon.dir/netconn.c.o"
  "CMakeFiles/ringsan_daemon.dir/netconn.c.o.d"
  "CMakeFiles/ringsan_daemon.dir/serve.c.o"
  "CMakeFiles/ringsan_daemon.dir/serve.c.o.d"
  "CMakeFiles/ringsan_daemon.dir/server.c.o"
  "CMakeFiles/ringsan_daemon.dir/server.c.o.d"
  "CMakeFiles/ringsan_daemon.dir/worker.c.o"
  "CMakeFiles/ringsan_daemon.dir/worker.c.o.d"
  "libringsan_daemon.a"
  "libringsan_daemon.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_daemon.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
