# CMake generated Testfile for 
# Source directory: /work/main/test/integration
# Build directory: /work/main/build-asan/test/integration
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("boot")
subdirs("cli")
subdirs("target")
subdirs("vm")
