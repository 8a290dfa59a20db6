file(REMOVE_RECURSE
  "CMakeFiles/ringsan.dir/cli_util.c.o"
  "CMakeFiles/ringsan.dir/cli_util.c.o.d"
  "CMakeFiles/ringsan.dir/cmd_lun.c.o"
  "CMakeFiles/ringsan.dir/cmd_lun.c.o.d"
  "CMakeFiles/ringsan.dir/cmd_serve.c.o"
  "CMakeFiles/ringsan.dir/cmd_serve.c.o.d"
  "CMakeFiles/ringsan.dir/cmd_show.c.o"
  "CMakeFiles/ringsan.dir/cmd_show.c.o.d"
  "CMakeFiles/ringsan.dir/main.c.o"
  "CMakeFiles/ringsan.dir/main.c.o.d"
  "ringsan"
  "ringsan.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
