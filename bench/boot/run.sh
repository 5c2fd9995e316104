#!/usr/bin/env bash
# bench/boot/run.sh: how fast and how small Jiny boots, next to a Linux guest.
# A benchmark, not a test: it prints a markdown table and never fails on the
# numbers.
#
#   bench/boot/run.sh [--sdk DIR] [--runs N] [--linux-runs N] [--no-linux]
#
#   --sdk DIR        staged or installed SDK (default: <repo>/build/sdk)
#   --runs N         boots per Jiny measurement (default 10)
#   --linux-runs N   boots of the Linux guest (default 3; ~2 s each)
#   --no-linux       skip the Linux guest (no download, no baseline)
#
# Measured, all under QEMU TCG on microvm, wall time from QEMU's start to its
# exit, median of the runs:
#   - samples/hello built with the SDK (the QEMU command line of jiny-run);
#   - bench/boot/empty.S, a PVH kernel that exits at once: the floor that QEMU
#     itself costs;
#   - the same hello.c built with `gcc -static`, run by a stock Debian kernel
#     through ../shared/baseline/linux-guest.sh --time.
# Plus the stripped image sizes and the smallest -m (in MB) at which hello
# still boots and prints (binary search; the Linux guest between 32 and 512).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sdk=$repo/build/sdk runs=10 lruns=3 linux=1
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--linux-runs) lruns=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	-h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
jiny_run=$repo/tools/jiny-run
hello_c=$repo/samples/hello/hello.c
[ -f "$hello_c" ] || { echo "run.sh: $hello_c is missing" >&2; exit 1; }
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { echo "run.sh: no SDK at $sdk (build it, or pass --sdk)" >&2; exit 1; }
if [ $linux = 1 ] && [ ! -x "$baseline" ]; then
	echo "run.sh: $baseline not found; running without the Linux guest" >&2
	linux=0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-boot.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
log() { echo "run.sh: $*" >&2; }

# ---- build the three programs ----
PKG_CONFIG_PATH=$sdk/lib/pkgconfig gcc -O2 "$hello_c" $(PKG_CONFIG_PATH=$sdk/lib/pkgconfig pkg-config --libs jiny) -o hello ||
	{ log "building hello with the SDK failed"; exit 1; }
gcc -nostdlib -static -no-pie -Wl,-T,"$here/empty.ld" -Wl,--build-id=none -o empty "$here/empty.S" ||
	{ log "building empty.S failed"; exit 1; }
gcc -O2 -static "$hello_c" -o hello-linux || { log "gcc -static hello.c failed"; exit 1; }
# What hello prints (its first string literal), to tell a boot that worked.
want=$(grep -o '"[^"\\%]*' "$hello_c" | grep -v '^"[^A-Za-z]*$' | head -n 1 | cut -c2-)
[ -n "$want" ] || want=ello

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "" && b != "") printf "%.1fx", a / b; else print "-" }'; }

# time_qemu APP [jiny-run options]: seconds from QEMU start to exit, running
# exactly the QEMU command jiny-run would (no shell start-up in the number).
time_qemu() {
	local app=$1; shift
	local cmd s e
	cmd=$("$jiny_run" --dry-run "$@" "$app") || return 1
	s=$(date +%s%N)
	eval "$cmd" </dev/null >"$T/out" 2>&1
	e=$(date +%s%N)
	grep -q '^exit ' jiny-debugcon.out 2>/dev/null || { log "$app did not report an exit status"; cat "$T/out" >&2; }
	rm -f jiny-debugcon.out
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

log "booting hello $runs times"
t_hello=$(for i in $(seq "$runs"); do time_qemu hello; done | median)
log "booting the empty PVH kernel $runs times"
t_empty=$(for i in $(seq "$runs"); do time_qemu empty; done | median)

boots_at() {	# boots_at MB: hello boots and prints with -m MB
	"$jiny_run" --timeout 30 --mem "${1}M" hello </dev/null >"$T/mem.out" 2>&1 &&
		grep -qF -- "$want" "$T/mem.out"
}
lo=1 hi=64	# invariant: fails at lo-1 (or lo = 1), boots at hi
if boots_at $hi; then
	while [ $lo -lt $hi ]; do
		mid=$(((lo + hi) / 2))
		if boots_at $mid; then hi=$mid; else lo=$((mid + 1)); fi
	done
	m_jiny=$hi
else
	m_jiny=">64"
fi
log "hello boots with -m ${m_jiny}M"

strip -o hello.stripped hello
strip -o hello-linux.stripped hello-linux
s_jiny=$(stat -c %s hello.stripped)
s_static=$(stat -c %s hello-linux.stripped)

t_linux= m_linux= s_linux=
if [ $linux = 1 ]; then
	log "booting the Linux guest $lruns times (the first run may download its kernel)"
	t_linux=$(for i in $(seq "$lruns"); do
		"$baseline" --time hello-linux 2>&1 >/dev/null </dev/null |
			sed -n 's/^guest-wall-seconds: //p'
	done | median)
	linux_boots_at() {
		"$baseline" --timeout 60 --mem "${1}M" hello-linux </dev/null 2>/dev/null | grep -qF -- "$want"
	}
	lo=32 hi=512
	if linux_boots_at $hi; then
		while [ $((hi - lo)) -gt 4 ]; do
			mid=$(((lo + hi) / 2))
			if linux_boots_at $mid; then hi=$mid; else lo=$mid; fi
		done
		m_linux=$hi
	fi
	cache=${JINY_BASELINE_CACHE:-$HOME/.cache/jiny-baseline}
	[ -f "$cache/vmlinux" ] && s_linux=$(($(stat -c %s "$cache/vmlinux") + s_static))
fi

kib() { [ -n "$1" ] && awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }' || echo -; }
sec() { [ -n "$1" ] && printf '%.3f s' "$1" || echo -; }
t_net=$(awk -v a="$t_hello" -v b="$t_empty" 'BEGIN { printf "%.4f", a - b }')

cat <<EOF

## Boot: Jiny vs a Linux guest (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), TCG, microvm)

| measure | Jiny | Linux guest | Linux / Jiny |
| --- | --- | --- | --- |
| hello: QEMU start to exit (median of $runs$([ $linux = 1 ] && echo " / $lruns")) | $(sec "$t_hello") | $(sec "$t_linux") | $(ratio "$t_linux" "$t_hello") |
| empty PVH kernel (QEMU's floor) | $(sec "$t_empty") | | |
| hello minus the floor | $(sec "$t_net") | | |
| stripped image (Linux: vmlinux + static hello) | $(kib "$s_jiny") | $(kib "$s_linux") | $(ratio "$s_linux" "$s_jiny") |
| smallest -m that boots hello | ${m_jiny} MB | $([ -n "$m_linux" ] && echo "$m_linux MB" || echo -) | $(ratio "$m_linux" "${m_jiny//>/}") |

hello.c prints "$want"; static hello for Linux, stripped: $(kib "$s_static").
The Linux guest also carries a busybox initramfs, not counted in its size.
EOF
