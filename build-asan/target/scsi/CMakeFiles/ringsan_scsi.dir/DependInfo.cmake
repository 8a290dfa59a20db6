
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/target/scsi/cdb.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/cdb.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/cdb.c.o.d"
  "/work/main/target/scsi/compare.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/compare.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/compare.c.o.d"
  "/work/main/target/scsi/lu.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/lu.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/lu.c.o.d"
  "/work/main/target/scsi/media.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/media.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/media.c.o.d"
  "/work/main/target/scsi/mode.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/mode.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/mode.c.o.d"
  "/work/main/target/scsi/pr.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr.c.o.d"
  "/work/main/target/scsi/pr_codec.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr_codec.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr_codec.c.o.d"
  "/work/main/target/scsi/pr_out.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr_out.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/pr_out.c.o.d"
  "/work/main/target/scsi/rlock.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/rlock.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/rlock.c.o.d"
  "/work/main/target/scsi/rsoc.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/rsoc.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/rsoc.c.o.d"
  "/work/main/target/scsi/sanitize.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/sanitize.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/sanitize.c.o.d"
  "/work/main/target/scsi/sbc.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/sbc.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/sbc.c.o.d"
  "/work/main/target/scsi/sense.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/sense.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/sense.c.o.d"
  "/work/main/target/scsi/spc.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/spc.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/spc.c.o.d"
  "/work/main/target/scsi/task.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/task.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/task.c.o.d"
  "/work/main/target/scsi/thin.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/thin.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/thin.c.o.d"
  "/work/main/target/scsi/vpd.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/vpd.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/vpd.c.o.d"
  "/work/main/target/scsi/xcopy.c" "target/scsi/CMakeFiles/ringsan_scsi.dir/xcopy.c.o" "gcc" "target/scsi/CMakeFiles/ringsan_scsi.dir/xcopy.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
