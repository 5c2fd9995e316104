#!/usr/bin/env bash
# cc-variant.sh: build one compat test program (tests/compat/*.c) as a static
# Linux executable of one of four kinds, and check that it is one:
#
#   cc-variant.sh VARIANT SRC OUT
#
#   glibc       gcc -static                 ELF type EXEC, no PT_INTERP
#   glibc-pie   gcc -static-pie             ELF type DYN,  no PT_INTERP
#   musl        musl-gcc -static            ELF type EXEC, no PT_INTERP
#   musl-pie    musl-gcc, static PIE        ELF type DYN,  no PT_INTERP
#
# Debian's musl-gcc specs know nothing of -static-pie (they would give a PIE
# that asks for /lib/ld-musl-x86_64.so.1), so musl-pie is linked by hand the
# way gcc does it for glibc: musl's rcrt1.o (the self-relocating start file),
# -static -pie --no-dynamic-linker -z text. The result is checked with
# readelf: a program that needs an interpreter would run on the host and not
# in the guest, which has no dynamic loader.
# Flags: -O2 -g -Wall -pthread -DCT_VARIANT="VARIANT" (ct.h prints it), then
# $CT_CFLAGS. Compilers: $CC (gcc), $MUSL_GCC (musl-gcc).
set -euo pipefail
[ $# = 3 ] || { echo "usage: cc-variant.sh glibc|glibc-pie|musl|musl-pie SRC OUT" >&2; exit 2; }
variant=$1 src=$2 out=$3
cc=${CC:-gcc}
musl_gcc=${MUSL_GCC:-musl-gcc}
flags=(-O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation -pthread
	"-DCT_VARIANT=\"$variant\"" ${CT_CFLAGS:-})

case $variant in
glibc) cmd=("$cc" "${flags[@]}" -static "$src" -o "$out.tmp") want=EXEC ;;
glibc-pie) cmd=("$cc" "${flags[@]}" -fPIE -static-pie "$src" -o "$out.tmp") want=DYN ;;
musl) cmd=("$musl_gcc" "${flags[@]}" -static "$src" -o "$out.tmp") want=EXEC ;;
musl-pie)
	command -v "$musl_gcc" >/dev/null || { echo "cc-variant.sh: $musl_gcc not found (apt-get install musl-tools)" >&2; exit 1; }
	# musl's start files sit beside the specs file that the musl-gcc
	# wrapper names (Debian: /usr/lib/x86_64-linux-musl).
	specs=$(sed -n 's/.*-specs "\{0,1\}\([^" ]*\)"\{0,1\}.*/\1/p' "$(command -v "$musl_gcc")" | head -n 1)
	lib=$(dirname "${specs:-/usr/lib/x86_64-linux-musl/musl-gcc.specs}")
	for f in rcrt1.o crti.o crtn.o; do
		[ -f "$lib/$f" ] || { echo "cc-variant.sh: $lib/$f is missing (musl-tools)" >&2; exit 1; }
	done
	cmd=("$musl_gcc" "${flags[@]}" -fPIE -nostartfiles
		"$lib/rcrt1.o" "$lib/crti.o" "$("$cc" -print-file-name=crtbeginS.o)"
		"$src"
		"$("$cc" -print-file-name=crtendS.o)" "$lib/crtn.o"
		-Wl,-static,-pie,--no-dynamic-linker,-z,text -o "$out.tmp") want=DYN ;;
*) echo "cc-variant.sh: unknown variant '$variant' (glibc, glibc-pie, musl, musl-pie)" >&2; exit 2 ;;
esac

echo "${cmd[*]}"
"${cmd[@]}"

# The result must be a static executable of the expected type.
hdr=$(LC_ALL=C readelf -hlW "$out.tmp")
type=$(printf '%s\n' "$hdr" | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p')
if [ "$type" != "$want" ]; then
	echo "cc-variant.sh: $out is ELF type $type, expected $want for $variant" >&2
	exit 1
fi
if printf '%s\n' "$hdr" | grep -q '^ *INTERP'; then
	echo "cc-variant.sh: $out asks for a program interpreter: not a static $variant executable" >&2
	printf '%s\n' "$hdr" | grep -A1 '^ *INTERP' >&2
	exit 1
fi
mv "$out.tmp" "$out"
