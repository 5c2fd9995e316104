#!/usr/bin/env bash
# check-jiny-run.sh: jiny-run's network options, checked on the QEMU command
# lines it prints with --dry-run (no guest is booted): --net user|tap|none,
# -p/--publish in its forms (prefix and docker's /udp suffix, host address,
# defaults), --mac, on microvm and q35; and the mistakes it must refuse with
# exit status 2 and a message naming the option.
#
#   check-jiny-run.sh JINY_RUN IMAGE
set -u
[ $# = 2 ] || { echo "usage: check-jiny-run.sh JINY_RUN IMAGE" >&2; exit 2; }
jr=$1 img=$2
fails=0
# ok OPTIONS... -- WANT...: the command line holds every WANT (fixed strings).
ok() {
	local opts=() out
	while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
	out=$("$jr" --dry-run "${opts[@]}" "$img" 2>&1); local rc=$?
	for w in "$@"; do
		if [ $rc != 0 ] || [[ "$out" != *"$w"* ]]; then
			echo "FAIL jiny-run ${opts[*]}: want '$w' (exit $rc): $out"
			fails=$((fails + 1)); return
		fi
	done
	echo "ok   jiny-run ${opts[*]}"
}
# bad OPTIONS... -- TEXT: refused with status 2 and a message containing TEXT.
bad() {
	local opts=() out
	while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
	out=$("$jr" --dry-run "${opts[@]}" "$img" 2>&1); local rc=$?
	if [ $rc = 2 ] && [[ "$out" == *"$1"* ]]; then
		echo "ok   jiny-run ${opts[*]} refused"
	else
		echo "FAIL jiny-run ${opts[*]}: want exit 2 with '$1', got $rc: $out"
		fails=$((fails + 1))
	fi
}
NIC_MMIO='-device virtio-net-device,netdev=net0,mac=52:54:00:12:34:56'
ok -- -M microvm
[[ "$("$jr" --dry-run "$img" 2>&1)" != *netdev* ]] && echo "ok   no NIC by default" ||
	{ echo "FAIL a NIC without --net or -p"; fails=$((fails + 1)); }
ok --net user -- '-netdev user,id=net0 ' "$NIC_MMIO"
ok -p 8080:80 -- '-netdev user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80 ' "$NIC_MMIO"
ok --publish 0.0.0.0:8080:80 -- 'hostfwd=tcp:0.0.0.0:8080-:80'
ok -p udp:5353:53 -- 'hostfwd=udp:127.0.0.1:5353-:53'
ok -p 5353:53/udp -- 'hostfwd=udp:127.0.0.1:5353-:53'
ok -p 10.1.2.3:8080:80/tcp -- 'hostfwd=tcp:10.1.2.3:8080-:80'
ok -p 8080:80 -p udp:8080:80 -p 8443:443 -- \
	'hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.1:8443-:443'
ok -p 127.0.0.1:8080:80 -p 127.0.0.2:8080:81 -- 'hostfwd=tcp:127.0.0.2:8080-:81'
ok --machine q35 -p 8080:80 -- '-device virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,romfile='
ok --net tap:tap7 -- '-netdev tap,id=net0,ifname=tap7,script=no,downscript=no,vhost=off' "$NIC_MMIO"
ok --net user --mac 02:AB:cd:00:00:01 -- 'mac=02:ab:cd:00:00:01'
ok --net none -- -M microvm
bad -p 0:80 -- 'host port'
bad -p 80:65536 -- 'guest port'
bad -p 80 -- "-p '80'"
bad -p 8080:80: -- "-p '8080:80:'"
bad -p ::1:80:80 -- 'IPv6'
bad -p sctp:80:80 -- 'sctp'
bad -p 80:80/sctp -- 'tcp or udp'
bad -p tcp:80:80/udp -- 'two protocols'
bad -p 999.1.1.1:80:80 -- 'IPv4'
bad -p 8080:80 -p 8080:81 -- 'published twice'
bad -p 0.0.0.0:8080:80 -p 127.0.0.1:8080:81 -- 'published twice'
bad --net none -p 8080:80 -- '--net none'
bad --net tap:t0 -p 8080:80 -- '--net tap'
bad --net foo -- '--net'
bad --net tap:a,b -- 'tap'
bad --net user --mac 01:00:00:00:00:01 -- 'multicast'
bad --net user --mac 02:00:00:00:01 -- '--mac'
[ $fails = 0 ] && echo PASS || echo "FAIL: $fails"
exit $((fails > 0))
