file(REMOVE_RECURSE
  "CMakeFiles/ringsan_boot_proto.dir/dhcp.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/dhcp.c.o.d"
  "CMakeFiles/ringsan_boot_proto.dir/http.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/http.c.o.d"
  "CMakeFiles/ringsan_boot_proto.dir/lease.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/lease.c.o.d"
  "CMakeFiles/ringsan_boot_proto.dir/menu.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/menu.c.o.d"
  "CMakeFiles/ringsan_boot_proto.dir/pxe.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/pxe.c.o.d"
  "CMakeFiles/ringsan_boot_proto.dir/tftp.c.o"
  "CMakeFiles/ringsan_boot_proto.dir/tftp.c.o.d"
  "libringsan_boot_proto.a"
  "libringsan_boot_proto.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_boot_proto.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
