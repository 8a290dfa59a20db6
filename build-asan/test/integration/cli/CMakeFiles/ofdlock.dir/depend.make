# Empty dependencies file for ofdlock.
# This may be replaced when dependencies are built.
