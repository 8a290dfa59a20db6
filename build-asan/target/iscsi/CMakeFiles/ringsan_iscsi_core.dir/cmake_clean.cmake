file(REMOVE_RECURSE
  "CMakeFiles/ringsan_iscsi_core.dir/chap.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/chap.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/crc32c.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/crc32c.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/framer.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/framer.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/login.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/login.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/negotiate.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/negotiate.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/pdu.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/pdu.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/sendtargets.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/sendtargets.c.o.d"
  "CMakeFiles/ringsan_iscsi_core.dir/text.c.o"
  "CMakeFiles/ringsan_iscsi_core.dir/text.c.o.d"
  "libringsan_iscsi_core.a"
  "libringsan_iscsi_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_iscsi_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
