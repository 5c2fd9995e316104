#!/usr/bin/env bash
# bench/lib/tbprof/build.sh: build the tbprof QEMU plugin (tbprof.c) and
# print the directory to put first on PATH, whose qemu-system-x86_64 runs the
# real one with the plugin loaded, writing its profile to $TBPROF_OUT
# (default /tmp/tbprof.out). Works for jiny-run and linux-guest.sh alike:
#
#   PATH=$(bench/lib/tbprof/build.sh):$PATH TBPROF_OUT=/tmp/p.out tools/jiny-run app
#   bench/lib/tbprof/report.py app /tmp/p.out
#
# The plugin API header comes from Debian's qemu source package (the QEMU
# this machine runs, 7.2; sha256-pinned, cached like the other sources by
# bench/lib/fetch-source.sh); glib's headers from libglib2.0-dev, installed
# when missing. The plugin and the wrapper go to <cache>/tbprof/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cache=${JINY_DEPS_CACHE:-$repo/.deps}
out=$cache/tbprof
die() { echo "tbprof/build.sh: $*" >&2; exit 1; }

ver=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\.[0-9]*\).*/\1/p')
[ "$ver" = 7.2 ] || die "the pinned plugin header is QEMU 7.2's; this QEMU is $ver"
if [ ! -f "$out/tbprof.so" ] || [ "$here/tbprof.c" -nt "$out/tbprof.so" ]; then
	pkg-config --exists glib-2.0 2>/dev/null ||
		{ echo "tbprof/build.sh: installing libglib2.0-dev" >&2; apt-get install -y -qq libglib2.0-dev >/dev/null; } ||
		die "needs libglib2.0-dev"
	tarball=$("$repo/bench/lib/fetch-source.sh" qemu qemu_7.2+dfsg.orig.tar.xz \
		91aca71520040edc40b8d437aa3004dae614f58e286cf653ee8996c07af2962f)
	mkdir -p "$out/include"
	tar -xJf "$tarball" -C "$out/include" --strip-components=3 qemu-7.2.0/include/qemu/qemu-plugin.h ||
		die "no include/qemu/qemu-plugin.h in $tarball"
	gcc -shared -fPIC -O2 -Wall -I"$out/include" $(pkg-config --cflags glib-2.0) "$here/tbprof.c" \
		-o "$out/tbprof.so" $(pkg-config --libs glib-2.0) || die "building the plugin failed"
fi
mkdir -p "$out/bin"
cat >"$out/bin/qemu-system-x86_64" <<WRAP
#!/bin/sh
# tbprof's wrapper (bench/lib/tbprof/build.sh): the next QEMU on PATH, with the plugin.
self=\$(cd "\$(dirname "\$0")" && pwd)
PATH=\$(printf %s "\$PATH" | tr ':' '\n' | grep -vx "\$self" | paste -sd: -)
exec qemu-system-x86_64 "\$@" -plugin "$out/tbprof.so,out=\${TBPROF_OUT:-/tmp/tbprof.out}"
WRAP
chmod +x "$out/bin/qemu-system-x86_64"
echo "$out/bin"
