file(REMOVE_RECURSE
  "CMakeFiles/boot_fuzz_dhcp.dir/__/replay.c.o"
  "CMakeFiles/boot_fuzz_dhcp.dir/__/replay.c.o.d"
  "CMakeFiles/boot_fuzz_dhcp.dir/fuzz_dhcp.c.o"
  "CMakeFiles/boot_fuzz_dhcp.dir/fuzz_dhcp.c.o.d"
  "boot_fuzz_dhcp"
  "boot_fuzz_dhcp.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_fuzz_dhcp.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
