#!/usr/bin/env bash
# run-guest.sh: run one guest test program and check it against the directives
# written in its source; ctest calls this once per tests/guest/tst-*.c.
#
#   run-guest.sh [--jiny-run PATH] [--log FILE] [--variant NAME] [--host] APP SRC
#
# Boots APP with jiny-run (TCG, microvm), keeps the console in FILE (default
# APP.log, or APP.NAME.log for a variant), and checks it. With --host, APP is
# the same source built for the Linux host and is run natively instead (to
# check a test itself; jiny-run options, variants' included, do not apply).
# --variant NAME boots APP in the configuration of the "// VARIANT: NAME ..."
# line: one build, several runs (ctest names them guest.<test>.<NAME>).
#
# Directives: comment lines "// NAME: value" anywhere in SRC.
#   // EXPECT: ERE        some console line matches ERE (grep -E)
#   // EXPECT-SEQ: ERE    matches a line after the line matched by the previous
#                         EXPECT-SEQ (ordered output)
#   // EXPECT-NOT: ERE    no console line matches ERE
#   // EXIT: N            expected exit status (default 0)
#   // ARGS: WORDS        app arguments, shell-quoted; no expansions (may repeat)
#   // ENV: NAME=VALUE    environment entries, shell-quoted (may repeat)
#   // KOPT: WORDS        kernel options, e.g. tick_hz=2000 (may repeat)
#   // JINY-RUN: WORDS    more jiny-run options, e.g. --smp 2 (may repeat)
#   // TIMEOUT: SECS      guest timeout (default 60); ctest adds a margin
#   // CFLAGS: WORDS      extra compiler flags (read by build-app.sh)
#   // VARIANT: NAME WORDS  a configuration: NAME ([A-Za-z0-9_-]+) then more
#                         jiny-run options, e.g. "// VARIANT: smp4 --smp 4".
#                         With VARIANT lines, ctest runs only the variants
#                         (guest.<test>.<NAME>), each with the options above
#                         plus its own; without, the one test guest.<test>.
#   // HOST: yes          also build it for the Linux host and run it there
#                         as ctest host.<test> (tests/guest/CMakeLists.txt)
#   // RUN-SERIAL: yes    ctest runs this test (each variant) alone; no
#                         test needs it: timing checks must hold on a busy
#                         host anyway (tests/README.md, "Timing")
#   // LINK: WORDS        more inputs to link with the program (read by build-app.sh)
#   // MALLOC: musl       link musl's malloc instead of mimalloc (read by build-app.sh)
#   // STDIN: wait ERE    typing at the console, in order of the STDIN lines:
#   // STDIN: send TEXT   "wait" until a console line (after the one the last
#                         wait matched) matches ERE, "send" TEXT to the serial
#                         port (printf %b escapes: \r, \x7f, \003). Without
#                         STDIN lines the console reads /dev/null.
#   // NAME(VARIANT): value  a directive that applies only to that variant
#                         (e.g. "// EXPECT(corrupt): ^initramfs: ...")
# Words are split like a shell does (quotes, backslash), by xargs. In every
# directive, @BUILD@ stands for APP's directory (the tests' build directory),
# so a test can name a file generated at build time, e.g.
# "// VARIANT: rd --initrd @BUILD@/initramfs/initrd.cpio" (CMakeLists.txt
# makes every @BUILD@ file a dependency of the test program).
set -u

here=$(cd "$(dirname "$0")" && pwd)
jiny_run=$here/../../tools/jiny-run
log= host=0 variant=
while [ $# -gt 0 ]; do
	case "$1" in
	--jiny-run) jiny_run=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--host) host=1; shift ;;
	--variant) variant=$2; shift 2 ;;
	-h|--help) sed -n '2,49p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
