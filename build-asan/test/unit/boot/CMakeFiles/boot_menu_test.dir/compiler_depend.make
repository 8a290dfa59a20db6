# Empty compiler generated dependencies file for boot_menu_test.
# This may be replaced when dependencies are built.
