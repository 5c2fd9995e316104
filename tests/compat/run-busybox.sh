#!/usr/bin/env bash
# run-busybox.sh: the busybox script tests (tests/compat/sh/NAME.sh). The
# same busybox binary runs the same script on the Linux host and in a Jiny
# guest; the guest's output must be the host's, line for line.
#
#   run-busybox.sh --host [--busybox BB] SCRIPT
#   run-busybox.sh --guest --image IMG --initrd CPIO [--jiny-run PATH]
#                  [--busybox BB] [--timeout S] [--log FILE] SCRIPT
#   run-busybox.sh --linux-guest [--busybox BB] [--timeout S] [--log FILE] SCRIPT
#
# Both run `sh sh-wrap.sh SCRIPT BASEDIR NAME` (see sh-wrap.sh) with the
# environment the kernel gives init (PATH, HOME=/, TERM=vt100) and only
# busybox's applets in PATH (on the host: a directory of symlinks to BB,
# default /bin/busybox; in the guest: /bin of CPIO, made by mkcompatfs.sh with
# the scripts in /tests). The output is what lies between the wrapper's
# marker lines, the end marker carrying the exit status.
#
# --host: the script must exit 0 (a check of the script itself on Linux).
# --guest: runs it on the host first, then boots IMG with
#     init="/bin/sh /tests/sh-wrap.sh /tests/sh/NAME.sh /tmp/sh NAME"
# takes the console between the markers, drops CRs and kernel log lines
# (lines that start with one of the kernel's prefixes: $KLOG_RE below, or
# $JINY_KLOG_RE), and compares: any difference fails with a unified diff
# (--- host, +++ guest), as does a VM exit status other than the script's.
# --linux-guest: the same comparison with a stock Debian Linux guest under
# the same QEMU and TCG (../shared/baseline/linux-guest.sh,
# $JINY_LINUX_GUEST) in place of Jiny: a check of the script itself in a
# guest's setting; not run by ctest.
set -u

here=$(cd "$(dirname "$0")" && pwd)
mode= image= initrd= log= limit=120 busybox=${BUSYBOX:-/bin/busybox}
jiny_run=$here/../../tools/jiny-run
KLOG_RE=${JINY_KLOG_RE:-'^(jiny|initramfs|vfs|devfs|compat|elf|exec|proc|signal|mm|sched|tty|console|init|launch|panic): '}
while [ $# -gt 0 ]; do
	case "$1" in
	--host) mode=host; shift ;;
	--guest) mode=guest; shift ;;
	--linux-guest) mode=linux-guest; shift ;;
	--image) image=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--jiny-run) jiny_run=$2; shift 2 ;;
	--busybox) busybox=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	-h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-busybox.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -n "$mode" ] && [ $# = 1 ] || { echo "usage: run-busybox.sh --host|--guest ... SCRIPT (see -h)" >&2; exit 2; }
script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
name=$(basename "$script" .sh)
[ -f "$script" ] || { echo "run-busybox.sh: no such script: $1" >&2; exit 2; }
if [ ! -x "$busybox" ]; then
	echo "SKIP: $busybox is missing (apt-get install busybox-static)"
	exit 77
fi

tmpd=$(mktemp -d "${TMPDIR:-/tmp}/run-busybox.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmpd" 2>/dev/null; rm -rf "$tmpd"' EXIT

# between LOG NAME: the lines between the markers, markers included.
between() {
	tr -d '\r' <"$1" | sed -n "/^@@@ jiny-compat-sh begin $2 @@@\$/,/^@@@ jiny-compat-sh end $2 status=.* @@@\$/p"
}

# ---- the host run (both modes) ----
bin=$tmpd/bin
mkdir -p "$bin"
for a in $("$busybox" --list); do
	case $a in */*) continue ;; esac
	ln -s "$busybox" "$bin/$a"
done
host_start=$(date +%s.%N)
(cd "$tmpd" && env -i PATH="$bin" HOME=/ TERM=vt100 \
	timeout -k 5 "$limit" "$bin/sh" "$here/sh-wrap.sh" "$script" "$tmpd/host" "$name") \
	</dev/null >"$tmpd/host.log" 2>&1
host_status=$?
host_secs=$(awk -v a="$host_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
between "$tmpd/host.log" "$name" >"$tmpd/host.out"

if [ $mode = host ]; then
	cat "$tmpd/host.log"
	if [ "$host_status" = 0 ] && grep -q "^@@@ jiny-compat-sh end $name status=0 @@@\$" "$tmpd/host.out"; then
		echo "PASS busybox-$name (host, ${host_secs}s)"
		exit 0
	fi
	echo "FAIL busybox-$name (host): exit status $host_status, expected 0 (the script itself is wrong for Linux)"
	exit 1
fi

# ---- the guest run ----
if [ "$host_status" != 0 ]; then
	cat "$tmpd/host.log"
	echo "FAIL busybox-$name: the script fails on the host (status $host_status): fix it first (host.busybox-$name)"
	exit 1
fi
[ -n "$log" ] || log=$tmpd/guest.log
if [ $mode = linux-guest ]; then
	lg=${JINY_LINUX_GUEST:-$here/../../../shared/baseline/linux-guest.sh}
	[ -x "$lg" ] || { echo "SKIP: no $lg (set JINY_LINUX_GUEST)"; exit 77; }
	r=$tmpd/root
	mkdir -p "$r/bin" "$r/usr/bin" "$r/tests/sh"
	for a in $("$busybox" --list); do
		case $a in busybox|*/*) ;; *) ln -s busybox "$r/bin/$a" ;; esac
	done
	cp "$here/sh-wrap.sh" "$r/tests/sh-wrap.sh"
	cp "$script" "$r/tests/sh/$name.sh"
	cmd=("$lg" --timeout "$limit" --root "$r" "$busybox"
		sh /tests/sh-wrap.sh "/tests/sh/$name.sh" /tmp/sh "$name")
