# CMake generated Testfile for 
# Source directory: /work/main/test/unit/iscsi
# Build directory: /work/main/build-asan/test/unit/iscsi
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_iscsi_pdu]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_pdu")
set_tests_properties([=[test_iscsi_pdu]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_crc32c]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_crc32c")
set_tests_properties([=[test_iscsi_crc32c]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_framer]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_framer")
set_tests_properties([=[test_iscsi_framer]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_text]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_text")
set_tests_properties([=[test_iscsi_text]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_negotiate]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_negotiate")
set_tests_properties([=[test_iscsi_negotiate]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_chap]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_chap")
set_tests_properties([=[test_iscsi_chap]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_login]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_login")
set_tests_properties([=[test_iscsi_login]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_sendtargets]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_sendtargets")
set_tests_properties([=[test_iscsi_sendtargets]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
add_test([=[test_iscsi_conn]=] "/work/main/build-asan/test/unit/iscsi/test_iscsi_conn")
set_tests_properties([=[test_iscsi_conn]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/iscsi/CMakeLists.txt;8;ringsan_unit_test;/work/main/test/unit/iscsi/CMakeLists.txt;0;")
