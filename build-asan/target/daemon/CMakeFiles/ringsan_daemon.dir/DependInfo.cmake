
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/target/daemon/luns.c" "target/daemon/CMakeFiles/ringsan_daemon.dir/luns.c.o" "gcc" "target/daemon/CMakeFiles/ringsan_daemon.dir/luns.c.o.d"
  "/work/main/target/daemon/netconn.c" "target/daemon/CMakeFiles/ringsan_daemon.dir/netconn.c.o" "gcc" "target/daemon/CMakeFiles/ringsan_daemon.dir/netconn.c.o.d"
  "/work/main/target/daemon/serve.c" "target/daemon/CMakeFiles/ringsan_daemon.dir/serve.c.o" "gcc" "target/daemon/CMakeFiles/ringsan_daemon.dir/serve.c.o.d"
  "/work/main/target/daemon/server.c" "target/daemon/CMakeFiles/ringsan_daemon.dir/server.c.o" "gcc" "target/daemon/CMakeFiles/ringsan_daemon.dir/server.c.o.d"
  "/work/main/target/daemon/worker.c" "target/daemon/CMakeFiles/ringsan_daemon.dir/worker.c.o" "gcc" "target/daemon/CMakeFiles/ringsan_daemon.dir/worker.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi.dir/DependInfo.cmake"
  "/work/main/build-asan/target/scsi/CMakeFiles/ringsan_scsi.dir/DependInfo.cmake"
  "/work/main/build-asan/target/block/CMakeFiles/ringsan_block.dir/DependInfo.cmake"
  "/work/main/build-asan/common/CMakeFiles/ringsan_common.dir/DependInfo.cmake"
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
