# CMake generated Testfile for 
# Source directory: /work/main/target/cli
# Build directory: /work/main/build-asan/target/cli
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
