# CMake generated Testfile for 
# Source directory: /work/main/test/unit/common
# Build directory: /work/main/build-asan/test/unit/common
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[test_size]=] "/work/main/build-asan/test/unit/common/test_size")
set_tests_properties([=[test_size]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/common/CMakeLists.txt;2;ringsan_unit_test;/work/main/test/unit/common/CMakeLists.txt;0;")
add_test([=[test_name]=] "/work/main/build-asan/test/unit/common/test_name")
set_tests_properties([=[test_name]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/common/CMakeLists.txt;3;ringsan_unit_test;/work/main/test/unit/common/CMakeLists.txt;0;")
add_test([=[test_lunid]=] "/work/main/build-asan/test/unit/common/test_lunid")
set_tests_properties([=[test_lunid]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/common/CMakeLists.txt;4;ringsan_unit_test;/work/main/test/unit/common/CMakeLists.txt;0;")
add_test([=[test_config]=] "/work/main/build-asan/test/unit/common/test_config")
set_tests_properties([=[test_config]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/common/CMakeLists.txt;5;ringsan_unit_test;/work/main/test/unit/common/CMakeLists.txt;0;")
add_test([=[test_lunfile]=] "/work/main/build-asan/test/unit/common/test_lunfile")
set_tests_properties([=[test_lunfile]=] PROPERTIES  LABELS "unit" SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;49;add_test;/work/main/test/unit/common/CMakeLists.txt;6;ringsan_unit_test;/work/main/test/unit/common/CMakeLists.txt;0;")
