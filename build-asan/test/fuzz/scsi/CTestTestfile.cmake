# CMake generated Testfile for 
# Source directory: /work/main/test/fuzz/scsi
# Build directory: /work/main/build-asan/test/fuzz/scsi
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[fuzz_scsi_cdb]=] "/work/main/build-asan/test/fuzz/scsi/fuzz_scsi_cdb" "/work/main/test/fuzz/scsi/corpus")
set_tests_properties([=[fuzz_scsi_cdb]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/scsi/CMakeLists.txt;3;ringsan_fuzz_target;/work/main/test/fuzz/scsi/CMakeLists.txt;0;")
add_test([=[fuzz_scsi_pr]=] "/work/main/build-asan/test/fuzz/scsi/fuzz_scsi_pr" "/work/main/test/fuzz/scsi/corpus_pr")
set_tests_properties([=[fuzz_scsi_pr]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/scsi/CMakeLists.txt;6;ringsan_fuzz_target;/work/main/test/fuzz/scsi/CMakeLists.txt;0;")
