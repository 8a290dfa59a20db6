file(REMOVE_RECURSE
  "CMakeFiles/boot_http_test.dir/http_test.c.o"
  "CMakeFiles/boot_http_test.dir/http_test.c.o.d"
  "boot_http_test"
  "boot_http_test.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/boot_http_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
