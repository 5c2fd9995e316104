#!/usr/bin/env bash
# check-linked.sh: pay for what you link, checked on real images. An app
# that uses no socket (samples/hello) must carry no network stack, no NIC
# driver and no virtio core; an app that calls socket() must carry lwIP,
# the virtio core and the virtio-net driver (so a NIC given by jiny-run
# --net works without any flag). Symbols are read with nm (the kernel's are
# local in the image, but present).
#
#   check-linked.sh SDK_DIR SRC_DIR WORK_DIR
set -u
[ $# = 3 ] || { echo "usage: check-linked.sh SDK_DIR SRC_DIR WORK_DIR" >&2; exit 2; }
sdk=$1 src=$2 work=$3
mkdir -p "$work"
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
libs=$(pkg-config --libs jiny) || { echo "FAIL: pkg-config does not know jiny"; exit 1; }
fails=0
check() { # IMAGE WANT(yes|no) SYMBOL...
	local img=$1 want=$2; shift 2
	for s in "$@"; do
		if nm "$img" | grep -qE " [tTdDrR] $s\$"; then has=yes; else has=no; fi
		if [ "$has" = "$want" ]; then
			echo "ok   $(basename "$img") $( [ "$want" = yes ] && echo has || echo "has no") $s"
		else
			echo "FAIL $(basename "$img"): $s is $( [ "$has" = yes ] && echo "linked" || echo "missing")"
			fails=$((fails + 1))
		fi
	done
}
${CC:-gcc} -O2 -g "$src/samples/hello/hello.c" $libs -o "$work/hello" || exit 1
${CC:-gcc} -O2 -g "$src/tests/net/nic-app.c" $libs -o "$work/sockets" || exit 1
check "$work/hello" no lwip_init virtio_scan vnet_probe vnet_xmit net_start
check "$work/sockets" yes lwip_init virtio_scan vnet_probe vnet_xmit net_start
[ $fails = 0 ] && echo PASS || echo "FAIL: $fails"
exit $((fails > 0))
