# CMake generated Testfile for 
# Source directory: /work/main/test/integration/vm
# Build directory: /work/main/build-asan/test/integration/vm
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[vm_sanboot_tgt]=] "bash" "/work/main/test/vm/test-sanboot-tgt.sh")
set_tests_properties([=[vm_sanboot_tgt]=] PROPERTIES  LABELS "vm" RUN_SERIAL "TRUE" SKIP_RETURN_CODE "77" TIMEOUT "900" _BACKTRACE_TRIPLES "/work/main/test/integration/vm/CMakeLists.txt;7;add_test;/work/main/test/integration/vm/CMakeLists.txt;0;")
add_test([=[vm_pxe_tgt]=] "bash" "/work/main/test/vm/test-pxe-tgt.sh")
set_tests_properties([=[vm_pxe_tgt]=] PROPERTIES  LABELS "vm" RUN_SERIAL "TRUE" SKIP_RETURN_CODE "77" TIMEOUT "1200" _BACKTRACE_TRIPLES "/work/main/test/integration/vm/CMakeLists.txt;11;add_test;/work/main/test/integration/vm/CMakeLists.txt;0;")
add_test([=[vm_sanboot_ringsan]=] "bash" "/work/main/test/vm/test-sanboot.sh" "ringsan")
set_tests_properties([=[vm_sanboot_ringsan]=] PROPERTIES  ENVIRONMENT "RINGSAN=/work/main/build-asan/target/cli/ringsan" LABELS "vm" RUN_SERIAL "TRUE" SKIP_RETURN_CODE "77" TIMEOUT "900" _BACKTRACE_TRIPLES "/work/main/test/integration/vm/CMakeLists.txt;16;add_test;/work/main/test/integration/vm/CMakeLists.txt;0;")
