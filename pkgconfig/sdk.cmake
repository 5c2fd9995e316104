# sdk.cmake - the SDK's toolchain face: GCC specs, pkg-config file, CMake
# package, jiny-run, and the install rules. Included by the top-level
# CMakeLists.txt after musl.cmake and the libjiny rules.
#
# Each generated file exists in two flavours from one template:
#   build tree  ${JINY_SDK_DIR}/lib/{jiny.specs,pkgconfig/jiny.pc,cmake/jiny/}
#               written at configure time, paths into ${JINY_SDK_DIR};
#   installed   `cmake --install <build> --prefix P` writes them with P's paths,
#               generated in <build>/sdk-install-gen/lib, then copied into P.
# Templates: ld/jiny.specs.in, pkgconfig/jiny.pc.in, pkgconfig/jiny-config.cmake.in.
#
# Defines:
#   target   jiny-sdk      the whole staged SDK (musl, libjiny, headers, bin/)
#   function jiny_add_executable(name src...)   (from the build-tree config)
#   function jiny_add_rootfs(name dir)          a directory linked in as the root tree
#   target   jiny::jiny    imported usage requirements of a Jiny image

include(CMakePackageConfigHelpers)

# gcc's own start/end files and libgcc, spelled out for clang (no specs).
foreach(f crtbegin.o crtend.o libgcc.a libgcc_eh.a)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${f}
    OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT IS_ABSOLUTE "${path}" OR NOT EXISTS "${path}")
    set(path "")
  endif()
  string(REGEX REPLACE "[.].*" "" v ${f})
  string(TOUPPER ${v} v)
  set(JINY_GCC_${v} "${path}")
endforeach()
if(NOT JINY_GCC_CRTBEGIN OR NOT JINY_GCC_CRTEND OR NOT JINY_GCC_LIBGCC)
  message(FATAL_ERROR "sdk: ${CMAKE_C_COMPILER} does not say where crtbegin.o, crtend.o and libgcc.a are")
endif()
string(STRIP "${JINY_GCC_LIBGCC} ${JINY_GCC_LIBGCC_EH}" JINY_GCC_LIBGCC)   # libgcc_eh if present
string(REPLACE " " "," JINY_GCC_LIBGCC_COMMA "${JINY_GCC_LIBGCC}")

# Everything the templates use besides the prefix.
set(_jiny_sdk_vars JINY_VERSION JINY_MUSL_VERSION JINY_GCC_CRTBEGIN JINY_GCC_CRTEND
    JINY_GCC_LIBGCC JINY_GCC_LIBGCC_COMMA)

# jiny_sdk_generate(prefix libdir): the three files for an SDK at `prefix`,
# written to libdir/jiny.specs, libdir/pkgconfig/jiny.pc and
# libdir/cmake/jiny/jiny-config.cmake. Also run by the install script, so it
# uses only its arguments, JINY_SRC and the variables above.
set(_jiny_sdk_generate [=[
function(jiny_sdk_generate prefix libdir)
  set(JINY_CFG_PREFIX "${prefix}")
  set(JINY_SPECS_PREFIX "${prefix}")
  set(JINY_SPECS_LIBDIR "${prefix}/lib")
  set(JINY_SPECS_INCDIR "${prefix}/include")
  configure_file("${JINY_SRC}/ld/jiny.specs.in" "${libdir}/jiny.specs" @ONLY)
  configure_file("${JINY_SRC}/ld/jiny-musl-malloc.specs.in" "${libdir}/jiny-musl-malloc.specs" @ONLY)
  configure_file("${JINY_SRC}/pkgconfig/jiny.pc.in" "${libdir}/pkgconfig/jiny.pc" @ONLY)
  configure_file("${JINY_SRC}/pkgconfig/jiny-config.cmake.in" "${libdir}/cmake/jiny/jiny-config.cmake" @ONLY)
endfunction()
]=])
set(JINY_SRC ${CMAKE_SOURCE_DIR})
cmake_language(EVAL CODE "${_jiny_sdk_generate}")

