# bench/lib/common.sh: helpers shared by the CPU-bound benchmarks (bench/lua,
# bench/sqlite), sourced by their run.sh. Each run of a guest is timed three
# ways: the program's own phase times (printed by it), QEMU's user+system CPU
# time (GNU time around jiny-run / linux-guest.sh, which wait for QEMU), and
# the wall clock. The CPU time depends least on the load of a shared host;
# an empty run of the same guest (its boot and exit) is subtracted from it.

log() { echo "run.sh: $*" >&2; }

# bench_setup NAME: after option parsing (sdk, linux, baseline, work, repo):
# checks the SDK (exits without one), drops the Linux guest when its script is
# missing, sets jiny_run, and T: the --work directory or a temporary one
# (removed on exit).
bench_setup() {
	[ -f "$sdk/lib/pkgconfig/jiny.pc" ] || { log "no SDK at $sdk (build it, or pass --sdk)"; exit 1; }
	if [ $linux = 1 ] && [ ! -x "$baseline" ]; then
		log "$baseline not found; running without the Linux guest"; linux=0
	fi
	jiny_run=$repo/tools/jiny-run
	if [ -n "$work" ]; then T=$work; mkdir -p "$T"; else
		T=$(mktemp -d "${TMPDIR:-/tmp}/jiny-bench-$1.XXXXXX"); trap 'rm -rf "$T"' EXIT
	fi
}

# timed OUT CMD...: runs CMD with stdout+stderr into OUT, then appends
# "bench-cpu: S" (user+sys of CMD and its children) and "bench-wall: S".
timed() {
	local out=$1; shift
	/usr/bin/time -f 'bench-cpu: %U %S\nbench-wall: %e' -o "$out.time" "$@" >"$out" 2>&1
	local st=$?
	awk '/^bench-cpu:/ { printf "bench-cpu: %.2f\n", $2 + $3 } /^bench-wall:/' "$out.time" >>"$out"
	return $st
}

# field FILE KEY: the number after "KEY:" on FILE's last such line
field() { sed -n "s/^$2: *\([0-9.]*\).*/\1/p" "$1" | tail -n 1; }

# stats V...: "median (min-max)" of the numbers given, or "-"
stats() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

# median V...: the median alone
median() { stats "$@" | awk '{ print $1 }'; }

# ratio A B: A / B as "1.23x", or "-"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && a != "-" && b > 0) printf "%.2fx", a / b; else print "-" }'; }

# minus A B: A - B (two decimals)
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# icount_on REPO: run QEMU with -icount (bench/lib/icount/qemu-system-x86_64),
# and set linux_scale: the Linux guest is told the host's TSC rate
# (linux-guest.sh's tsc_early_khz) while under -icount the TSC counts one
# tick per instruction, so its clock reads host-GHz times too little.
linux_scale=1
icount_on() {
	PATH=$1/bench/lib/icount:$PATH; export PATH
	linux_scale=$(awk -F: '/^cpu MHz/ { printf "%.4f", $2 / 1000; exit }' /proc/cpuinfo)
}

# scale F V...: every V times F
scale() { local f=$1; shift; for v in "$@"; do awk -v a="$v" -v f="$f" 'BEGIN { printf "%.3f ", a * f }'; done; }
