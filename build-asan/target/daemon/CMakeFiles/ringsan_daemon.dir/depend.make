# Empty dependencies file for ringsan_daemon.
# This may be replaced when dependencies are built.
