#!/usr/bin/env bash
# hostile.sh: hostile traffic at a Jiny guest from the host side of a tap.
# Boots tests/net/nic-app.c on a tap in a network namespace this script
# makes and deletes, and has hostile.py (run in that namespace) send it, from
# an AF_PACKET socket on the tap: random garbage frames, truncated and
# inconsistent headers, bad checksums (watched by a sniffer: no SYN-ACK to a
# SYN with a bad checksum, no echo of a bad UDP datagram, ...), IP fragment
# attacks, ARP table churn, a SYN flood; an ordinary client echoes beside it
# all, and nic-client.py (short) runs afterwards. Then the driver's counters
# (bad checksums seen), QUIT, a guest exit status of 0 and a console without
# "panic", "Exception", "BUG" or an lwIP assertion. hostile.py's top says
# what each phase sends and checks.
#
#   hostile.sh JINY_RUN APP [LOG]
#   hostile.sh - APP-BUILT-FOR-LINUX [LOG]
#
# The second form checks the test itself against Linux's stack: the app runs
# on Linux in a second namespace behind a veth (with the guest's MAC and
# address), which must pass everything (no driver counters to check there).
#
# Extra arguments for hostile.py in $HOSTILE_ARGS, e.g. "--seed 42" (the
# random frames of a failed run again), "--phases 1234" (no ARP churn, no
# SYN flood), "--pcap /tmp/tap.pcap" (every frame on the tap, both ways);
# for jiny-run in $HOSTILE_RUN_ARGS, e.g. "--qemu-arg -monitor --qemu-arg
# unix:/tmp/mon.sock,server,nowait" (to look at a guest that stops answering).
# Needs root, ip(8) and /dev/net/tun (else skipped with 77).
# Exit: 0 passed, 1 failed, 77 skipped (with the reason printed).
set -u
[ $# -ge 2 ] || { echo "usage: hostile.sh JINY_RUN APP [LOG]" >&2; exit 2; }
jr=$1 app=$2 log=${3:-$2.hostile.log}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tapns.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
[ -x "$app" ] || { echo "hostile.sh: no such program: $app" >&2; exit 1; }
if ! tapns_usable; then
	echo "SKIP: needs root, ip(8) and /dev/net/tun"; exit 77
fi

ns=jhostile$$ gns=
n=$(( $$ % 200 + 20 ))
guest=
cleanup() {
	[ -n "$guest" ] && kill "$guest" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	[ -z "$gns" ] || ip netns del "$gns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
if ! tapns_ns "$ns"; then
	echo "SKIP: cannot make a network namespace here"; exit 77
fi
t0=$(date +%s)
if [ "$jr" = - ]; then
	# Linux as the guest: a namespace of its own behind a veth.
	iface=vh0 gns=${ns}g
	if ! { ip netns add "$gns" && ip -n "$gns" link set lo up &&
	       ip link add vh0 netns "$ns" type veth peer name vg0 netns "$gns" &&
	       ip -n "$ns" addr add 10.$n.0.1/24 dev vh0 && ip -n "$ns" link set vh0 up &&
	       ip -n "$gns" link set vg0 address 52:54:00:12:34:56 &&
	       ip -n "$gns" addr add 10.$n.0.15/24 dev vg0 && ip -n "$gns" link set vg0 up; }; then
		echo "SKIP: cannot make two network namespaces with a veth here"; exit 77
	fi
	echo "+ ip netns exec $gns $app 7"
	ip netns exec "$gns" "$app" 7 >"$log" 2>&1 </dev/null &
	guest=$!
else
	iface=tap0
	if ! tapns_tap "$ns" "10.$n.0.1/24"; then
		echo "SKIP: cannot make a tap in a network namespace here"; exit 77
	fi
	opts=(--timeout 300 --net tap:tap0 --kopt "ip=10.$n.0.15/24,10.$n.0.1")
	# shellcheck disable=SC2206
	[ -z "${HOSTILE_RUN_ARGS:-}" ] || opts+=($HOSTILE_RUN_ARGS)
	echo "+ ip netns exec $ns $jr ${opts[*]} $app"
	ip netns exec "$ns" "$jr" "${opts[@]}" "$app" >"$log" 2>&1 </dev/null &
	guest=$!
fi
# hostile.py waits for STATS, attacks, runs nic-client.py, ends with QUIT.
# shellcheck disable=SC2086
ip netns exec "$ns" timeout 280 python3 "$here/hostile.py" --iface "$iface" \
	--client "$here/nic-client.py" ${HOSTILE_ARGS:-} "10.$n.0.15"
rc=$?
# QUIT makes the app exit 0; give the guest a moment to go.
for _ in $(seq 100); do kill -0 "$guest" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$guest" 2>/dev/null; then
	echo "FAIL: the guest is still running after QUIT"; grc=1
else
	wait "$guest"; grc=$?
fi
guest=
echo "---- console ($log)"
cat "$log"
bad=$(grep -E "panic|Exception|BUG|[Aa]ssertion|broken" "$log")
[ -z "$bad" ] || echo "FAIL: the console reports trouble: $bad"
echo "hostile.sh: hostile.py $rc, guest exit $grc, $(( $(date +%s) - t0 )) s"
if [ $rc = 0 ] && [ $grc = 0 ] && [ -z "$bad" ]; then
	echo "PASS"; exit 0
fi
echo "FAIL: hostile.py $rc, guest exit $grc"
exit 1
