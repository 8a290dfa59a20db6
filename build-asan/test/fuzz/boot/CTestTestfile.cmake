# CMake generated Testfile for 
# Source directory: /work/main/test/fuzz/boot
# Build directory: /work/main/build-asan/test/fuzz/boot
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[boot_fuzz_dhcp]=] "/work/main/build-asan/test/fuzz/boot/boot_fuzz_dhcp" "/work/main/test/fuzz/boot/corpus-dhcp")
set_tests_properties([=[boot_fuzz_dhcp]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/boot/CMakeLists.txt;2;ringsan_fuzz_target;/work/main/test/fuzz/boot/CMakeLists.txt;0;")
add_test([=[boot_fuzz_tftp]=] "/work/main/build-asan/test/fuzz/boot/boot_fuzz_tftp" "/work/main/test/fuzz/boot/corpus-tftp")
set_tests_properties([=[boot_fuzz_tftp]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/boot/CMakeLists.txt;4;ringsan_fuzz_target;/work/main/test/fuzz/boot/CMakeLists.txt;0;")
add_test([=[boot_fuzz_http]=] "/work/main/build-asan/test/fuzz/boot/boot_fuzz_http" "/work/main/test/fuzz/boot/corpus-http")
set_tests_properties([=[boot_fuzz_http]=] PROPERTIES  LABELS "fuzz-replay" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;65;add_test;/work/main/test/fuzz/boot/CMakeLists.txt;6;ringsan_fuzz_target;/work/main/test/fuzz/boot/CMakeLists.txt;0;")
