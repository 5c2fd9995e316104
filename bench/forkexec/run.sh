#!/usr/bin/env bash
# bench/forkexec/run.sh: fork+exec+wait of a tiny static program per second,
# Jiny (the program in ring 3 under the compat loader) vs a Linux guest.
# A benchmark, not a test: it prints a markdown table and never fails on the
# numbers.
#
#   bench/forkexec/run.sh [--sdk DIR] [--loops N] [--accel tcg|kvm] [--no-linux]
#
# forkexec.c is built once with `gcc -static` and run unchanged in both
# guests: in Jiny as init= from an initramfs (any SDK image boots it; the
# hello sample is used), in Linux by ../shared/baseline/linux-guest.sh, under
# the same QEMU, machine (microvm) and accelerator.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sdk=$repo/build/sdk loops=300 accel=tcg linux=1
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--loops) loops=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
log() { echo "run.sh: $*" >&2; }
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { log "no SDK at $sdk (build it, or pass --sdk)"; exit 1; }
if [ $linux = 1 ] && [ ! -x "$baseline" ]; then log "$baseline not found: no Linux guest"; linux=0; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-forkexec.XXXXXX")
trap 'rm -rf "$T"' EXIT
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
mkdir -p "$T/root"
gcc -O2 -static "$here/forkexec.c" -o "$T/root/forkexec" || { log "gcc -static forkexec.c failed"; exit 1; }
gcc -O2 "$repo/samples/hello/hello.c" $(pkg-config --libs jiny) -o "$T/image" || { log "building the image failed"; exit 1; }
"$sdk/bin/jiny-mkrootfs" "$T/root" "$T/root.cpio" || exit 1

rate() { sed -n 's|^forkexec: \([0-9.]*\) per second.*|\1|p' | tail -n 1; }
j_out=$("$sdk/bin/jiny-run" --accel "$accel" --timeout 600 --initrd "$T/root.cpio" \
	--kopt "init=/forkexec $loops" "$T/image" </dev/null 2>&1) || { log "Jiny run failed:"; echo "$j_out" >&2; }
j=$(echo "$j_out" | rate)
l=
if [ $linux = 1 ]; then
	l_out=$("$baseline" --accel "$accel" --timeout 600 "$T/root/forkexec" "$loops" </dev/null 2>&1) ||
		{ log "Linux run failed:"; echo "$l_out" >&2; }
	l=$(echo "$l_out" | rate)
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2fx", a / b; else print "-" }'; }
cat <<END

## forkexec: fork+exec+wait of a static program per second (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z), microvm)

| | Jiny (ring 3, compat) | Linux guest | Jiny / Linux |
| --- | --- | --- | --- |
| fork+exec+wait per second | ${j:--} | ${l:--} | $(ratio "$j" "$l") |

$loops loops each; the program is the same gcc -static binary in both guests.
END
