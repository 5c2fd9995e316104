#!/usr/bin/env bash
# check-headers.sh SDK_DIR: every public header (include/jiny/*.h) compiles
# on its own, as C (with the SDK's own flags, i.e. against musl) and as C++
# (with the host compiler: the headers are plain C with extern "C").
set -euo pipefail
sdk=$1
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# C++: against the host's libc++ headers, so give it the jiny headers alone.
mkdir -p "$tmp/inc" && cp -r "$sdk/include/jiny" "$tmp/inc/"
n=0
for h in "$sdk"/include/jiny/*.h; do
  name=jiny/$(basename "$h")
  printf '#include <%s>\n#include <%s>\nint jiny_header_check;\n' "$name" "$name" > "$tmp/t.c"
  gcc -std=c11 -Wall -Wextra -Werror -c "$tmp/t.c" -o "$tmp/t.o" $(pkg-config --cflags jiny) ||
    { echo "check-headers: $name does not compile alone (C)" >&2; exit 1; }
  cp "$tmp/t.c" "$tmp/t.cc"
  g++ -std=c++17 -Wall -Wextra -Werror -I"$tmp/inc" -c "$tmp/t.cc" -o "$tmp/t.o" ||
    { echo "check-headers: $name does not compile alone (C++)" >&2; exit 1; }
  n=$((n + 1))
done
[ $n -gt 0 ] || { echo "check-headers: no headers in $sdk/include/jiny" >&2; exit 1; }
echo "check-headers: $n public headers compile alone"
