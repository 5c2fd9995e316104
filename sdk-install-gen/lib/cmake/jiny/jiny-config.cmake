# jiny-config.cmake - CMake face of the Jiny SDK at /tmp/jinyp
# (generated from pkgconfig/jiny-config.cmake.in by pkgconfig/sdk.cmake).
#
#   find_package(jiny REQUIRED)                  # CMAKE_PREFIX_PATH=<sdk prefix>
#   jiny_add_executable(app main.c util.c)       # app is a bootable Jiny image
# or, for an executable made some other way:
#   target_link_libraries(app PRIVATE jiny::jiny)
#
# Builds exactly as `gcc app.c $(pkg-config --libs jiny)` does: with gcc the
# flag is -specs=jiny.specs; with clang the spelled-out flags of jiny.pc's
# clang_cflags/clang_libs. Only C (and gcc-assembled .S) sources are supported.

set(JINY_VERSION "0.1.0")
set(JINY_PREFIX "/tmp/jinyp")
set(JINY_LIBDIR "${JINY_PREFIX}/lib")
set(JINY_INCLUDE_DIR "${JINY_PREFIX}/include")
set(JINY_SPECS "${JINY_LIBDIR}/jiny.specs")
set(JINY_LDSCRIPT "${JINY_LIBDIR}/jiny.ld")
set(JINY_RUN "${JINY_PREFIX}/bin/jiny-run")
set(JINY_MUSL_VERSION "1.2.3")

if(NOT TARGET jiny::jiny)
  add_library(jiny::jiny INTERFACE IMPORTED)
  set(_jiny_gnu "-specs=${JINY_SPECS}")
  set(_jiny_clang_cflags -nostdlibinc "SHELL:-isystem ${JINY_INCLUDE_DIR}" -fno-omit-frame-pointer)
  # Before the objects: link mode, script, start files.
  set(_jiny_clang_ldflags -static -nostdlib "-Wl,-T,${JINY_LDSCRIPT}" -Wl,--gc-sections
      "${JINY_LIBDIR}/crt1.o" "${JINY_LIBDIR}/crti.o" "/usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o" "-L${JINY_LIBDIR}")
  # After the objects and libraries: one item, so CMake keeps it whole and last.
  set(_jiny_clang_ldlibs
      "-Wl,--start-group,-ljiny,-lc,/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a,/usr/lib/gcc/x86_64-linux-gnu/12/libgcc_eh.a,--end-group,/usr/lib/gcc/x86_64-linux-gnu/12/crtend.o,${JINY_LIBDIR}/crtn.o")
  set(_jiny_copts "$<$<COMPILE_LANG_AND_ID:C,GNU>:${_jiny_gnu}>" "$<$<COMPILE_LANG_AND_ID:ASM,GNU>:${_jiny_gnu}>")
  foreach(f IN LISTS _jiny_clang_cflags)
    list(APPEND _jiny_copts "$<$<COMPILE_LANG_AND_ID:C,Clang>:${f}>")
  endforeach()
  set(_jiny_lopts "$<$<LINK_LANG_AND_ID:C,GNU>:${_jiny_gnu}>")
  foreach(f IN LISTS _jiny_clang_ldflags)
    list(APPEND _jiny_lopts "$<$<LINK_LANG_AND_ID:C,Clang>:${f}>")
  endforeach()
  set_target_properties(jiny::jiny PROPERTIES
    INTERFACE_COMPILE_OPTIONS "${_jiny_copts}"
    INTERFACE_LINK_OPTIONS "${_jiny_lopts}"
    INTERFACE_LINK_LIBRARIES "$<$<LINK_LANG_AND_ID:C,Clang>:${_jiny_clang_ldlibs}>")
  foreach(v gnu clang_cflags clang_ldflags clang_ldlibs copts lopts)
    unset(_jiny_${v})
  endforeach()
endif()

# jiny_add_executable(name source...): add_executable + jiny::jiny, relinked
# whenever the kernel, libc, link script or specs change.
function(jiny_add_executable name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE jiny::jiny)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS
    "${JINY_LIBDIR}/libjiny.a" "${JINY_LIBDIR}/libc.a" "${JINY_LDSCRIPT}" "${JINY_SPECS}")
  if(TARGET jiny-sdk)   # inside Jiny's own build: wait for the SDK to be staged
    add_dependencies(${name} jiny-sdk)
  endif()
endfunction()
