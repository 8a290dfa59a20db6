# CMake generated Testfile for 
# Source directory: /work/main/target/scsi
# Build directory: /work/main/build-asan/target/scsi
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
