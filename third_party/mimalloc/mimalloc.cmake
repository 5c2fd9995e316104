# mimalloc.cmake - build mimalloc 2.0.9 as the HP app's malloc.
#
# Included by the top-level CMakeLists.txt after musl.cmake. Defines:
#   target   mimalloc              builds ${JINY_SDK_DIR}/lib/libmimalloc.a
#   variable JINY_MIMALLOC_VERSION 2.0.9
#   variable JINY_MIMALLOC_LIB     ${JINY_SDK_DIR}/lib/libmimalloc.a
# The archive holds one object (mimalloc's src/static.c, the whole allocator)
# defining malloc, free, calloc, realloc, aligned_alloc, posix_memalign,
# memalign, malloc_usable_size, ... over musl's mmap/madvise. jiny.specs links
# it ahead of libc.a (and pulls it with -u malloc), so musl's own malloc is
# left out; jiny-musl-malloc.specs keeps musl's for the smallest images.
# The steps are in build-mimalloc.cmake; README.md says what and why.

set(JINY_MIMALLOC_VERSION 2.0.9)
set(JINY_MIMALLOC_TARBALL ${JINY_DEPS_DIR}/mimalloc_${JINY_MIMALLOC_VERSION}+ds.orig.tar.xz)
set(JINY_MIMALLOC_SHA256 cbc9d207ff105ad1f0cb739c378076143a6452b8d0624309cea0abfb040e972b)
set(JINY_MIMALLOC_WORK ${CMAKE_BINARY_DIR}/mimalloc)   # src/, build.log
set(JINY_MIMALLOC_LIB ${JINY_SDK_DIR}/lib/libmimalloc.a)

if(NOT EXISTS ${JINY_MIMALLOC_TARBALL})
  message(FATAL_ERROR "mimalloc: ${JINY_MIMALLOC_TARBALL} is missing; run tools/bootstrap-deps "
                      "(or point JINY_DEPS_DIR at a cache that has it)")
endif()

file(GLOB JINY_MIMALLOC_PATCHES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/third_party/mimalloc/patches/*.patch)
list(SORT JINY_MIMALLOC_PATCHES)
string(REPLACE ";" "|" _jiny_mimalloc_patch_arg "${JINY_MIMALLOC_PATCHES}")  # one argument

add_custom_command(
  OUTPUT ${JINY_MIMALLOC_LIB}
  COMMAND ${CMAKE_COMMAND}
    -DTARBALL=${JINY_MIMALLOC_TARBALL}
    -DSHA256=${JINY_MIMALLOC_SHA256}
    "-DPATCHES=${_jiny_mimalloc_patch_arg}"
    -DWORK=${JINY_MIMALLOC_WORK}
    -DSDK=${JINY_SDK_DIR}
    -DGCC_INCLUDE_DIR=${GCC_INCLUDE_DIR}
    -DCC=${CMAKE_C_COMPILER}
    -DAR=${CMAKE_AR}
    -DOUT=${JINY_MIMALLOC_LIB}
    -P ${CMAKE_SOURCE_DIR}/third_party/mimalloc/build-mimalloc.cmake
  DEPENDS
    ${JINY_MIMALLOC_TARBALL} ${JINY_MIMALLOC_PATCHES} musl ${JINY_LIBC}
    ${CMAKE_SOURCE_DIR}/third_party/mimalloc/mimalloc.cmake
    ${CMAKE_SOURCE_DIR}/third_party/mimalloc/build-mimalloc.cmake
  COMMENT "Building mimalloc ${JINY_MIMALLOC_VERSION} for the HP app (log: ${JINY_MIMALLOC_WORK}/build.log)"
  VERBATIM)
add_custom_target(mimalloc ALL DEPENDS ${JINY_MIMALLOC_LIB})
