# build-musl.cmake - the steps of the musl recipe, run by musl.cmake as
#   cmake -DTARBALL=... -DWORK=... -DPREFIX=... [...] -P build-musl.cmake
#
# 1. check the tarball's sha256   2. unpack it afresh into WORK/musl-src
# 3. apply PATCHES in order       4. copy OVERLAY over the tree
# 5. configure (static, non-PIC, Jiny's syscall_arch.h finds syscalls.def
#    through -I SYSCALL_DIR) in WORK/obj, make, make install into PREFIX.
# Quiet: everything goes to LOG; on failure the tail of LOG is printed.

cmake_minimum_required(VERSION 3.20)

function(fail what)
  set(errors "")
  set(tail "")
  if(EXISTS ${LOG})
    file(STRINGS ${LOG} lines)
    # With make -j the first error is not always last: show it separately.
    foreach(l IN LISTS lines)
      if(l MATCHES "error:|Error [0-9]|No such file|not found")
        list(APPEND errors "${l}")
      endif()
    endforeach()
    list(LENGTH errors n)
    if(n GREATER 10)
      list(SUBLIST errors 0 10 errors)
    endif()
    list(JOIN errors "\n" errors)
    list(LENGTH lines n)
    math(EXPR first "${n} - 30")
    if(first LESS 0)
      set(first 0)
    endif()
    list(SUBLIST lines ${first} -1 lines)
    list(JOIN lines "\n" tail)
  endif()
  message(FATAL_ERROR "musl: ${what} failed (full log: ${LOG})\n"
    "-- errors --\n${errors}\n-- last lines --\n${tail}\n")
endfunction()

# Runs a command with its output appended to LOG; fails with the log's tail.
function(step what)
  file(APPEND ${LOG} "\n==== ${what}: ${ARGN}\n")
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${cwd}
    OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  file(APPEND ${LOG} "${out}")
  if(NOT rc EQUAL 0)
    fail("${what}")
  endif()
endfunction()

if(NOT EXISTS ${TARBALL})
  message(FATAL_ERROR "musl: ${TARBALL} is missing; run tools/bootstrap-deps")
endif()
file(SHA256 ${TARBALL} sum)
if(NOT sum STREQUAL SHA256)
  message(FATAL_ERROR "musl: ${TARBALL} has sha256 ${sum}, expected ${SHA256}; "
                      "delete it and run tools/bootstrap-deps")
endif()

set(src ${WORK}/musl-src)
set(obj ${WORK}/obj)
file(REMOVE_RECURSE ${src} ${obj} ${STAMP})
file(MAKE_DIRECTORY ${src} ${obj})
file(WRITE ${LOG} "musl ${VERSION} for Jiny, from ${TARBALL}\n")

# -m: unpacked files get the current time, so `make install` below replaces
# every header in PREFIX even when an older build left a newer copy there.
set(cwd ${src})
step("unpack" tar -x -z -m --strip-components=1 -f ${TARBALL})

string(REPLACE "|" ";" PATCHES "${PATCHES}")
foreach(p IN LISTS PATCHES)
  get_filename_component(name ${p} NAME)
  step("patch ${name}" patch -p1 -N -s --no-backup-if-mismatch -i ${p})
endforeach()

step("overlay" ${CMAKE_COMMAND} -E copy_directory ${OVERLAY} ${src})

include(ProcessorCount)
ProcessorCount(jobs)
if(jobs EQUAL 0)
  set(jobs 2)
endif()

set(cflags "-fno-pic -fno-pie -fno-omit-frame-pointer -I${SYSCALL_DIR} ${EXTRA_CFLAGS}")
set(cwd ${obj})
step("configure" ${src}/configure
  --target=x86_64 --prefix=${PREFIX} --syslibdir=${PREFIX}/lib
  --disable-shared --enable-static --disable-wrapper
  CC=${CC} AR=${AR} RANLIB=${RANLIB} "CFLAGS=${cflags}")
# A make started by `cmake --build` passes its jobserver in MAKEFLAGS; this
# is not a recursive $(MAKE), so start afresh with our own -j.
set(make ${CMAKE_COMMAND} -E env --unset=MAKEFLAGS --unset=MFLAGS --unset=MAKELEVEL make)
step("make" ${make} -j${jobs})
step("make install" ${make} install)
# The SDK ships musl's headers and libc.a: ship its license with them.
file(COPY ${src}/COPYRIGHT DESTINATION ${PREFIX}/share/doc/musl)
file(TOUCH ${STAMP})
