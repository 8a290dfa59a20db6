file(REMOVE_RECURSE
  "CMakeFiles/ringsan-boot.dir/dhcpd.c.o"
  "CMakeFiles/ringsan-boot.dir/dhcpd.c.o.d"
  "CMakeFiles/ringsan-boot.dir/httpd.c.o"
  "CMakeFiles/ringsan-boot.dir/httpd.c.o.d"
  "CMakeFiles/ringsan-boot.dir/main.c.o"
  "CMakeFiles/ringsan-boot.dir/main.c.o.d"
  "CMakeFiles/ringsan-boot.dir/model.c.o"
  "CMakeFiles/ringsan-boot.dir/model.c.o.d"
  "CMakeFiles/ringsan-boot.dir/setup.c.o"
  "CMakeFiles/ringsan-boot.dir/setup.c.o.d"
  "CMakeFiles/ringsan-boot.dir/tftpd.c.o"
  "CMakeFiles/ringsan-boot.dir/tftpd.c.o.d"
  "CMakeFiles/ringsan-boot.dir/util.c.o"
  "CMakeFiles/ringsan-boot.dir/util.c.o.d"
  "ringsan-boot"
  "ringsan-boot.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan-boot.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