else
	[ -n "$image" ] && [ -n "$initrd" ] || { echo "run-busybox.sh: --guest needs --image and --initrd" >&2; exit 2; }
	for f in "$image" "$initrd"; do
		[ -f "$f" ] || { echo "run-busybox.sh: no such file: $f (did the build fail?)" >&2; exit 1; }
	done
	cmd=("$jiny_run" --accel tcg --machine microvm --mem 256M --timeout "$limit" --initrd "$initrd"
		--kopt "init=/bin/sh /tests/sh-wrap.sh /tests/sh/$name.sh /tmp/sh $name" "$image")
fi
start=$(date +%s.%N)
"${cmd[@]}" </dev/null >"$log" 2>&1
status=$?
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
between "$log" "$name" | grep -Ev -- "$KLOG_RE" >"$tmpd/guest.out"

failed=()
if ! grep -q "^@@@ jiny-compat-sh begin $name @@@\$" "$tmpd/guest.out"; then
	failed+=("the script never started in the guest (no begin marker on the console)")
elif ! diff -q "$tmpd/host.out" "$tmpd/guest.out" >/dev/null; then
	failed+=("the guest's output differs from the host's (diff above: - host, + guest)")
fi
[ "$status" = "$host_status" ] || failed+=("VM exit status $status, expected $host_status (the host's)")

if [ ${#failed[@]} = 0 ]; then
	echo "PASS busybox-$name (guest ${secs}s, host ${host_secs}s): $(($(wc -l <"$tmpd/host.out") - 2)) lines match"
	exit 0
fi
echo "===== busybox-$name: guest console (${secs}s) ====="
tr -d '\r' <"$log"
echo "===== end of console ====="
if grep -q "^@@@ jiny-compat-sh begin $name @@@\$" "$tmpd/guest.out"; then
	echo "===== diff: host (expected) vs guest ====="
	diff -u --label "host: busybox sh $name.sh" --label "guest: busybox sh $name.sh" \
		"$tmpd/host.out" "$tmpd/guest.out"
	echo "===== end of diff ====="
fi
case $status in
124) echo "note: the guest timed out after $limit s" ;;
125) echo "note: 125 = the kernel panicked" ;;
126) echo "note: 126 = the guest ended without an exit status, or QEMU could not run" ;;
esac
if grep -q '^compat-image: main() ran' "$log"; then
	echo "note: the HP app's main() ran: the kernel did not start init= (no compat layer yet?)"
fi
printf 'command: '; printf '%q ' "${cmd[@]}"; echo
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "FAIL busybox-$name (guest)"
exit 1
