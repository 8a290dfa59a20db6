file(REMOVE_RECURSE
  "CMakeFiles/boot_menu_test.dir/menu_test.c.o"
  "CMakeFiles/boot_menu_test.dir/menu_test.c.o.d"
  "boot_menu_test"
  "boot_menu_test.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_menu_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
