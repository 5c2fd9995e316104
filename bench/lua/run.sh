#!/usr/bin/env bash
# bench/lua/run.sh: CPU-bound code, Jiny's HP app vs a Linux guest (issue 9,
# part 4). A benchmark, not a test: it prints a markdown table and never
# fails on the numbers.
#
#   bench/lua/run.sh [--sdk DIR] [--runs N] [--accel tcg|kvm] [--no-linux] [--ring3] [--icount] [--work DIR]
#
#   --sdk DIR    staged or installed SDK (default: <repo>/build/sdk)
#   --runs N     measured runs of each guest, alternated (default 5)
#   --accel A    QEMU accelerator for both guests (default tcg; see DESIGN.md 8)
#   --no-linux   skip the Linux guest
#   --ring3      also run the gcc -static binary in Jiny as a ring-3 program (init=)
#   --icount     QEMU -icount: the phases' times become guest instruction counts
#                (1 s = 1e9 instructions; exact, load-independent; bench/lib/icount/)
#   --work DIR   keep the builds in DIR and reuse them (default: a temporary directory)
#
# Lua 5.4.4 (Debian source package lua5.4, sha256-pinned, cached like musl by
# bench/lib/fetch-source.sh) is built with the SDK as a user would
# (`pkg-config --cflags/--libs jiny`) and booted as the HP app; the same
# sources built with `gcc -static` (glibc) run in ../shared/baseline/linux-guest.sh
# under the same QEMU, machine (microvm) and accelerator. Both run
# bench/lua/bench.lua (fib, string building, table sort) from their root file
# system. Reported per guest: the phases' os.clock() times, QEMU's CPU time
# of the run minus that of an empty run (`lua -e ''`: boot and exit), and the
# wall time; medians with (min-max) over the runs, and Linux / Jiny ratios
# (above 1.0x: Jiny is faster).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/bench/lib/common.sh"
sdk=$repo/build/sdk runs=5 accel=tcg linux=1 ring3=0 work=
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	--ring3) ring3=1; shift ;;
	--work) work=$2; shift 2 ;;
	--icount) icount_on "$repo"; shift ;;
	-h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
bench_setup lua

# ---- build (skipped when --work already holds the binaries) ----
tarball=$("$repo/bench/lib/fetch-source.sh" lua5.4 lua5.4_5.4.4.orig.tar.gz \
	164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61) || exit 1
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
if [ ! -x "$T/lua-jiny" ] || [ ! -x "$T/lua-linux" ] || [ "$sdk/lib/libc.a" -nt "$T/lua-jiny" ] ||
	[ "$sdk/lib/libjiny.a" -nt "$T/lua-jiny" ]; then
	rm -rf "$T/lua-5.4.4" && tar -xzf "$tarball" -C "$T" || { log "unpacking $tarball failed"; exit 1; }
	srcs=$(ls "$T"/lua-5.4.4/src/*.c | grep -v '/luac\.c$')
	log "building Lua with the SDK and with gcc -static"
	gcc -O2 -DLUA_USE_POSIX $(pkg-config --cflags jiny) $srcs $(pkg-config --libs jiny) -o "$T/lua-jiny" ||
		{ log "building Lua with the SDK failed"; exit 1; }
	gcc -O2 -DLUA_USE_POSIX -static $srcs -lm -o "$T/lua-linux" ||
		{ log "building Lua with gcc -static failed"; exit 1; }
fi
mkdir -p "$T/root" && cp "$here/bench.lua" "$T/root/bench.lua" && cp "$T/lua-linux" "$T/root/lua" &&
	"$sdk/bin/jiny-mkrootfs" "$T/root" "$T/root.cpio" || { log "jiny-mkrootfs failed"; exit 1; }

# ---- runs: guest NAME OUT ARGS... ----
run_jiny() { timed "$1" "$jiny_run" --accel "$accel" --timeout 600 --initrd "$T/root.cpio" "$T/lua-jiny" -- "${@:2}"; }
run_ring3() { timed "$1" "$jiny_run" --accel "$accel" --timeout 600 --initrd "$T/root.cpio" --kopt "init=/lua ${*:2}" "$T/lua-jiny"; }
run_linux() { timed "$1" "$baseline" --accel "$accel" --timeout 600 --root "$T/root" "$T/lua-linux" "${@:2}"; }
guests="jiny"; [ $ring3 = 1 ] && guests+=" ring3"; [ $linux = 1 ] && guests+=" linux"

declare -A empty phases cpu wall
for g in $guests; do	# boot + exit cost, three empty runs
	for i in 1 2 3; do
		run_$g "$T/out" -v </dev/null || { log "$g: empty run failed:"; cat "$T/out" >&2; exit 1; }
		empty[$g]+=" $(field "$T/out" bench-cpu)"
	done
	empty[$g]=$(median ${empty[$g]})
	log "$g: empty run $(printf %s "${empty[$g]}") s of QEMU CPU"
done
for i in $(seq "$runs"); do
	for g in $guests; do
		run_$g "$T/out" /bench.lua </dev/null || { log "$g run $i failed:"; cat "$T/out" >&2; exit 1; }
		grep '^lua-bench:' "$T/out" >&2
		for p in fib string sort; do
			v=$(sed -n "s/^lua-bench: $p *\([0-9.]*\) s.*/\1/p" "$T/out")
			[ $g = linux ] && v=$(scale "$linux_scale" $v)
			phases[$g.$p]+=" $v"
		done
		cpu[$g]+=" $(minus "$(field "$T/out" bench-cpu)" "${empty[$g]}")"
		wall[$g]+=" $(field "$T/out" bench-wall)"
		log "$g run $i: QEMU CPU $(field "$T/out" bench-cpu) s, wall $(field "$T/out" bench-wall) s"
	done
done

vals() {	# vals GUEST KEY: that guest's numbers for a row (phase name, cpu or wall)
	case $2 in cpu) echo "${cpu[$1]:-}" ;; wall) echo "${wall[$1]:-}" ;; *) echo "${phases[$1.$2]:-}" ;; esac
}
row() {	# row LABEL KEY: one line of the table
	local j l=- r3=-
	j=$(stats $(vals jiny "$2"))
	[ $ring3 = 1 ] && r3=$(stats $(vals ring3 "$2"))
	[ $linux = 1 ] && l=$(stats $(vals linux "$2"))
	echo "| $1 | $j | $r3 | $l | $(ratio "${l%% *}" "${j%% *}") |"
}
cat <<EOT

## lua: bench/lua/bench.lua, Jiny HP app vs a Linux guest (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z), microvm, $runs runs alternated)

Seconds, median (min-max)$([ "$linux_scale" != 1 ] && echo "; under -icount, the phases are 1e9 guest instructions (Linux's clock scaled by $linux_scale)"). Ratio = Linux / Jiny HP (above 1.0x: Jiny is faster).

| measure | Jiny (HP app, musl) | Jiny (ring 3, glibc) | Linux guest (glibc) | ratio |
| --- | --- | --- | --- | --- |
$(row "fib (os.clock)" fib)
$(row "string (os.clock)" string)
$(row "sort (os.clock)" sort)
$(row "QEMU CPU time minus an empty run" cpu)
$(row "wall time, boot included" wall)

Empty runs (QEMU CPU, boot + exit): Jiny ${empty[jiny]} s$([ $ring3 = 1 ] && echo ", ring 3 ${empty[ring3]} s")$([ $linux = 1 ] && echo ", Linux ${empty[linux]} s").
EOT
