# CMake generated Testfile for 
# Source directory: /work/main/test
# Build directory: /work/main/build-asan/test
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("fuzz")
subdirs("integration")
subdirs("unit")
