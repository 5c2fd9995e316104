# build-mimalloc.cmake - the steps of the mimalloc recipe, run by mimalloc.cmake as
#   cmake -DTARBALL=... -DSHA256=... -DWORK=... -DSDK=... [...] -P build-mimalloc.cmake
#
# 1. check the tarball's sha256   2. unpack it afresh into WORK/src, apply
# PATCHES (|-separated) in order   3. compile src/static.c (the whole allocator, one translation unit) against
#    the SDK's musl headers   4. archive it as OUT (lib/libmimalloc.a)
# Quiet: the compiler's output goes to WORK/build.log, printed on failure.

cmake_minimum_required(VERSION 3.20)

if(NOT EXISTS ${TARBALL})
  message(FATAL_ERROR "mimalloc: ${TARBALL} is missing; run tools/bootstrap-deps")
endif()
file(SHA256 ${TARBALL} sum)
if(NOT sum STREQUAL SHA256)
  message(FATAL_ERROR "mimalloc: ${TARBALL} has sha256 ${sum}, expected ${SHA256}; "
                      "delete it and run tools/bootstrap-deps")
endif()

set(src ${WORK}/src)
set(log ${WORK}/build.log)
file(REMOVE_RECURSE ${src})
file(MAKE_DIRECTORY ${src})

function(step what)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${src}
    OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  file(APPEND ${log} "==== ${what}: ${ARGN}\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mimalloc: ${what} failed (log: ${log}):\n${out}")
  endif()
endfunction()

file(WRITE ${log} "mimalloc for Jiny, from ${TARBALL}\n")
step("unpack" tar -x -J -m --strip-components=1 -f ${TARBALL})
string(REPLACE "|" ";" PATCHES "${PATCHES}")
foreach(p IN LISTS PATCHES)
  get_filename_component(name ${p} NAME)
  step("patch ${name}" patch -p1 -N -s --no-backup-if-mismatch -i ${p})
endforeach()

# Flags, and why:
#   MI_MALLOC_OVERRIDE       define malloc, free, ... (not only mi_malloc, ...)
#   __USE_ISOC11=1           mimalloc defines aligned_alloc only under glibc's
#                            macro; musl's own aligned_alloc would allocate
#                            from musl's heap and be freed into mimalloc's
#   -fno-builtin-malloc      as mimalloc's own CMake build does when overriding
#   -fno-pic -fno-pie        the image is static, non-PIE, in the low 2 GiB
#   -ftls-model=local-exec   the heap pointer is __thread; the image is static
#   -fno-omit-frame-pointer  backtraces walk frame pointers (as for musl)
#   -ffunction/data-sections --gc-sections drops what the app does not use
set(cflags -std=gnu11 -O2 -DNDEBUG -DMI_MALLOC_OVERRIDE -D__USE_ISOC11=1
  -fno-builtin-malloc -nostdinc -isystem ${SDK}/include -isystem ${GCC_INCLUDE_DIR}
  -I${src}/include -fno-pic -fno-pie -ftls-model=local-exec -fno-omit-frame-pointer
  -fvisibility=hidden -ffunction-sections -fdata-sections -Wall)
step("compile" ${CC} ${cflags} -c ${src}/src/static.c -o ${WORK}/mimalloc.o)
file(REMOVE ${OUT})
step("archive" ${AR} rcs ${OUT} ${WORK}/mimalloc.o)
# The SDK ships the archive: ship mimalloc's license with it.
file(COPY ${src}/LICENSE DESTINATION ${SDK}/share/doc/mimalloc)
