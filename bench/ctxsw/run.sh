#!/usr/bin/env bash
# bench/ctxsw/run.sh: thread ping-pong (context switches) in Jiny and in a
# Linux guest under the same QEMU. A benchmark, not a test: it prints a
# markdown table and never fails on the numbers.
#
#   bench/ctxsw/run.sh [--sdk DIR] [--secs S] [--smp N] [--no-linux]
#
#   --sdk DIR    staged or installed SDK (default: <repo>/build/sdk)
#   --secs S     target duration of the slowest mode of each run (default 3)
#   --smp N      vCPUs of both guests (default 2; the cross modes need 2)
#   --no-linux   skip the Linux guest (no download, no baseline)
#
# pingpong.c is built twice from the same source: with the SDK
# (gcc pingpong.c $(pkg-config --libs jiny)) and as a static Linux binary
# (gcc -static -O2 -pthread). Each OS first runs a short calibration (2000
# round trips per mode), then one measured boot in which each mode gets the N
# that makes it take about S seconds (pingpong MODE:N ...). Jiny boots with tools/jiny-run --accel tcg --smp N,
# Linux with ../shared/baseline/linux-guest.sh --accel tcg --smp N. The
# table gives ns per round trip and the ratio Linux/Jiny (> 1: Jiny faster);
# the issue's target is >= 3 on the same CPU.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sdk=$repo/build/sdk secs=3 smp=2 linux=1
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -f "$sdk/lib/pkgconfig/jiny.pc" ] ||
	{ echo "run.sh: no SDK in $sdk (build it, or pass --sdk DIR)" >&2; exit 1; }
modes="futex-same futex-cross cond-same cond-cross"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc=${CC:-gcc}
PKG_CONFIG_PATH=$sdk/lib/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
"$cc" -O2 "$here/pingpong.c" $(pkg-config --libs jiny) -o "$work/pingpong.jiny" ||
	{ echo "run.sh: the Jiny build failed" >&2; exit 1; }
if [ $linux = 1 ]; then
	"$cc" -static -O2 -pthread "$here/pingpong.c" -o "$work/pingpong" ||
		{ echo "run.sh: the static Linux build failed" >&2; exit 1; }
fi

# run_os OS ARGS...: the output of one boot running pingpong ARGS (OS = jiny | linux).
run_os() {
	local os=$1
	shift
	if [ "$os" = jiny ]; then
		"$repo/tools/jiny-run" --accel tcg --smp "$smp" --timeout 600 \
			"$work/pingpong.jiny" -- "$@" 2>&1
	else
		"$baseline" --accel tcg --smp "$smp" --timeout 600 "$work/pingpong" "$@" 2>&1
	fi
}
# ns_of OUTPUT MODE: ns per round trip of MODE in OUTPUT, or "" if missing.
ns_of() { printf '%s\n' "$1" | sed -n "s/^$2: .*: \\([0-9]*\\) ns per round trip.*/\\1/p" | tail -n 1; }

declare -A result nrt
oses=jiny
[ $linux = 1 ] && oses="jiny linux"
for os in $oses; do
	echo "calibrating $os ..." >&2
	out=$(run_os "$os" 2000)
	margs=() ns=
	for m in $modes; do
		v=$(ns_of "$out" "$m")
		if [ -z "$v" ]; then
			echo "run.sh: $os calibration gave no $m result:" >&2
			printf '%s\n' "$out" | tail -n 20 >&2
			continue 2
		fi
		n=$(awk -v s="$secs" -v w="$v" 'BEGIN { n = int(s * 1e9 / w); if (n < 1000) n = 1000; print n }')
		margs+=("$m:$n")
		nrt[$os,$m]=$n
		ns="$ns $m:$n"
	done
	echo "measuring $os:$ns ..." >&2
	out=$(run_os "$os" 1000 "${margs[@]}")
	printf '%s\n' "$out" | grep -E '^(futex|cond)-' >&2
	for m in $modes; do
		result[$os,$m]=$(ns_of "$out" "$m")
	done
done

echo
echo "### Thread ping-pong (bench/ctxsw), QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG, microvm, -smp $smp"
echo
echo "Round trip = two hand-overs between two threads; N chosen per mode for ~${secs} s."
echo
echo "| mode | CPUs | Jiny ns/round trip (N) | Linux guest ns/round trip (N) | Linux / Jiny |"
echo "|---|---|---:|---:|---:|"
for m in $modes; do
	j=${result[jiny,$m]:-} l=${result[linux,$m]:-}
	case $m in *-same) where="same CPU" ;; *) where="CPU 0 <-> 1" ;; esac
	ratio=n/a
	[ -n "$j" ] && [ -n "$l" ] && [ "$j" -gt 0 ] &&
		ratio=$(awk -v a="$l" -v b="$j" 'BEGIN { printf "%.2fx", a / b }')
	jn=${nrt[jiny,$m]:-} ln=${nrt[linux,$m]:-}
	echo "| ${m%%-*} | $where | ${j:-failed}${jn:+ ($jn)} | ${l:-${linux/0/skipped}}${ln:+ ($ln)} | $ratio |"
done
echo
echo "Target (issue 3): Jiny >= 3x faster than the Linux guest on the same CPU."
