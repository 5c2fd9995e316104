#!/usr/bin/env bash
# build-app.sh: build one guest test program exactly as an SDK user would:
#
#   PKG_CONFIG_PATH=$SDK/lib/pkgconfig ${CC:-gcc} SRC FLAGS $(pkg-config --libs jiny) -o OUT
#
#   build-app.sh SDK SRC OUT
#
# FLAGS are -O2 -g -Wall, then the words of every "// CFLAGS: ..." line in SRC
# (shell-quoted, split by xargs), so a test can add or override flags.
# The words of "// LINK: ..." lines are more inputs (objects, archives) put
# right after SRC, as a user writes "gcc app.c rootfs.o $(pkg-config ...)".
# "// MALLOC: musl" links musl's own malloc instead of mimalloc: the SDK's
# musl_malloc_specs after the libs, as docs/sdk.md tells users.
# In both, @BUILD@ stands for OUT's directory (the build directory of the
# tests), so a test can name a file generated there (tests/guest/CMakeLists.txt
# makes such files a dependency of the test program).
# JINY_HOST_BUILD=1 builds SRC for the Linux host instead (no SDK, no Jiny),
# to check the test program itself: -DJINY_HOST_BUILD -pthread -lm are added (so
# "jiny-host.h" stands in for <jiny/jiny.h>), and JINY_HOST_CFLAGS adds flags.
set -eu
[ $# = 3 ] || { echo "usage: build-app.sh SDK SRC OUT" >&2; exit 2; }
sdk=$1 src=$2 out=$3
cc=${CC:-gcc}

build=$(cd "$(dirname "$out")" && pwd)

# words NAME: the shell words of every "// NAME: ..." line, NUL-separated,
# with @BUILD@ replaced.
words() {
	sed -n "s|^[[:space:]]*//[[:space:]]*$1:[[:space:]]\{0,1\}||p" "$src" |
	while IFS= read -r line; do
		printf '%s' "${line//@BUILD@/$build}" | xargs -r printf '%s\0'
	done
}
flags=(-O2 -g -Wall)
mapfile -d '' w < <(words CFLAGS)
flags+=(${w[@]+"${w[@]}"})
mapfile -d '' inputs < <(words LINK)

if [ "${JINY_HOST_BUILD:-0}" = 1 ]; then
	# shellcheck disable=SC2086
	set -x
	exec "$cc" "$src" ${inputs[@]+"${inputs[@]}"} "${flags[@]}" -DJINY_HOST_BUILD -pthread ${JINY_HOST_CFLAGS:-} -o "$out" -lm
fi

pc=$sdk/lib/pkgconfig/jiny.pc
[ -f "$pc" ] || { echo "build-app.sh: $pc is missing: build the SDK first" >&2; exit 1; }
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
libs=$(pkg-config --libs jiny)
case "$(words MALLOC | tr -d '\0')" in
'') ;;
musl) libs+=" $(pkg-config --variable=musl_malloc_specs jiny)" ;;
*) echo "build-app.sh: $src: unknown MALLOC (want: musl)" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086  # pkg-config output is meant to be split
set -x
exec "$cc" "$src" ${inputs[@]+"${inputs[@]}"} "${flags[@]}" $libs -o "$out"
