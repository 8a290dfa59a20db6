# CMake generated Testfile for 
# Source directory: /work/main/bootsvc/daemon
# Build directory: /work/main/build-asan/bootsvc/daemon
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
