#!/usr/bin/env bash
# bench/devnull/run.sh: JINY's system-call benchmark, Jiny vs a Linux guest.
# A benchmark, not a test: it prints a markdown table and never fails on the
# numbers.
#
#   bench/devnull/run.sh [--sdk DIR] [--seconds S] [--accel tcg|kvm] [--no-linux]
#
#   --sdk DIR      staged or installed SDK (default: <repo>/build/sdk)
#   --seconds S    how long each measured run should loop (default 3)
#   --accel A      QEMU accelerator for both guests (default tcg; see DESIGN.md 8)
#   --no-linux     skip the Linux guest
#
# samples/devnull (write 40 bytes then read 40 bytes on /dev/null opened
# O_RDWR, return values checked) is built with the SDK and booted as the HP
# app by jiny-run, and built with `gcc -static` and run by
# ../shared/baseline/linux-guest.sh under the same QEMU, machine (microvm)
# and accelerator. A short first run of each calibrates the loop count so the
# measured run takes about S seconds. The same `gcc -static` binary also runs
# in Jiny as a ring-3 program under the compat loader (init= from an
# initramfs), the path of unmodified Linux programs. Reported: ns per
# read/write system call and per getppid() call, the three ways, and the
# ratios to the Linux guest.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sdk=$repo/build/sdk secs=3 accel=tcg linux=1
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
src=$repo/samples/devnull/devnull.c
jiny_run=$repo/tools/jiny-run
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { echo "run.sh: no SDK at $sdk (build it, or pass --sdk)" >&2; exit 1; }
if [ $linux = 1 ] && [ ! -x "$baseline" ]; then
	echo "run.sh: $baseline not found; running without the Linux guest" >&2
	linux=0
fi
log() { echo "run.sh: $*" >&2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-devnull.XXXXXX")
trap 'rm -rf "$T"' EXIT
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
gcc -O2 "$src" $(pkg-config --libs jiny) -o "$T/devnull" || { log "building devnull with the SDK failed"; exit 1; }
gcc -O2 -static "$src" -o "$T/devnull-linux" || { log "gcc -static devnull.c failed"; exit 1; }
mkdir -p "$T/root" && cp "$T/devnull-linux" "$T/root/devnull" &&
	"$sdk/bin/jiny-mkrootfs" "$T/root" "$T/root.cpio" || { log "jiny-mkrootfs failed"; exit 1; }

# run_jiny LOOPS / run_linux LOOPS: the program's output (3 lines) or nothing.
run_jiny() { "$jiny_run" --accel "$accel" --timeout 300 "$T/devnull" -- "$1" </dev/null 2>&1; }
run_ring3() { "$jiny_run" --accel "$accel" --timeout 300 --initrd "$T/root.cpio" --kopt "init=/devnull $1" "$T/devnull" </dev/null 2>&1; }
run_linux() { "$baseline" --accel "$accel" --timeout 300 "$T/devnull-linux" "$1" </dev/null 2>&1; }
field() { sed -n "s|^devnull: \([0-9.]*\) ns per $1.*|\1|p" | tail -n 1; }
# loops for $secs seconds, from a calibration run's ns per syscall
loops_for() { awk -v ns="$1" -v s="$secs" 'BEGIN { n = s * 1e9 / (2 * ns); if (n < 1000) n = 1000; printf "%d", n }'; }

measure() {	# measure jiny|ring3|linux: sets ns, gp, loops
	local how=$1 out cal
	out=$(run_$how 200000) || { log "$how calibration run failed:"; echo "$out" >&2; ns= gp= loops=; return 1; }
	cal=$(echo "$out" | field "read/write")
	[ -n "$cal" ] || { log "$how: no result in:"; echo "$out" >&2; ns= gp=; return 1; }
	loops=$(loops_for "$cal")
	log "$how: $loops loops (calibration: $cal ns per call)"
	out=$(run_$how "$loops") || { log "$how run failed:"; echo "$out" >&2; ns= gp=; return 1; }
	ns=$(echo "$out" | field "read/write")
	gp=$(echo "$out" | field "getppid")
}

measure jiny
j_ns=$ns j_gp=$gp j_loops=$loops
measure ring3
r_ns=$ns r_gp=$gp r_loops=$loops
l_ns= l_gp= l_loops=
if [ $linux = 1 ]; then
	measure linux
	l_ns=$ns l_gp=$gp l_loops=$loops
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.1fx", a / b; else print "-" }'; }
show() { [ -n "$1" ] && echo "$1 ns" || echo -; }
cat <<EOF

## devnull: ns per system call, Jiny vs a Linux guest (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z), microvm)

| measure | Jiny (HP app, ring 0) | Jiny (compat, ring 3) | Linux guest (static, ring 3) | Linux / Jiny HP | Linux / Jiny ring 3 |
| --- | --- | --- | --- | --- | --- |
| write(40)+read(40) on /dev/null O_RDWR, per call | $(show "$j_ns") | $(show "$r_ns") | $(show "$l_ns") | $(ratio "$l_ns" "$j_ns") | $(ratio "$l_ns" "$r_ns") |
| getppid(), per call | $(show "$j_gp") | $(show "$r_gp") | $(show "$l_gp") | $(ratio "$l_gp" "$j_gp") | $(ratio "$l_gp" "$r_gp") |

Loops: Jiny HP $j_loops, ring 3 $r_loops, Linux ${l_loops:--} (about $secs s of calls each; 2 calls per loop).
Targets: the HP app at least 20x faster than the Linux guest (JINY reported 7.2x); the ring-3 path no
slower than the Linux guest (ratio >= 1.0x; JINY's was 1.28x slower).
EOF
