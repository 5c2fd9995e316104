#!/usr/bin/env bash
# run-compat.sh: run one compat test program (tests/compat/*.c, built by
# cc-variant.sh) on the Linux host or as the init process of a Jiny guest, and
# judge it: it passes when it exits with status 0, prints its
# "PASS compat-NAME-VARIANT: N checks" line and no line starting with FAIL.
#
#   run-compat.sh --host [--log FILE] [--timeout S] PROG [ARGS...]
#   run-compat.sh --guest --image IMG --initrd CPIO [--jiny-run PATH]
#                 [--log FILE] [--timeout S] [--mem M] [--smp N] GUEST-PATH [ARGS...]
#   run-compat.sh --linux-guest [--log FILE] [--timeout S] PROG [ARGS...]
#
# --host runs PROG natively (its argv[0] is its absolute path): this is how
# the expectations are checked against Linux. --guest boots IMG (any SDK
# image; tests/compat/compat-image.c) with jiny-run under TCG on microvm, with
# CPIO as the root file system and the kernel option
#     init="GUEST-PATH ARGS..."
# which makes GUEST-PATH (a file in CPIO, e.g. /bin/compat-fork-musl) the
# first ring-3 process; the VM's exit status is that program's (128+N when a
# signal N killed it). --linux-guest runs PROG as the child of /init in a
# stock Debian Linux guest under the same QEMU and TCG
# (../shared/baseline/linux-guest.sh, $JINY_LINUX_GUEST), with busybox's
# applets in /bin: a check of a test itself in a guest's setting (an init
# process, no controlling terminal, TCG speed); not run by ctest.
# The console is kept in FILE (default: a temporary file)
# and shown in full when the test fails, with the failed checks and the
# command line to run it again by hand.
set -u

here=$(cd "$(dirname "$0")" && pwd)
mode= image= initrd= log= limit=120 mem=256M smp=1
jiny_run=$here/../../tools/jiny-run
while [ $# -gt 0 ]; do
	case "$1" in
	--host) mode=host; shift ;;
	--guest) mode=guest; shift ;;
	--linux-guest) mode=linux-guest; shift ;;
	--image) image=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--jiny-run) jiny_run=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	-h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run-compat.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$mode" ] && [ $# -ge 1 ] || { echo "usage: run-compat.sh --host|--guest ... PROG [ARGS...] (see -h)" >&2; exit 2; }
prog=$1; shift
name=$(basename "$prog")
tmpd=$(mktemp -d "${TMPDIR:-/tmp}/run-compat.XXXXXX") || exit 1
trap 'rm -rf "$tmpd"' EXIT
[ -n "$log" ] || log=$tmpd/console.log

# init="..." for the kernel: words joined by spaces, each single-quoted when
# it needs it (the kernel splits the value like a shell).
init_value() {
	local w out=
	for w in "$@"; do
		case $w in
		*[\'\"\\]*) echo "run-compat.sh: cannot pass '$w' in init=\"...\"" >&2; exit 2 ;;
		''|*[!A-Za-z0-9_@%+=:,./-]*) w="'$w'" ;;
		esac
		out+=${out:+ }$w
	done
	printf '%s' "$out"
}

if [ $mode = host ]; then
	[ -x "$prog" ] || { echo "run-compat.sh: no such program: $prog (did the build fail?)" >&2; exit 1; }
	prog=$(cd "$(dirname "$prog")" && pwd)/$name
	cmd=(timeout -k 5 "$limit" "$prog" "$@")
elif [ $mode = linux-guest ]; then
	lg=${JINY_LINUX_GUEST:-$here/../../../shared/baseline/linux-guest.sh}
	[ -x "$lg" ] || { echo "SKIP: no $lg (set JINY_LINUX_GUEST)"; exit 77; }
	mkdir -p "$tmpd/root/bin" "$tmpd/root/usr/bin"
	for a in $(/bin/busybox --list); do
		case $a in busybox|*/*) ;; *) ln -s busybox "$tmpd/root/bin/$a" ;; esac
	done
	cmd=("$lg" --timeout "$limit" --root "$tmpd/root" "$prog" "$@")
else
	[ -n "$image" ] && [ -n "$initrd" ] || { echo "run-compat.sh: --guest needs --image and --initrd" >&2; exit 2; }
	for f in "$image" "$initrd"; do
		[ -f "$f" ] || { echo "run-compat.sh: no such file: $f (did the build fail?)" >&2; exit 1; }
	done
	iv=$(init_value "$prog" "$@") || exit 2
	cmd=("$jiny_run" --accel tcg --machine microvm --mem "$mem" --smp "$smp" --timeout "$limit"
		--initrd "$initrd" --kopt "init=$iv" "$image")
fi

start=$(date +%s.%N)
"${cmd[@]}" </dev/null >"$log" 2>&1
status=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

failed=()
[ "$status" = 0 ] || failed+=("exit status $status, expected 0")
grep -Eq '^PASS compat-' "$log" || failed+=("no 'PASS compat-...' line")
fails=$(grep -E '^FAIL' "$log")
[ -z "$fails" ] || failed+=("FAIL lines in the output")

if [ ${#failed[@]} = 0 ]; then
	echo "PASS $name ($mode, ${secs}s) $(grep -E '^PASS compat-' "$log" | tail -n 1)"
	exit 0
fi
echo "===== $name ($mode): console (${secs}s) ====="
cat "$log"
echo "===== end of console ====="
if [ -n "$fails" ]; then
	echo "----- failed checks -----"
	printf '%s\n' "$fails"
fi
case $status in
124) echo "note: timed out after $limit s (a hang: the last lines above show where)" ;;
125) [ $mode = guest ] && echo "note: 125 = the kernel panicked" ;;
126) [ $mode = guest ] && echo "note: 126 = the guest ended without an exit status, or QEMU could not run" ;;
esac
if [ $mode = guest ] && grep -q '^compat-image: main() ran' "$log"; then
	echo "note: the HP app's main() ran: the kernel did not start init= (no compat layer yet?)"
fi
if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then
	echo "note: status $status = killed by signal $((status - 128))"
fi
printf 'command: '; printf '%q ' "${cmd[@]}"; echo
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "FAIL $name ($mode)"
exit 1
