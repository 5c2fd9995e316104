#!/usr/bin/env bash
# bench/mmap/run.sh: what mmap, munmap, mprotect, mremap and page faults cost
# in Jiny, as the HP app (ring 0, mm/vmarea.c) and as a ring-3 program
# (compat loader, mm/uvm.c). A benchmark, not a test: it prints a markdown
# table and never fails on the numbers.
#
#   bench/mmap/run.sh [--sdk DIR] [--loops N] [--areas N] [--accel tcg|kvm] [--icount]
#
#   --sdk DIR      staged or installed SDK (default: <repo>/build/sdk)
#   --loops N      loops of each measure (default 20000)
#   --areas N      other mappings made first, so area lists are not trivial (default 64)
#   --accel A      QEMU accelerator (default tcg; see DESIGN.md 8)
#   --icount       QEMU -icount (bench/lib/icount): the guest clock counts
#                  instructions, so "ns" are exact instruction counts,
#                  independent of the host's load
#
# mmap.c (see its header for the measures) is built with the SDK and booted
# as the HP app by jiny-run, and built with `gcc -static` and run as init=
# from an initramfs. Each way runs once with no other areas and once with
# --areas of them.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/bench/lib/common.sh"
sdk=$repo/build/sdk loops=20000 areas=64 accel=tcg icount=0
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--loops) loops=$2; shift 2 ;;
	--areas) areas=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--icount) icount_on "$repo"; icount=1; shift ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { log "no SDK at $sdk (build it, or pass --sdk)"; exit 1; }
jiny_run=$repo/tools/jiny-run
T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-mmap.XXXXXX")
trap 'rm -rf "$T"' EXIT
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
gcc -O2 "$here/mmap.c" $(pkg-config --libs jiny) -o "$T/mmap" || { log "building mmap.c with the SDK failed"; exit 1; }
mkdir -p "$T/root"
gcc -O2 -static "$here/mmap.c" -o "$T/root/mmap" || { log "gcc -static mmap.c failed"; exit 1; }
"$sdk/bin/jiny-mkrootfs" "$T/root" "$T/root.cpio" || { log "jiny-mkrootfs failed"; exit 1; }

# run hp|ring3 AREAS: the program's output, or nothing
run() {
	if [ "$1" = hp ]; then
		"$jiny_run" --accel "$accel" --timeout 600 "$T/mmap" -- "$loops" "$2" </dev/null 2>&1
	else
		"$jiny_run" --accel "$accel" --timeout 600 --initrd "$T/root.cpio" \
			--kopt "init=/mmap $loops $2" "$T/mmap" </dev/null 2>&1
	fi
}
# value OUT MEASURE: ns per MEASURE in the output
value() { echo "$1" | sed -n "s|^mmap: \([0-9.]*\) ns per $2 .*|\1|p" | tail -n 1; }

declare -A ns
for how in hp ring3; do
	for a in 0 "$areas"; do
		out=$(run $how "$a") || { log "$how, $a areas: run failed:"; echo "$out" >&2; }
		for m in map split mremap fault; do
			ns[$how.$a.$m]=$(value "$out" $m)
		done
	done
done
show() { [ -n "$1" ] && echo "$1" || echo -; }
unit=ns
[ $icount = 1 ] && unit="guest instructions (-icount)"
cat <<END

## mmap: $unit per loop (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z), microvm)

| measure | HP app | HP app, $areas other areas | ring 3 | ring 3, $areas other areas |
| --- | --- | --- | --- | --- |
END
for m in map split mremap fault; do
	echo "| $m | $(show "${ns[hp.0.$m]}") | $(show "${ns[hp.$areas.$m]}") | $(show "${ns[ring3.0.$m]}") | $(show "${ns[ring3.$areas.$m]}") |"
done
cat <<END

$loops loops each. map: mmap+munmap of a page; split: mmap of 16 pages, a write,
mprotect of 4 in the middle, munmap; mremap: mmap of a page, mremap to 4
(MAYMOVE), munmap; fault: a write fault and madvise(MADV_DONTNEED), per page.
END
