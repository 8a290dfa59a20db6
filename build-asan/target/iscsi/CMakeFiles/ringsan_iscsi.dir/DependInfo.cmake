
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/target/iscsi/conn.c" "target/iscsi/CMakeFiles/ringsan_iscsi.dir/conn.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi.dir/conn.c.o.d"
  "/work/main/target/iscsi/session.c" "target/iscsi/CMakeFiles/ringsan_iscsi.dir/session.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi.dir/session.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
