#!/usr/bin/env bash
# run-interactive.sh: the interactive console test (interactive.exp) against
# busybox on a host pseudo-terminal, or against a Jiny guest's serial console.
#
#   run-interactive.sh --host [--busybox BB]
#   run-interactive.sh --guest --image IMG --initrd CPIO [--jiny-run PATH] [--log FILE]
#                      [--init CMD]
#
# --host: `sh -i` of busybox BB (default /bin/busybox), with only busybox's
#   applets in PATH and the environment the kernel gives init; checks the
#   dialogue itself against Linux.
# --guest: jiny-run --interactive (raw console: ^C goes to the guest's tty)
#   with CPIO (compat-sh.cpio) and init="CMD" (default /bin/busybox sh -i);
#   the shell's fds 0-2 are the serial console, QEMU's stdio, which expect
#   drives through a pty. The VM's exit status must be the shell's (exit 3).
#   ^C reaches the sleep only if the console is the shell's controlling
#   terminal. Linux gives init none (a Linux guest needs
#   CMD = "/bin/busybox setsid -c /bin/busybox sh -i": checked so), so the
#   default counts on the kernel making the console init's controlling tty;
#   a kernel that follows Linux there wants the setsid -c form (CMake:
#   -DJINY_INTERACTIVE_INIT=...).
# The transcript is kept in FILE (default: a temporary file) and shown when
# the test fails.
set -u

here=$(cd "$(dirname "$0")" && pwd)
mode= image= initrd= log= busybox=${BUSYBOX:-/bin/busybox} init="/bin/busybox sh -i"
jiny_run=$here/../../tools/jiny-run
while [ $# -gt 0 ]; do
	case "$1" in
	--host) mode=host; shift ;;
	--guest) mode=guest; shift ;;
	--image) image=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--jiny-run) jiny_run=$2; shift 2 ;;
	--busybox) busybox=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--init) init=$2; shift 2 ;;
	-h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-interactive.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$mode" ] || { echo "usage: run-interactive.sh --host|--guest ... (see -h)" >&2; exit 2; }
command -v expect >/dev/null || { echo "SKIP: expect not found (apt-get install expect)"; exit 77; }
tmpd=$(mktemp -d "${TMPDIR:-/tmp}/run-interactive.XXXXXX") || exit 1
trap 'rm -rf "$tmpd"' EXIT
[ -n "$log" ] || log=$tmpd/transcript.log

if [ $mode = host ]; then
	[ -x "$busybox" ] || { echo "SKIP: $busybox is missing (apt-get install busybox-static)"; exit 77; }
	bin=$tmpd/bin
	mkdir -p "$bin"
	for a in $("$busybox" --list); do
		case $a in */*) continue ;; esac
		ln -s "$busybox" "$bin/$a"
	done
	cmd=(env -i PATH="$bin" HOME=/ TERM=vt100 "$bin/sh" -i)
else
	[ -n "$image" ] && [ -n "$initrd" ] || { echo "run-interactive.sh: --guest needs --image and --initrd" >&2; exit 2; }
	for f in "$image" "$initrd"; do
		[ -f "$f" ] || { echo "run-interactive.sh: no such file: $f (did the build fail?)" >&2; exit 1; }
	done
	# absolute: expect runs in a scratch directory
	image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
	initrd=$(cd "$(dirname "$initrd")" && pwd)/$(basename "$initrd")
	cmd=("$jiny_run" --interactive --accel tcg --machine microvm --timeout 150
		--initrd "$initrd" --kopt "init=$init" "$image")
fi

start=$(date +%s.%N)
(cd "$tmpd" && expect -f "$here/interactive.exp" "${cmd[@]}") </dev/null >"$log" 2>&1
status=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
if [ $status = 0 ] && grep -q '^PASS interactive' "$log"; then
	grep '^ok: ' "$log"
	echo "PASS compat-interactive ($mode, ${secs}s)"
	exit 0
fi
echo "===== compat-interactive ($mode): transcript (${secs}s) ====="
tr -d '\r' <"$log"
echo "===== end of transcript ====="
if [ $mode = guest ] && grep -q '^compat-image: main() ran' "$log"; then
	echo "note: the HP app's main() ran: the kernel did not start init= (no compat layer yet?)"
fi
printf 'command: expect -f %q ' "$here/interactive.exp"; printf '%q ' "${cmd[@]}"; echo
echo "FAIL compat-interactive ($mode): expect exited with $status"
exit 1
