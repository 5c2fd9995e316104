#!/usr/bin/env bash
# bench/sqlite/run.sh: SQLite's speedtest1, Jiny's HP app vs a Linux guest
# (issue 9, part 4). A benchmark, not a test: it prints a markdown table and
# never fails on the numbers.
#
#   bench/sqlite/run.sh [--sdk DIR] [--runs N] [--size N] [--accel tcg|kvm] [--no-linux] [--icount] [--work DIR]
#
#   --sdk DIR    staged or installed SDK (default: <repo>/build/sdk)
#   --runs N     measured runs of each guest, alternated (default 5)
#   --size N     speedtest1 --size (default 20); the database is --memdb
#   --accel A    QEMU accelerator for both guests (default tcg; see DESIGN.md 8)
#   --no-linux   skip the Linux guest
#   --icount     QEMU -icount: TOTAL becomes a guest instruction count
#                (1 s = 1e9 instructions; exact, load-independent; bench/lib/icount/)
#   --work DIR   keep the builds in DIR and reuse them (default: a temporary directory)
#
# SQLite 3.40.1 (Debian source package sqlite3, sha256-pinned, cached by
# bench/lib/fetch-source.sh; its amalgamation sqlite3.c is made with the
# tarball's own `make sqlite3.c`, which needs tclsh: Debian package tcl) and
# its test/speedtest1.c are built with the SDK as a user would
# (`pkg-config --cflags/--libs jiny`) and booted as the HP app, and built with
# `gcc -static` (glibc) and run in ../shared/baseline/linux-guest.sh under the
# same QEMU, machine (microvm) and accelerator, both as
# `speedtest1 --size N --memdb`. Reported per guest: speedtest1's TOTAL (guest
# time), QEMU's CPU time of the run minus that of an empty run (`--help`:
# boot and exit) and the wall time; medians with (min-max) over the runs,
# and Linux / Jiny ratios (above 1.0x: Jiny is faster).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/bench/lib/common.sh"
sdk=$repo/build/sdk runs=5 size=20 accel=tcg linux=1 work=
baseline=$repo/../shared/baseline/linux-guest.sh
while [ $# -gt 0 ]; do
	case "$1" in
	--sdk) sdk=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--no-linux) linux=0; shift ;;
	--work) work=$2; shift 2 ;;
	--icount) icount_on "$repo"; shift ;;
	-h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
bench_setup sqlite

# ---- build (the amalgamation once per work directory; the programs when the SDK changed) ----
tarball=$("$repo/bench/lib/fetch-source.sh" sqlite3 sqlite3_3.40.1.orig.tar.xz \
	aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655) || exit 1
src=$T/sqlite3-3.40.1
if [ ! -f "$src/bld/sqlite3.c" ]; then
	command -v tclsh >/dev/null || { log "making sqlite3.c needs tclsh (apt-get install tcl)"; exit 1; }
	rm -rf "$src" && tar -xJf "$tarball" -C "$T" && mkdir -p "$src/bld" || { log "unpacking $tarball failed"; exit 1; }
	log "making the amalgamation sqlite3.c (log: $src/bld/amalgamation.log)"
	( cd "$src/bld" && ../configure --disable-tcl && make sqlite3.c ) >"$src/bld/amalgamation.log" 2>&1 ||
		{ log "making sqlite3.c failed; see $src/bld/amalgamation.log"; exit 1; }
fi
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
flags="-O2 -DSQLITE_OMIT_LOAD_EXTENSION -I$src/bld"
if [ ! -x "$T/speedtest1-jiny" ] || [ "$sdk/lib/libjiny.a" -nt "$T/speedtest1-jiny" ] ||
	[ "$sdk/lib/libc.a" -nt "$T/speedtest1-jiny" ] || [ "$sdk/lib/libmimalloc.a" -nt "$T/speedtest1-jiny" ]; then
	log "building speedtest1 with the SDK"
	gcc $flags $(pkg-config --cflags jiny) "$src/test/speedtest1.c" "$src/bld/sqlite3.c" \
		$(pkg-config --libs jiny) -o "$T/speedtest1-jiny" || { log "building with the SDK failed"; exit 1; }
fi
if [ ! -x "$T/speedtest1-linux" ]; then
	log "building speedtest1 with gcc -static"
	gcc $flags -static "$src/test/speedtest1.c" "$src/bld/sqlite3.c" -o "$T/speedtest1-linux" -lpthread -lm ||
		{ log "building with gcc -static failed"; exit 1; }
fi

# ---- runs: run_GUEST OUT ARGS... ----
run_jiny() { timed "$1" "$jiny_run" --accel "$accel" --mem 512 --timeout 600 "$T/speedtest1-jiny" -- "${@:2}"; }
run_linux() { timed "$1" "$baseline" --accel "$accel" --timeout 600 "$T/speedtest1-linux" "${@:2}"; }
guests="jiny"; [ $linux = 1 ] && guests+=" linux"

declare -A empty total cpu wall
for g in $guests; do	# boot + exit cost, three runs that only print the usage
	for i in 1 2 3; do
		run_$g "$T/out" --help </dev/null
		empty[$g]+=" $(field "$T/out" bench-cpu)"
	done
	empty[$g]=$(median ${empty[$g]})
	log "$g: empty run ${empty[$g]} s of QEMU CPU"
done
for i in $(seq "$runs"); do
	for g in $guests; do
		run_$g "$T/out" --size "$size" --memdb </dev/null || { log "$g run $i failed:"; tail -20 "$T/out" >&2; exit 1; }
		v=$(sed -n 's/^ *TOTAL\.* *\([0-9.]*\)s.*/\1/p' "$T/out")
		[ $g = linux ] && v=$(scale "$linux_scale" $v)
		total[$g]+=" $v"
		cpu[$g]+=" $(minus "$(field "$T/out" bench-cpu)" "${empty[$g]}")"
		wall[$g]+=" $(field "$T/out" bench-wall)"
		log "$g run $i: TOTAL $(sed -n 's/^ *TOTAL\.* *\([0-9.]*\)s.*/\1/p' "$T/out") s, QEMU CPU $(field "$T/out" bench-cpu) s, wall $(field "$T/out" bench-wall) s"
	done
done

row() {	# row LABEL ARRAY: one line of the table
	local -n a=$2
	local j l=-
	j=$(stats ${a[jiny]})
	[ $linux = 1 ] && l=$(stats ${a[linux]})
	echo "| $1 | $j | $l | $(ratio "${l%% *}" "${j%% *}") |"
}
cat <<EOT

## sqlite: speedtest1 --size $size --memdb, Jiny HP app vs a Linux guest (QEMU $(qemu-system-x86_64 --version | awk 'NR==1 { print $4 }'), accelerator: $(echo "$accel" | tr a-z A-Z), microvm, $runs runs alternated)

Seconds, median (min-max)$([ "$linux_scale" != 1 ] && echo "; under -icount, TOTAL is 1e9 guest instructions (Linux's clock scaled by $linux_scale)"). Ratio = Linux / Jiny (above 1.0x: Jiny is faster).

| measure | Jiny (HP app, musl + mimalloc) | Linux guest (glibc) | ratio |
| --- | --- | --- | --- |
$(row "speedtest1 TOTAL (guest clock)" total)
$(row "QEMU CPU time minus an empty run" cpu)
$(row "wall time, boot included" wall)

Empty runs (QEMU CPU, boot + exit): Jiny ${empty[jiny]} s$([ $linux = 1 ] && echo ", Linux ${empty[linux]} s").
EOT
