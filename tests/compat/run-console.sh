#!/usr/bin/env bash
# run-console.sh: boot the compat image with an init= and judge what the
# kernel itself prints on the console (its messages have no Linux twin to
# compare with, so the expected lines are given here):
#
#   run-console.sh --image IMG --initrd CPIO [--jiny-run PATH] [--log FILE]
#                  [--timeout S] --status N [--has TEXT]... [--lacks TEXT]...
#                  -- INIT-WORDS...
#
# Passes when the VM's exit status is N, every --has TEXT is a substring of
# some console line and no --lacks TEXT is. The console is kept in FILE
# (default: a temporary file) and shown in full on failure. Used by ctest for
#   guest.console-init-missing     init= of a missing file names the error
#   guest.console-quiet-fallbacks  glibc's rseq/clone3 probes print nothing
set -u
here=$(cd "$(dirname "$0")" && pwd)
jiny_run=$here/../../tools/jiny-run
image= initrd= log= limit=120 status=
has=() lacks=()
while [ $# -gt 0 ]; do
	case "$1" in
	--image) image=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--jiny-run) jiny_run=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--status) status=$2; shift 2 ;;
	--has) has+=("$2"); shift 2 ;;
	--lacks) lacks+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) echo "run-console.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -n "$image" ] && [ -n "$initrd" ] && [ -n "$status" ] && [ $# -gt 0 ] ||
	{ echo "usage: run-console.sh --image IMG --initrd CPIO --status N [--has T]... [--lacks T]... -- INIT..." >&2; exit 2; }
[ -n "$log" ] || { log=$(mktemp); trap 'rm -f "$log"' EXIT; }

cmd=("$jiny_run" --accel tcg --machine microvm --mem 256M --timeout "$limit"
	--initrd "$initrd" --kopt "init=$*" "$image")
"${cmd[@]}" >"$log" 2>&1 </dev/null
st=$?
fail=0
if [ "$st" != "$status" ]; then
	echo "FAIL exit status $st, expected $status"
	fail=1
fi
for t in "${has[@]+"${has[@]}"}"; do
	grep -qF -- "$t" "$log" || { echo "FAIL the console lacks: $t"; fail=1; }
done
for t in "${lacks[@]+"${lacks[@]}"}"; do
	grep -qF -- "$t" "$log" && { echo "FAIL the console has: $(grep -F -- "$t" "$log" | head -1)"; fail=1; }
done
if [ $fail != 0 ]; then
	echo "---- console ----"
	cat "$log"
	echo "---- to run it again: ${cmd[*]}"
	exit 1
fi
echo "PASS: exit $st${has:+, has '${has[*]}'}${lacks:+, lacks '${lacks[*]}'}"