[ $# = 2 ] || { echo "usage: run-guest.sh [--jiny-run PATH] [--log FILE] [--variant NAME] [--host] APP SRC" >&2; exit 2; }
app=$1 src=$2
[ -n "$log" ] || log=$app${variant:+.$variant}.log
[ -f "$app" ] || { echo "run-guest.sh: no such program: $app (did the build fail?)" >&2; exit 1; }
[ -f "$src" ] || { echo "run-guest.sh: no such source: $src" >&2; exit 2; }

build=$(cd "$(dirname "$app")" && pwd)

# directive NAME: the values of every "// NAME: value" line, and of every
# "// NAME(VARIANT): value" line of the variant being run, one per line,
# @BUILD@ replaced.
directive() {
	local re="$1"
	[ -z "$variant" ] || re="$1\\(($variant)\\)\\{0,1\\}"
	sed -n "s|^[[:space:]]*//[[:space:]]*$re:[[:space:]]\{0,1\}||p" "$src" |
		sed -e 's/[[:space:]]*$//' -e "s|@BUILD@|$build|g"
}
# words NAME: the shell words of all NAME lines, NUL-separated.
words() {
	directive "$1" | while IFS= read -r line; do
		printf '%s' "$line" | xargs -r printf '%s\0' ||
			echo "run-guest.sh: bad quoting in // $1: $line" >&2
	done
}

mapfile -d '' args < <(words ARGS)
mapfile -d '' envs < <(words ENV)
mapfile -d '' kopts < <(words KOPT)
mapfile -d '' runopts < <(words JINY-RUN)
if [ -n "$variant" ]; then
	# The VARIANT line whose first word is NAME; the other words are options.
	vline=$(directive VARIANT | awk -v v="$variant" '$1 == v { sub(/^[^ \t]+[ \t]*/, ""); print; f = 1; exit } END { exit !f }') ||
		{ echo "run-guest.sh: $src has no '// VARIANT: $variant ...' line" >&2; exit 2; }
	mapfile -d '' vopts < <(printf '%s' "$vline" | xargs -r printf '%s\0')
	runopts+=(${vopts[@]+"${vopts[@]}"})
fi
want_exit=$(directive EXIT | tail -n 1)
want_exit=${want_exit:-0}
limit=$(directive TIMEOUT | tail -n 1)
limit=${limit:-60}

if [ $host = 1 ]; then
	cmd=(env)
	for e in ${envs[@]+"${envs[@]}"}; do cmd+=("$e"); done
	# argv[0] = the file's base name, as jiny-run passes it
	cmd+=(timeout "$limit" bash -c 'exec -a "${0##*/}" "$0" "$@"' "$app" ${args[@]+"${args[@]}"})
else
	cmd=("$jiny_run" --accel tcg --machine microvm --timeout "$limit")
	for e in ${envs[@]+"${envs[@]}"}; do cmd+=(-e "$e"); done
	for k in ${kopts[@]+"${kopts[@]}"}; do cmd+=(--kopt "$k"); done
	cmd+=(${runopts[@]+"${runopts[@]}"} "$app" -- ${args[@]+"${args[@]}"})
fi

# STDIN lines: a feeder types at the guest through a FIFO on jiny-run's stdin.
# It keeps the FIFO open until the guest is done (EOF is not an input).
mapfile -t steps < <(directive STDIN)
feed() {
	exec 3>"$1"
	local from=1 n step
	for step in "${steps[@]}"; do
		case "$step" in
		wait\ *)
			until n=$(tail -n +"$from" "$log" | grep -En -m 1 -- "${step#wait }" | cut -d: -f1) &&
				[ -n "$n" ]; do
				sleep 0.05
			done
			from=$((from + n)) ;;
		send\ *) printf '%b' "${step#send }" >&3 ;;
		*) echo "run-guest.sh: bad // STDIN: $step (want 'wait ERE' or 'send TEXT')" >&2 ;;
		esac
	done
	exec sleep $((limit + 60))
}
stdin=/dev/null feeder=
if [ ${#steps[@]} -gt 0 ]; then
	stdin=$(mktemp -u "${TMPDIR:-/tmp}/run-guest.XXXXXX") && mkfifo "$stdin" ||
		{ echo "run-guest.sh: cannot make a FIFO for // STDIN" >&2; exit 2; }
	: >"$log"
	feed "$stdin" &
	feeder=$!
fi

start=$(date +%s.%N)
"${cmd[@]}" <"$stdin" >"$log" 2>&1
status=$?
end=$(date +%s.%N)
if [ -n "$feeder" ]; then
	kill "$feeder" 2>/dev/null
	wait "$feeder" 2>/dev/null
	rm -f "$stdin"
fi
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')

# ---- checks ----
failed=()
[ "$status" = "$want_exit" ] ||
	failed+=("exit status $status, expected $want_exit")
while IFS= read -r re; do
	[ -n "$re" ] || continue
	grep -Eq -- "$re" "$log" || failed+=("EXPECT: $re  -- no line matches")
done < <(directive EXPECT)
while IFS= read -r re; do
	[ -n "$re" ] || continue
	hit=$(grep -En -- "$re" "$log" | head -n 3)
	[ -z "$hit" ] || failed+=("EXPECT-NOT: $re  -- matched: $hit")
done < <(directive EXPECT-NOT)
from=1	# EXPECT-SEQ: search from the line after the previous match
while IFS= read -r re; do
	[ -n "$re" ] || continue
	n=$(tail -n +"$from" "$log" | grep -En -m 1 -- "$re" | cut -d: -f1)
	if [ -z "$n" ]; then
		failed+=("EXPECT-SEQ: $re  -- no match at or after line $from")
		break
	fi
	from=$((from + n))
done < <(directive EXPECT-SEQ)

name=$(basename "$app")${variant:+.$variant}
if [ ${#failed[@]} = 0 ]; then
	echo "PASS $name (exit $status, ${secs}s) log: $log"
	exit 0
fi
echo "===== $name: serial console (${secs}s) ====="
cat "$log"
echo "===== end of console ====="
printf '%q ' "${cmd[@]}"; echo
for f in "${failed[@]}"; do echo "FAILED CHECK: $f"; done
echo "FAIL $name"
exit 1
