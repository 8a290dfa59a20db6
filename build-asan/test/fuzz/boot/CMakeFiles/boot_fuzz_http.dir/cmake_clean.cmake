file(REMOVE_RECURSE
  "CMakeFiles/boot_fuzz_http.dir/__/replay.c.o"
  "CMakeFiles/boot_fuzz_http.dir/__/replay.c.o.d"
  "CMakeFiles/boot_fuzz_http.dir/fuzz_http.c.o"
  "CMakeFiles/boot_fuzz_http.dir/fuzz_http.c.o.d"
  "boot_fuzz_http"
  "boot_fuzz_http.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_fuzz_http.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
