file(REMOVE_RECURSE
  "CMakeFiles/boot_dhcp_test.dir/dhcp_test.c.o"
  "CMakeFiles/boot_dhcp_test.dir/dhcp_test.c.o.d"
  "boot_dhcp_test"
  "boot_dhcp_test.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_dhcp_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
