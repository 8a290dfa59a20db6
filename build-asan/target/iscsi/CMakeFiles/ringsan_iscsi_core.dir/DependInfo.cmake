
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/target/iscsi/chap.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/chap.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/chap.c.o.d"
  "/work/main/target/iscsi/crc32c.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/crc32c.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/crc32c.c.o.d"
  "/work/main/target/iscsi/framer.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/framer.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/framer.c.o.d"
  "/work/main/target/iscsi/login.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/login.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/login.c.o.d"
  "/work/main/target/iscsi/negotiate.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/negotiate.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/negotiate.c.o.d"
  "/work/main/target/iscsi/pdu.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/pdu.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/pdu.c.o.d"
  "/work/main/target/iscsi/sendtargets.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/sendtargets.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/sendtargets.c.o.d"
  "/work/main/target/iscsi/text.c" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/text.c.o" "gcc" "target/iscsi/CMakeFiles/ringsan_iscsi_core.dir/text.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
