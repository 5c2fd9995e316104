# musl.cmake - build musl 1.2.3 as the SDK's libc, with Jiny's syscall layer.
#
# Included by the top-level CMakeLists.txt. Defines:
#   target   musl              builds and installs musl into ${JINY_SDK_DIR}
#   variable JINY_MUSL_VERSION 1.2.3
#   variable JINY_LIBC         ${JINY_SDK_DIR}/lib/libc.a
#   variable JINY_MUSL_CRT     crt1.o crti.o crtn.o in ${JINY_SDK_DIR}/lib
#   variable JINY_MUSL_LOG     the build log (printed in part on failure)
# Headers land in ${JINY_SDK_DIR}/include. The steps themselves are in
# build-musl.cmake (run with cmake -P); README.md says what they change and why.
# The whole build is redone from the tarball whenever the tarball, a patch, an
# overlay file, syscalls.def or this recipe changes (~15-30 s).

set(JINY_MUSL_VERSION 1.2.3)
set(JINY_MUSL_TARBALL ${JINY_DEPS_DIR}/musl_${JINY_MUSL_VERSION}.orig.tar.gz)
set(JINY_MUSL_SHA256 7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4)
set(JINY_MUSL_DIR ${CMAKE_SOURCE_DIR}/third_party/musl)
set(JINY_MUSL_WORK ${CMAKE_BINARY_DIR}/musl)          # musl-src/, obj/, build.log
set(JINY_MUSL_LOG ${JINY_MUSL_WORK}/build.log)
set(JINY_MUSL_STAMP ${JINY_MUSL_WORK}/installed.stamp)
set(JINY_LIBC ${JINY_SDK_DIR}/lib/libc.a)
set(JINY_MUSL_CRT ${JINY_SDK_DIR}/lib/crt1.o ${JINY_SDK_DIR}/lib/crti.o ${JINY_SDK_DIR}/lib/crtn.o)

# Extra flags for musl, e.g. -g for a debuggable libc. The fixed ones are in
# build-musl.cmake: -fno-pic -fno-pie (the image is static, non-PIE, low 2 GiB)
# and -fno-omit-frame-pointer (backtraces through libc).
set(JINY_MUSL_EXTRA_CFLAGS "" CACHE STRING "extra CFLAGS for building musl")

if(NOT EXISTS ${JINY_MUSL_TARBALL})
  message(FATAL_ERROR "musl: ${JINY_MUSL_TARBALL} is missing; run tools/bootstrap-deps "
                      "(or point JINY_DEPS_DIR at a cache that has it)")
endif()

file(GLOB JINY_MUSL_PATCHES CONFIGURE_DEPENDS ${JINY_MUSL_DIR}/patches/*.patch)
list(SORT JINY_MUSL_PATCHES)
string(REPLACE ";" "|" _jiny_musl_patch_arg "${JINY_MUSL_PATCHES}")  # one argument
file(GLOB_RECURSE JINY_MUSL_OVERLAY CONFIGURE_DEPENDS ${JINY_MUSL_DIR}/overlay/*)

add_custom_command(
  OUTPUT ${JINY_MUSL_STAMP} ${JINY_LIBC} ${JINY_MUSL_CRT}
  COMMAND ${CMAKE_COMMAND}
    -DTARBALL=${JINY_MUSL_TARBALL}
    -DSHA256=${JINY_MUSL_SHA256}
    -DVERSION=${JINY_MUSL_VERSION}
    "-DPATCHES=${_jiny_musl_patch_arg}"
    -DOVERLAY=${JINY_MUSL_DIR}/overlay
    -DWORK=${JINY_MUSL_WORK}
    -DLOG=${JINY_MUSL_LOG}
    -DPREFIX=${JINY_SDK_DIR}
    -DSYSCALL_DIR=${CMAKE_SOURCE_DIR}/libjiny/syscall
    -DCC=${CMAKE_C_COMPILER}
    -DAR=${CMAKE_AR}
    -DRANLIB=${CMAKE_RANLIB}
    "-DEXTRA_CFLAGS=${JINY_MUSL_EXTRA_CFLAGS}"
    -DSTAMP=${JINY_MUSL_STAMP}
    -P ${JINY_MUSL_DIR}/build-musl.cmake
  DEPENDS
    ${JINY_MUSL_TARBALL} ${JINY_MUSL_PATCHES} ${JINY_MUSL_OVERLAY}
    ${CMAKE_SOURCE_DIR}/libjiny/syscall/syscalls.def
    ${JINY_MUSL_DIR}/musl.cmake ${JINY_MUSL_DIR}/build-musl.cmake
  COMMENT "Building musl ${JINY_MUSL_VERSION} with Jiny's syscall layer (log: ${JINY_MUSL_LOG})"
  VERBATIM)
add_custom_target(musl ALL DEPENDS ${JINY_MUSL_STAMP})
