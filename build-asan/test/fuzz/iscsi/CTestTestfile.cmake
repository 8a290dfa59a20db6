# CMake generated Testfile for 
# Source directory: /work/main/test/fuzz/iscsi
# Build directory: /work/main/build-asan/test/fuzz/iscsi
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[fuzz_iscsi_framer]=] "/work/main/build-asan/test/fuzz/iscsi/fuzz_iscsi_framer" "/work/main/test/fuzz/iscsi/corpus-framer")
set_tests_properties([=[fuzz_iscsi_framer]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/iscsi/CMakeLists.txt;3;ringsan_fuzz_target;/work/main/test/fuzz/iscsi/CMakeLists.txt;0;")
add_test([=[fuzz_iscsi_text]=] "/work/main/build-asan/test/fuzz/iscsi/fuzz_iscsi_text" "/work/main/test/fuzz/iscsi/corpus-text")
set_tests_properties([=[fuzz_iscsi_text]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/iscsi/CMakeLists.txt;3;ringsan_fuzz_target;/work/main/test/fuzz/iscsi/CMakeLists.txt;0;")
add_test([=[fuzz_iscsi_login]=] "/work/main/build-asan/test/fuzz/iscsi/fuzz_iscsi_login" "/work/main/test/fuzz/iscsi/corpus-login")
set_tests_properties([=[fuzz_iscsi_login]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/iscsi/CMakeLists.txt;3;ringsan_fuzz_target;/work/main/test/fuzz/iscsi/CMakeLists.txt;0;")
add_test([=[fuzz_iscsi_conn]=] "/work/main/build-asan/test/fuzz/iscsi/fuzz_iscsi_conn" "/work/main/test/fuzz/iscsi/corpus-conn")
set_tests_properties([=[fuzz_iscsi_conn]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/iscsi/CMakeLists.txt;10;ringsan_fuzz_target;/work/main/test/fuzz/iscsi/CMakeLists.txt;0;")
