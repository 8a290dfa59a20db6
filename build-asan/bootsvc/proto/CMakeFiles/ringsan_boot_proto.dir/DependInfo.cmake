
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/bootsvc/proto/dhcp.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/dhcp.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/dhcp.c.o.d"
  "/work/main/bootsvc/proto/http.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/http.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/http.c.o.d"
  "/work/main/bootsvc/proto/lease.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/lease.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/lease.c.o.d"
  "/work/main/bootsvc/proto/menu.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/menu.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/menu.c.o.d"
  "/work/main/bootsvc/proto/pxe.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/pxe.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/pxe.c.o.d"
  "/work/main/bootsvc/proto/tftp.c" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/tftp.c.o" "gcc" "bootsvc/proto/CMakeFiles/ringsan_boot_proto.dir/tftp.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
