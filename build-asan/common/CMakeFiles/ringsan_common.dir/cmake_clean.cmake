file(REMOVE_RECURSE
  "CMakeFiles/ringsan_common.dir/config.c.o"
  "CMakeFiles/ringsan_common.dir/config.c.o.d"
  "CMakeFiles/ringsan_common.dir/config_keys.c.o"
  "CMakeFiles/ringsan_common.dir/config_keys.c.o.d"
  "CMakeFiles/ringsan_common.dir/config_print.c.o"
  "CMakeFiles/ringsan_common.dir/config_print.c.o.d"
  "CMakeFiles/ringsan_common.dir/config_rules.c.o"
  "CMakeFiles/ringsan_common.dir/config_rules.c.o.d"
  "CMakeFiles/ringsan_common.dir/config_values.c.o"
  "CMakeFiles/ringsan_common.dir/config_values.c.o.d"
  "CMakeFiles/ringsan_common.dir/log.c.o"
  "CMakeFiles/ringsan_common.dir/log.c.o.d"
  "CMakeFiles/ringsan_common.dir/loop.c.o"
  "CMakeFiles/ringsan_common.dir/loop.c.o.d"
  "CMakeFiles/ringsan_common.dir/lunfile.c.o"
  "CMakeFiles/ringsan_common.dir/lunfile.c.o.d"
  "CMakeFiles/ringsan_common.dir/lunfile_build.c.o"
  "CMakeFiles/ringsan_common.dir/lunfile_build.c.o.d"
  "CMakeFiles/ringsan_common.dir/lunfile_clone.c.o"
  "CMakeFiles/ringsan_common.dir/lunfile_clone.c.o.d"
  "CMakeFiles/ringsan_common.dir/lunfile_ops.c.o"
  "CMakeFiles/ringsan_common.dir/lunfile_ops.c.o.d"
  "CMakeFiles/ringsan_common.dir/lunid.c.o"
  "CMakeFiles/ringsan_common.dir/lunid.c.o.d"
  "CMakeFiles/ringsan_common.dir/name.c.o"
  "CMakeFiles/ringsan_common.dir/name.c.o.d"
  "CMakeFiles/ringsan_common.dir/pidfile.c.o"
  "CMakeFiles/ringsan_common.dir/pidfile.c.o.d"
  "CMakeFiles/ringsan_common.dir/size.c.o"
  "CMakeFiles/ringsan_common.dir/size.c.o.d"
  "libringsan_common.a"
  "libringsan_common.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_common.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
