# CMake generated Testfile for 
# Source directory: /work/main/test/integration/boot
# Build directory: /work/main/build-asan/test/integration/boot
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[boot_integration]=] "bash" "/work/main/test/integration/boot/boot_test.sh" "/work/main/build-asan/bootsvc/daemon/ringsan-boot")
set_tests_properties([=[boot_integration]=] PROPERTIES  LABELS "integration" SKIP_RETURN_CODE "77" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/test/integration/boot/CMakeLists.txt;2;add_test;/work/main/test/integration/boot/CMakeLists.txt;0;")
