
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/test/fuzz/replay.c" "test/fuzz/boot/CMakeFiles/boot_fuzz_dhcp.dir/__/replay.c.o" "gcc" "test/fuzz/boot/CMakeFiles/boot_fuzz_dhcp.dir/__/replay.c.o.d"
  "/work/main/test/fuzz/boot/fuzz_dhcp.c" "test/fuzz/boot/CMakeFiles/boot_fuzz_dhcp.dir/fuzz_dhcp.c.o" "gcc" "test/fuzz/boot/CMakeFiles/boot_fuzz_dhcp.dir/fuzz_dhcp.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
