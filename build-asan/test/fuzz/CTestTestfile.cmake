# CMake generated Testfile for 
# Source directory: /work/main/test/fuzz
# Build directory: /work/main/build-asan/test/fuzz
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("boot")
subdirs("common")
subdirs("iscsi")
subdirs("scsi")
