# CMake package config of the loyalty C library, as scripts/install-c.sh installs it under
# PREFIX/lib/cmake/loyalty: find_package(loyalty CONFIG REQUIRED) with PREFIX in
# CMAKE_PREFIX_PATH, then target_link_libraries(app PRIVATE loyalty::loyalty) (the static
# library, its header, and the system libraries it needs). It locates itself, so the installed
# tree can be moved.
get_filename_component(LOYALTY_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET loyalty::loyalty)
  add_library(loyalty::loyalty STATIC IMPORTED)
  set_target_properties(loyalty::loyalty PROPERTIES
    IMPORTED_LOCATION "${LOYALTY_PREFIX}/lib/libloyalty.a"
    INTERFACE_INCLUDE_DIRECTORIES "${LOYALTY_PREFIX}/include"
    INTERFACE_LINK_LIBRARIES "pthread;dl;m")
endif()

set(loyalty_VERSION 0.1.0)
set(loyalty_FOUND TRUE)
