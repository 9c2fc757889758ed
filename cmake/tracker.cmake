# The tracker: the public library applications link to record their own operations
# (include/perfgate/tracker.hpp, src/tracker/). It needs only the C++17 standard library, POSIX
# and threads, because it is what users install: a CMake package (find_package(perfgate) gives
# perfgate::tracker) and a pkg-config file (perfgate-tracker).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

file(GLOB PERFGATE_TRACKER_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/tracker/*.cpp)
add_library(perfgate_tracker STATIC ${PERFGATE_TRACKER_SOURCES})
add_library(perfgate::tracker ALIAS perfgate_tracker)
target_include_directories(perfgate_tracker PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                                                   $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(perfgate_tracker PUBLIC Threads::Threads)
# Users may be on C++17; the library itself is built with the project's standard.
target_compile_features(perfgate_tracker PUBLIC cxx_std_17)
# Position independent, so that it can go into users' shared libraries.
set_target_properties(perfgate_tracker PROPERTIES POSITION_INDEPENDENT_CODE ON EXPORT_NAME tracker)

install(TARGETS perfgate_tracker EXPORT perfgateTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/perfgate/tracker.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/perfgate)
install(EXPORT perfgateTargets NAMESPACE perfgate:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perfgate)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/perfgateConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/perfgateConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perfgate)
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/perfgateConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/perfgateConfig.cmake ${PROJECT_BINARY_DIR}/perfgateConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perfgate)

# The .pc file finds its prefix from its own place (${pcfiledir}), so an install moved elsewhere,
# or made with `cmake --install --prefix`, still works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PERFGATE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(PERFGATE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _perfgate_pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" _perfgate_pc_up "${_perfgate_pc_up}")
  set(PERFGATE_PC_PREFIX "\${pcfiledir}/${_perfgate_pc_up}")
  set(PERFGATE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(PERFGATE_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(PERFGATE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/perfgate-tracker.pc.in ${PROJECT_BINARY_DIR}/perfgate-tracker.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/perfgate-tracker.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
