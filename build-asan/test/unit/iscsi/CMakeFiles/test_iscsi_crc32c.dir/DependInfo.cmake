
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/test/unit/iscsi/test_crc32c.c" "test/unit/iscsi/CMakeFiles/test_iscsi_crc32c.dir/test_crc32c.c.o" "gcc" "test/unit/iscsi/CMakeFiles/test_iscsi_crc32c.dir/test_crc32c.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
