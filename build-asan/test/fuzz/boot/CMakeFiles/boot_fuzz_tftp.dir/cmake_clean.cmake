file(REMOVE_RECURSE
  "CMakeFiles/boot_fuzz_tftp.dir/__/replay.c.o"
  "CMakeFiles/boot_fuzz_tftp.dir/__/replay.c.o.d"
  "CMakeFiles/boot_fuzz_tftp.dir/fuzz_tftp.c.o"
  "CMakeFiles/boot_fuzz_tftp.dir/fuzz_tftp.c.o.d"
  "boot_fuzz_tftp"
  "boot_fuzz_tftp.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_fuzz_tftp.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
