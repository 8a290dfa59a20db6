
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/target/cli/cli_util.c" "target/cli/CMakeFiles/ringsan.dir/cli_util.c.o" "gcc" "target/cli/CMakeFiles/ringsan.dir/cli_util.c.o.d"
  "/work/main/target/cli/cmd_lun.c" "target/cli/CMakeFiles/ringsan.dir/cmd_lun.c.o" "gcc" "target/cli/CMakeFiles/ringsan.dir/cmd_lun.c.o.d"
  "/work/main/target/cli/cmd_serve.c" "target/cli/CMakeFiles/ringsan.dir/cmd_serve.c.o" "gcc" "target/cli/CMakeFiles/ringsan.dir/cmd_serve.c.o.d"
  "/work/main/target/cli/cmd_show.c" "target/cli/CMakeFiles/ringsan.dir/cmd_show.c.o" "gcc" "target/cli/CMakeFiles/ringsan.dir/cmd_show.c.o.d"
  "/work/main/target/cli/main.c" "target/cli/CMakeFiles/ringsan.dir/main.c.o" "gcc" "target/cli/CMakeFiles/ringsan.dir/main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/target/daemon/CMakeFiles/ringsan_daemon.dir/DependInfo.cmake"
  "/work/main/build-asan/common/CMakeFiles/ringsan_common.dir/DependInfo.cmake"
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi.dir/DependInfo.cmake"
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/DependInfo.cmake"
  "/work/main/build-asan/target/scsi/CMakeFiles/ringsan_scsi.dir/DependInfo.cmake"
  "/work/main/build-asan/target/block/CMakeFiles/ringsan_block.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
