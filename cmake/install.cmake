# `cmake --install`: the libraries, their headers under include/skyhaul and a
# CMake package, so that a CAF program can
#   find_package(skyhaul REQUIRED)
#   target_link_libraries(app PRIVATE skyhaul::runtime)
# and start Skyhaul's actors in its own actor_system (examples/embed/).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The runtime (actors/runtime.hpp) with everything it needs; the faces
# (skyhaul::http) are a separate choice.
add_library(skyhaul_runtime INTERFACE)
target_link_libraries(skyhaul_runtime INTERFACE skyhaul_actors)

set(skyhaul_exported skyhaul_base skyhaul_protocol skyhaul_storage
  skyhaul_actors skyhaul_http skyhaul_runtime)
foreach(lib IN LISTS skyhaul_exported)
  string(REPLACE "skyhaul_" "" short ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${short})
endforeach()

install(TARGETS ${skyhaul_exported} EXPORT skyhaulTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skyhaul)
install(TARGETS skyhauld RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The headers keep the source layout: "actors/runtime.hpp" and
# "protocol/actors.hpp" include as they do inside the tree.
install(DIRECTORY base protocol storage actors http
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skyhaul
  FILES_MATCHING PATTERN "*.hpp")

set(skyhaul_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/skyhaul)
install(EXPORT skyhaulTargets NAMESPACE skyhaul:: DESTINATION ${skyhaul_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/skyhaulConfig.cmake.in
  ${CMAKE_BINARY_DIR}/skyhaulConfig.cmake INSTALL_DESTINATION ${skyhaul_cmake_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/skyhaulConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/skyhaulConfig.cmake
  ${CMAKE_BINARY_DIR}/skyhaulConfigVersion.cmake DESTINATION ${skyhaul_cmake_dir})
