
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/bootsvc/daemon/dhcpd.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/dhcpd.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/dhcpd.c.o.d"
  "/work/main/bootsvc/daemon/httpd.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/httpd.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/httpd.c.o.d"
  "/work/main/bootsvc/daemon/main.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/main.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/main.c.o.d"
  "/work/main/bootsvc/daemon/model.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/model.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/model.c.o.d"
  "/work/main/bootsvc/daemon/setup.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/setup.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/setup.c.o.d"
  "/work/main/bootsvc/daemon/tftpd.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/tftpd.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/tftpd.c.o.d"
  "/work/main/bootsvc/daemon/util.c" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/util.c.o" "gcc" "bootsvc/daemon/CMakeFiles/ringsan-boot.dir/util.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-asan/bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/DependInfo.cmake"
  "/work/main/build-asan/common/CMakeFiles/ringsan_common.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
