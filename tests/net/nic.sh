#!/usr/bin/env bash
# nic.sh: boot tests/net/nic-app.c with a virtio-net NIC and check it from the
# host with nic-client.py (echo, 16 MiB each way, parallel streams, a receive
# ring kept busy by unread data, 200 short connections, UDP with fragments,
# the driver's counters in /proc/netdev), then let it exit.
#
#   nic.sh JINY_RUN APP MODE [LOG]
#
# MODE:
#   legacy    microvm, virtio-mmio version 1 (QEMU's default), QEMU's user
#             network (slirp) with -p forwards on 127.0.0.1: slirp offers no
#             checksum offload and does not scale TCP windows (the regression
#             case of lwipopts.h's TCP_WND_UPDATE_THRESHOLD)
#   modern    the same on virtio-mmio version 2
#   q35       q35, virtio-pci with MSI-X, slirp
#   q35-smp2  the same with two vCPUs
#   lostkick  legacy, with the kernel option debug_lose_kick=64: every 64th
#             notification of each queue is not sent, and the checks pass
#             only if virtio.c's watch notices and notifies again
#             (/proc/virtio's "rescued" must be above 0)
#   tap       microvm on a tap in a network namespace this script creates
#             and deletes (root, ip, /dev/net/tun; else skipped with 77):
#             the host's own stack as the peer, checksum offload both ways,
#             large receive and large send (the driver must have sent
#             segments for the device to cut); TCP over IPv6 too (the
#             guest's link-local address)
#   stress    the tap set-up, and instead of the checks: 10,000 connections
#             opened and closed (4 clients at once), 200 MiB each way at the
#             same time with checksums, and the guest's MemFree back within
#             4 MiB of its value after a warm-up (TIME_WAIT pcbs, at most
#             1024, and lwIP's eight kept 64 KiB blocks fit well inside)
#   host      APP is nic-app built for Linux, run here on 127.0.0.1 (checks
#             the client and the protocol against Linux's stack)
# Exit: 0 passed, 1 failed, 77 skipped (with the reason printed).
set -u
[ $# -ge 3 ] || { echo "usage: nic.sh JINY_RUN APP MODE [LOG]" >&2; exit 2; }
jr=$1 app=$2 mode=$3 log=${4:-$2.$3.log}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tapns.sh"
client=$here/nic-client.py
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
[ -x "$app" ] || { echo "nic.sh: no such program: $app" >&2; exit 1; }

# A free TCP+UDP port on 127.0.0.1 (ctest runs tests side by side).
free_port() {
	python3 -c 'import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: u.close(); t.close()'
}

ns= guest=
cleanup() {
	[ -n "$guest" ] && kill "$guest" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT

runner=()
opts=(--timeout 300)
case "$mode" in
host)
	port=$(free_port)
	"$app" "$port" >"$log" 2>&1 &
	guest=$!
	python3 "$client" --stats --quit --wait 20 --fetch 127.0.0.1:127.0.0.1 127.0.0.1 "$port"
	rc=$?
	wait "$guest"; grc=$?; guest=
	cat "$log"
	[ $rc = 0 ] && [ $grc = 0 ] || { echo "FAIL: client $rc, app exit $grc"; exit 1; }
	echo "PASS"; exit 0 ;;
legacy) ;;
modern) opts+=(--virtio-mmio modern) ;;
q35) opts+=(--machine q35) ;;
q35-smp2) opts+=(--machine q35 --smp 2) ;;
lostkick) opts+=(--kopt debug_lose_kick=64) ;;
tap|stress)
	if ! tapns_usable; then
		echo "SKIP: the tap mode needs root, ip(8) and /dev/net/tun"; exit 77
	fi
	ns=jnic$$
	n=$(( $$ % 200 + 20 ))
	if ! tapns_make "$ns" "10.$n.0.1/24"; then
		echo "SKIP: cannot make a network namespace with a tap here"; exit 77
	fi
	runner=(ip netns exec "$ns")
	opts+=(--net tap:tap0 --kopt "ip=10.$n.0.15/24,10.$n.0.1") ;;
*) echo "nic.sh: unknown mode $mode" >&2; exit 2 ;;
esac

checks=(--stats)
[ "$mode" != stress ] || checks=(--stress 10000 --stress-mib 200 --mem-tolerance 4096)
[ "$mode" != lostkick ] || checks+=(--rescued)
if [ -n "$ns" ]; then
	host=10.$n.0.15 port=7 udp=7
	# and IPv6: the guest's link-local address (from its MAC), found by ND
	[ "$mode" = stress ] || checks+=(--fetch "10.$n.0.1:10.$n.0.1" --ipv6 "fe80::5054:ff:fe12:3456%tap0" --large)
else
	port=$(free_port)
	host=127.0.0.1 udp=$port
	checks+=(--fetch 127.0.0.1:10.0.2.2) # slirp: the host's 127.0.0.1 as 10.0.2.2
	opts+=(-p "127.0.0.1:$port:7" -p "udp:127.0.0.1:$port:7")
fi
echo "+ ${runner[*]} $jr ${opts[*]} $app"
"${runner[@]}" "$jr" "${opts[@]}" "$app" >"$log" 2>&1 </dev/null &
guest=$!
"${runner[@]}" python3 "$client" "${checks[@]}" --quit --wait 120 "$host" "$port" --udp-port "$udp"
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
bad=$(grep -E "panic|broken|dropped|refused|Exception|BUG" "$log")
[ -z "$bad" ] || echo "FAIL: the console reports trouble: $bad"
if [ $rc = 0 ] && [ $grc = 0 ] && [ -z "$bad" ]; then
	echo "PASS"; exit 0
fi
echo "FAIL: client $rc, guest exit $grc"
exit 1
