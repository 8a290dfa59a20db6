# CMake generated Testfile for 
# Source directory: /work/main/test/unit/scsi
# Build directory: /work/main/build-asan/test/unit/scsi
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_scsi_cdb]=] "/work/main/build-asan/test/unit/scsi/test_scsi_cdb")
set_tests_properties([=[test_scsi_cdb]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
add_test([=[test_scsi_spc]=] "/work/main/build-asan/test/unit/scsi/test_scsi_spc")
set_tests_properties([=[test_scsi_spc]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
add_test([=[test_scsi_sbc]=] "/work/main/build-asan/test/unit/scsi/test_scsi_sbc")
set_tests_properties([=[test_scsi_sbc]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
add_test([=[test_scsi_compare]=] "/work/main/build-asan/test/unit/scsi/test_scsi_compare")
set_tests_properties([=[test_scsi_compare]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
add_test([=[test_scsi_pr]=] "/work/main/build-asan/test/unit/scsi/test_scsi_pr")
set_tests_properties([=[test_scsi_pr]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
add_test([=[test_blk_mem]=] "/work/main/build-asan/test/unit/scsi/test_blk_mem")
set_tests_properties([=[test_blk_mem]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/scsi/CMakeLists.txt;7;ringsan_unit_test;/work/main/test/unit/scsi/CMakeLists.txt;0;")
