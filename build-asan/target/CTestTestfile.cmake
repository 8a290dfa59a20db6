# CMake generated Testfile for 
# Source directory: /work/main/target
# Build directory: /work/main/build-asan/target
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("block")
subdirs("cli")
subdirs("daemon")
subdirs("iscsi")
subdirs("scsi")
