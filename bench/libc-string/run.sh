#!/usr/bin/env bash
# bench/libc-string/run.sh: the string functions Jiny's musl recipe replaces
# (third_party/musl/overlay/src/string/x86_64/), old vs new, under QEMU TCG.
# A benchmark, not a test: it prints a table and never fails on the numbers.
#
#   bench/libc-string/run.sh [--sdk DIR] [--accel tcg|kvm]
#
# Upstream's memcpy.s, memset.s (rep movsq / rep stosq) and memcmp.c (a byte
# loop) are taken from the cached musl tarball, renamed old_*, and linked
# beside the SDK's into strbench.c, booted as the HP app. Both run in the
# same guest, in alternating slices, so the ratio hardly depends on the load.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sdk=$repo/build/sdk accel=tcg
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	-h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
tarball=$("$repo/bench/lib/fetch-source.sh" musl musl_1.2.3.orig.tar.gz \
	7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4) || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-string.XXXXXX")
trap 'rm -rf "$T"' EXIT
tar -xzf "$tarball" -C "$T" --strip-components=1 musl-1.2.3/src/string/x86_64 musl-1.2.3/src/string/memcmp.c ||
	{ echo "run.sh: unpacking $tarball failed" >&2; exit 1; }
sed 's/memcpy/old_memcpy/g' "$T/src/string/x86_64/memcpy.s" >"$T/old_memcpy.s"
sed 's/memset/old_memset/g' "$T/src/string/x86_64/memset.s" >"$T/old_memset.s"
sed 's/\bmemcmp\b/old_memcmp/' "$T/src/string/memcmp.c" >"$T/old_memcmp.c"
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
gcc -O2 $(pkg-config --cflags jiny) -Wa,--noexecstack "$here/strbench.c" "$T/old_memcpy.s" "$T/old_memset.s" \
	"$T/old_memcmp.c" $(pkg-config --libs jiny) -o "$T/strbench" || { echo "run.sh: build failed" >&2; exit 1; }
echo "## libc-string: upstream musl vs Jiny's musl, HP app (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z))"
echo
"$repo/tools/jiny-run" --accel "$accel" --timeout 300 "$T/strbench" </dev/null
