# CMake generated Testfile for 
# Source directory: /work/main/test/integration/target
# Build directory: /work/main/build-asan/test/integration/target
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[target-test-basic]=] "bash" "/work/main/test/integration/target/test-basic.sh")
set_tests_properties([=[target-test-basic]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-chap]=] "bash" "/work/main/test/integration/target/test-chap.sh")
set_tests_properties([=[target-test-chap]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-conformance-full]=] "bash" "/work/main/test/integration/target/test-conformance-full.sh")
set_tests_properties([=[target-test-conformance-full]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-conformance]=] "bash" "/work/main/test/integration/target/test-conformance.sh")
set_tests_properties([=[target-test-conformance]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-durability]=] "bash" "/work/main/test/integration/target/test-durability.sh")
set_tests_properties([=[target-test-durability]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-hostile]=] "bash" "/work/main/test/integration/target/test-hostile.sh")
set_tests_properties([=[target-test-hostile]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-io-uring-off]=] "bash" "/work/main/test/integration/target/test-io-uring-off.sh")
set_tests_properties([=[target-test-io-uring-off]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "TRUE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
add_test([=[target-test-reload]=] "bash" "/work/main/test/integration/target/test-reload.sh")
set_tests_properties([=[target-test-reload]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "integration" RUN_SERIAL "FALSE" SKIP_RETURN_CODE "77" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/test/integration/target/CMakeLists.txt;10;add_test;/work/main/test/integration/target/CMakeLists.txt;0;")
