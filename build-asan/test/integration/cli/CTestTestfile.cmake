# CMake generated Testfile for 
# Source directory: /work/main/test/integration/cli
# Build directory: /work/main/build-asan/test/integration/cli
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[cli_lun]=] "bash" "/work/main/test/integration/cli/cli_test.sh" "/work/main/build-asan/target/cli/ringsan" "/work/main/build-asan/test/integration/cli/ofdlock")
set_tests_properties([=[cli_lun]=] PROPERTIES  LABELS "integration" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/cli/CMakeLists.txt;3;add_test;/work/main/test/integration/cli/CMakeLists.txt;0;")
