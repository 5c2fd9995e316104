#!/usr/bin/env bash
# build-app.sh: build one guest test program exactly as an SDK user would:
#
#   PKG_CONFIG_PATH=$SDK/lib/pkgconfig ${CC:-gcc} SRC FLAGS $(pkg-config --libs jiny) -o OUT
#
#   build-app.sh SDK SRC OUT
#
# FLAGS are -O2 -g -Wall, then the words of every "// CFLAGS: ..." line in SRC
# (shell-quoted, split by xargs), so a test can add or override flags.
# JINY_HOST_BUILD=1 builds SRC for the Linux host instead (no SDK, no Jiny),
# to check the test program itself: -DJINY_HOST_BUILD -pthread -lm are added (so
# "jiny-host.h" stands in for <jiny/jiny.h>), and JINY_HOST_CFLAGS adds flags.
set -eu
[ $# = 3 ] || { echo "usage: build-app.sh SDK SRC OUT" >&2; exit 2; }
sdk=$1 src=$2 out=$3
cc=${CC:-gcc}

flags=(-O2 -g -Wall)
while IFS= read -r line; do
	mapfile -d '' w < <(printf '%s' "$line" | xargs -r printf '%s\0')
	flags+=(${w[@]+"${w[@]}"})
done < <(sed -n 's|^[[:space:]]*//[[:space:]]*CFLAGS:[[:space:]]\{0,1\}||p' "$src")

if [ "${JINY_HOST_BUILD:-0}" = 1 ]; then
	# shellcheck disable=SC2086
	set -x
	exec "$cc" "$src" "${flags[@]}" -DJINY_HOST_BUILD -pthread ${JINY_HOST_CFLAGS:-} -o "$out" -lm
fi

pc=$sdk/lib/pkgconfig/jiny.pc
[ -f "$pc" ] || { echo "build-app.sh: $pc is missing: build the SDK first" >&2; exit 1; }
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
libs=$(pkg-config --libs jiny)
# shellcheck disable=SC2086  # pkg-config output is meant to be split
set -x
exec "$cc" "$src" "${flags[@]}" $libs -o "$out"
