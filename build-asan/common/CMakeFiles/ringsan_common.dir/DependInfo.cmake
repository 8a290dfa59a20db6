
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/common/config.c" "common/CMakeFiles/ringsan_common.dir/config.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/config.c.o.d"
  "/work/main/common/config_keys.c" "common/CMakeFiles/ringsan_common.dir/config_keys.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/config_keys.c.o.d"
  "/work/main/common/config_print.c" "common/CMakeFiles/ringsan_common.dir/config_print.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/config_print.c.o.d"
  "/work/main/common/config_rules.c" "common/CMakeFiles/ringsan_common.dir/config_rules.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/config_rules.c.o.d"
  "/work/main/common/config_values.c" "common/CMakeFiles/ringsan_common.dir/config_values.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/config_values.c.o.d"
  "/work/main/common/log.c" "common/CMakeFiles/ringsan_common.dir/log.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/log.c.o.d"
  "/work/main/common/loop.c" "common/CMakeFiles/ringsan_common.dir/loop.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/loop.c.o.d"
  "/work/main/common/lunfile.c" "common/CMakeFiles/ringsan_common.dir/lunfile.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/lunfile.c.o.d"
  "/work/main/common/lunfile_build.c" "common/CMakeFiles/ringsan_common.dir/lunfile_build.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/lunfile_build.c.o.d"
  "/work/main/common/lunfile_clone.c" "common/CMakeFiles/ringsan_common.dir/lunfile_clone.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/lunfile_clone.c.o.d"
  "/work/main/common/lunfile_ops.c" "common/CMakeFiles/ringsan_common.dir/lunfile_ops.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/lunfile_ops.c.o.d"
  "/work/main/common/lunid.c" "common/CMakeFiles/ringsan_common.dir/lunid.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/lunid.c.o.d"
  "/work/main/common/name.c" "common/CMakeFiles/ringsan_common.dir/name.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/name.c.o.d"
  "/work/main/common/pidfile.c" "common/CMakeFiles/ringsan_common.dir/pidfile.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/pidfile.c.o.d"
  "/work/main/common/size.c" "common/CMakeFiles/ringsan_common.dir/size.c.o" "gcc" "common/CMakeFiles/ringsan_common.dir/size.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
