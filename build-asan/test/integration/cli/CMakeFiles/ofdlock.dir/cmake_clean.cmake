file(REMOVE_RECURSE
  "CMakeFiles/ofdlock.dir/ofdlock.c.o"
  "CMakeFiles/ofdlock.dir/ofdlock.c.o.d"
  "ofdlock"
  "ofdlock.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ofdlock.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
