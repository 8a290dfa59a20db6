# CMake generated Testfile for 
# Source directory: /work/main/bootsvc
# Build directory: /work/main/build-asan/bootsvc
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("daemon")
subdirs("proto")
