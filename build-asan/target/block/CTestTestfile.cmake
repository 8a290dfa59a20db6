# CMake generated Testfile for 
# Source directory: /work/main/target/block
# Build directory: /work/main/build-asan/target/block
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
