# Empty compiler generated dependencies file for ringsan_boot_proto.
# This may be replaced when dependencies are built.
