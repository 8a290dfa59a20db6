file(REMOVE_RECURSE
  "CMakeFiles/boot_tftp_test.dir/tftp_test.c.o"
  "CMakeFiles/boot_tftp_test.dir/tftp_test.c.o.d"
  "boot_tftp_test"
  "boot_tftp_test.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_tftp_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
