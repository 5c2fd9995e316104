# lwip.cmake - compile lwIP 2.1.3 (Debian's source package) into libjiny.a.
#
# Included by the top-level CMakeLists.txt before the libjiny rules. Unlike
# musl and mimalloc, lwIP's objects go into the kernel's own object library
# (jiny_objs), built with the kernel's flags (-ffreestanding, hidden
# visibility, ...), so its names are made local by the partial link like
# every other kernel symbol and never clash with the app or libc. The
# sources must therefore exist when CMake generates the build: the tarball
# is checked and unpacked at configure time, and a change to it, to a patch
# or to this file re-runs the configure step (CMAKE_CONFIGURE_DEPENDS).
#
# Defines:
#   variable JINY_LWIP_VERSION   2.1.3
#   variable JINY_LWIP_SOURCES   the .c files to compile: the core, IPv4,
#            IPv6 and api lists of lwIP's own src/Filelists.cmake, plus
#            netif/ethernet.c (Ethernet framing and ARP for NIC drivers)
#   variable JINY_LWIP_INCLUDE   lwIP's src/include
# The port (arch/cc.h, sys_arch, lwipopts.h) is Jiny's, in libjiny/net/;
# README.md says what is taken from upstream and why.

set(JINY_LWIP_VERSION 2.1.3)
set(JINY_LWIP_TARBALL ${JINY_DEPS_DIR}/lwip_${JINY_LWIP_VERSION}+dfsg1.orig.tar.xz)
set(JINY_LWIP_SHA256 0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24)
set(_jiny_lwip_recipe ${CMAKE_SOURCE_DIR}/third_party/lwip)
set(_jiny_lwip_work ${CMAKE_BINARY_DIR}/lwip)            # src/ and the stamp
set(_jiny_lwip_src ${_jiny_lwip_work}/src)

if(NOT EXISTS ${JINY_LWIP_TARBALL})
  message(FATAL_ERROR "lwip: ${JINY_LWIP_TARBALL} is missing; run tools/bootstrap-deps "
                      "(or point JINY_DEPS_DIR at a cache that has it)")
endif()

file(GLOB _jiny_lwip_patches CONFIGURE_DEPENDS ${_jiny_lwip_recipe}/patches/*.patch)
list(SORT _jiny_lwip_patches)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  ${JINY_LWIP_TARBALL} ${_jiny_lwip_recipe}/lwip.cmake ${_jiny_lwip_patches})

# What the unpacked tree was made from: the tarball's sum and each patch's.
set(_jiny_lwip_want "${JINY_LWIP_SHA256}")
foreach(p IN LISTS _jiny_lwip_patches)
  file(SHA256 ${p} s)
  string(APPEND _jiny_lwip_want " ${s}")
endforeach()
set(_jiny_lwip_have "")
if(EXISTS ${_jiny_lwip_work}/unpacked.stamp)
  file(READ ${_jiny_lwip_work}/unpacked.stamp _jiny_lwip_have)
endif()

if(NOT _jiny_lwip_have STREQUAL _jiny_lwip_want)
  file(SHA256 ${JINY_LWIP_TARBALL} sum)
  if(NOT sum STREQUAL JINY_LWIP_SHA256)
    message(FATAL_ERROR "lwip: ${JINY_LWIP_TARBALL} has sha256 ${sum}, expected "
                        "${JINY_LWIP_SHA256}; delete it and run tools/bootstrap-deps")
  endif()
  file(REMOVE_RECURSE ${_jiny_lwip_work})
  file(MAKE_DIRECTORY ${_jiny_lwip_src})
  execute_process(COMMAND tar -x -J -m --strip-components=1 -f ${JINY_LWIP_TARBALL}
    WORKING_DIRECTORY ${_jiny_lwip_src} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lwip: unpacking ${JINY_LWIP_TARBALL} failed: ${err}")
  endif()
  foreach(p IN LISTS _jiny_lwip_patches)
    execute_process(COMMAND patch -p1 -N -s --no-backup-if-mismatch -i ${p}
      WORKING_DIRECTORY ${_jiny_lwip_src} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "lwip: patch ${p} does not apply:\n${out}")
    endif()
  endforeach()
  file(WRITE ${_jiny_lwip_work}/unpacked.stamp "${_jiny_lwip_want}")
endif()

# The file lists, taken from upstream's src/Filelists.cmake. That file also
# defines targets and runs find_package(Doxygen) and configure_file, so only
# its set(lwip..._SRCS ...) blocks are evaluated here.
set(LWIP_DIR ${_jiny_lwip_src})
file(READ ${_jiny_lwip_src}/src/Filelists.cmake _jiny_lwip_lists)
foreach(list lwipcore_SRCS lwipcore4_SRCS lwipcore6_SRCS lwipapi_SRCS)
  string(REGEX MATCH "set\\(${list}[^)]*\\)" block "${_jiny_lwip_lists}")
  if(NOT block)
    message(FATAL_ERROR "lwip: ${list} not found in ${_jiny_lwip_src}/src/Filelists.cmake")
  endif()
  cmake_language(EVAL CODE "${block}")
endforeach()
set(JINY_LWIP_SOURCES ${lwipcore_SRCS} ${lwipcore4_SRCS} ${lwipcore6_SRCS} ${lwipapi_SRCS}
  ${_jiny_lwip_src}/src/netif/ethernet.c)
set(JINY_LWIP_INCLUDE ${_jiny_lwip_src}/src/include)
foreach(f IN LISTS JINY_LWIP_SOURCES)
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "lwip: ${f}, named by Filelists.cmake, is not in the tarball")
  endif()
endforeach()

# The SDK ships lwIP's code inside libjiny.a: ship its license with it.
file(COPY ${_jiny_lwip_src}/COPYING DESTINATION ${JINY_SDK_DIR}/share/doc/lwip)