# ---- build-tree flavour ----
jiny_sdk_generate(${JINY_SDK_DIR} ${JINY_SDK_DIR}/lib)
write_basic_package_version_file(${JINY_SDK_DIR}/lib/cmake/jiny/jiny-config-version.cmake
  VERSION ${JINY_VERSION} COMPATIBILITY SameMinorVersion)

set(_jiny_sdk_outputs "")
set(_jiny_tools jiny-run jiny-mkrootfs)
foreach(t IN LISTS _jiny_tools)
  if(EXISTS ${CMAKE_SOURCE_DIR}/tools/${t})
    add_custom_command(OUTPUT ${JINY_SDK_DIR}/bin/${t}
      COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/tools/${t} ${JINY_SDK_DIR}/bin/${t}
      DEPENDS ${CMAKE_SOURCE_DIR}/tools/${t} VERBATIM)
    list(APPEND _jiny_sdk_outputs ${JINY_SDK_DIR}/bin/${t})
  endif()
endforeach()
add_custom_target(jiny-sdk ALL DEPENDS ${_jiny_sdk_outputs})
add_dependencies(jiny-sdk musl mimalloc libjiny jiny-headers)

# jiny_add_executable() and jiny::jiny for Jiny's own tests and samples.
include(${JINY_SDK_DIR}/lib/cmake/jiny/jiny-config.cmake)

# ---- installed flavour: cmake --install <build> --prefix P ----
install(FILES
  ${JINY_SDK_DIR}/lib/libjiny.a ${JINY_SDK_DIR}/lib/jiny.ld
  ${JINY_LIBC} ${JINY_MUSL_CRT}
  DESTINATION lib)
install(DIRECTORY ${JINY_SDK_DIR}/lib/ DESTINATION lib   # musl's other crt*.o, libm.a, ...
  FILES_MATCHING PATTERN "*.a" PATTERN "*.o"
  PATTERN pkgconfig EXCLUDE PATTERN cmake EXCLUDE)
install(DIRECTORY ${JINY_SDK_DIR}/include/ DESTINATION include)   # musl + jiny/
install(FILES ${JINY_SDK_DIR}/share/doc/musl/COPYRIGHT DESTINATION share/doc/musl)
install(FILES ${JINY_SDK_DIR}/share/doc/mimalloc/LICENSE DESTINATION share/doc/mimalloc)
install(FILES ${JINY_SDK_DIR}/share/doc/lwip/COPYING DESTINATION share/doc/lwip)  # lwIP is inside libjiny.a
install(FILES ${JINY_SDK_DIR}/lib/cmake/jiny/jiny-config-version.cmake DESTINATION lib/cmake/jiny)
foreach(t IN LISTS _jiny_tools)
  if(EXISTS ${CMAKE_SOURCE_DIR}/tools/${t})
    install(PROGRAMS ${CMAKE_SOURCE_DIR}/tools/${t} DESTINATION bin)
  endif()
endforeach()

# The install script runs in whatever directory `cmake --install` is started
# from (its CMAKE_CURRENT_BINARY_DIR): it writes its files under the build
# tree, a path fixed here, never into that directory.
set(_jiny_install_code "set(JINY_SRC \"${CMAKE_SOURCE_DIR}\")\n")
string(APPEND _jiny_install_code "set(_lib \"${CMAKE_BINARY_DIR}/sdk-install-gen/lib\")\n")
foreach(v IN LISTS _jiny_sdk_vars)
  string(APPEND _jiny_install_code "set(${v} \"${${v}}\")\n")
endforeach()
string(APPEND _jiny_install_code "${_jiny_sdk_generate}" [=[
jiny_sdk_generate("${CMAKE_INSTALL_PREFIX}" "${_lib}")
file(INSTALL "${_lib}/jiny.specs" "${_lib}/jiny-musl-malloc.specs" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib")
file(INSTALL "${_lib}/pkgconfig/jiny.pc" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/pkgconfig")
file(INSTALL "${_lib}/cmake/jiny/jiny-config.cmake" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/cmake/jiny")
]=])
install(CODE "${_jiny_install_code}")
