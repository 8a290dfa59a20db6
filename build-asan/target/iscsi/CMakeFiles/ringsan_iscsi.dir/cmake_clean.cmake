file(REMOVE_RECURSE
  "CMakeFiles/ringsan_iscsi.dir/conn.c.o"
  "CMakeFiles/ringsan_iscsi.dir/conn.c.o.d"
  "CMakeFiles/ringsan_iscsi.dir/session.c.o"
  "CMakeFiles/ringsan_iscsi.dir/session.c.o.d"
  "libringsan_iscsi.a"
  "libringsan_iscsi.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/ringsan_iscsi.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
