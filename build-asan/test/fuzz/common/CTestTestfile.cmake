# CMake generated Testfile for 
# Source directory: /work/main/test/fuzz/common
# Build directory: /work/main/build-asan/test/fuzz/common
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[fuzz_config]=] "/work/main/build-asan/test/fuzz/common/fuzz_config" "/work/main/test/fuzz/common/corpus-config")
set_tests_properties([=[fuzz_config]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/common/CMakeLists.txt;2;ringsan_fuzz_target;/work/main/test/fuzz/common/CMakeLists.txt;0;")
add_test([=[fuzz_names]=] "/work/main/build-asan/test/fuzz/common/fuzz_names" "/work/main/test/fuzz/common/corpus-names")
set_tests_properties([=[fuzz_names]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/common/CMakeLists.txt;4;ringsan_fuzz_target;/work/main/test/fuzz/common/CMakeLists.txt;0;")
