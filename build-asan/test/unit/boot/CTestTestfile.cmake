# CMake generated Testfile for 
# Source directory: /work/main/test/unit/boot
# Build directory: /work/main/build-asan/test/unit/boot
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[boot_dhcp_test]=] "/work/main/build-asan/test/unit/boot/boot_dhcp_test")
set_tests_properties([=[boot_dhcp_test]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/boot/CMakeLists.txt;2;ringsan_unit_test;/work/main/test/unit/boot/CMakeLists.txt;0;")
add_test([=[boot_tftp_test]=] "/work/main/build-asan/test/unit/boot/boot_tftp_test")
set_tests_properties([=[boot_tftp_test]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/boot/CMakeLists.txt;3;ringsan_unit_test;/work/main/test/unit/boot/CMakeLists.txt;0;")
add_test([=[boot_http_test]=] "/work/main/build-asan/test/unit/boot/boot_http_test")
set_tests_properties([=[boot_http_test]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/boot/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/boot/CMakeLists.txt;0;")
add_test([=[boot_menu_test]=] "/work/main/build-asan/test/unit/boot/boot_menu_test")
set_tests_properties([=[boot_menu_test]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/boot/CMakeLists.txt;5;ringsan_unit_test;/work/main/test/unit/boot/CMakeLists.txt;0;")
