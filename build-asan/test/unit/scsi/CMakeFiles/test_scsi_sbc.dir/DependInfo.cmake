
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/test/unit/scsi/test_scsi_sbc.c" "test/unit/scsi/CMakeFiles/test_scsi_sbc.dir/test_scsi_sbc.c.o" "gcc" "test/unit/scsi/CMakeFiles/test_scsi_sbc.dir/test_scsi_sbc.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/test/unit/scsi/CMakeFiles/ringsan_scsi_testdrv.dir/DependInfo.cmake"
  "/work/main/build-asan/target/scsi/CMakeFiles/ringsan_scsi.dir/DependInfo.cmake"
  "/work/main/build-asan/target/block/CMakeFiles/ringsan_block.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
