# tapns.sh: sourced by the tests/net scripts that put a guest on a tap in a
# network namespace of their own (the caller deletes it: ip netns del NS).
#
#   tapns_usable              root, ip(8) and /dev/net/tun are here
#   tapns_ns NS               namespace NS with its loopback up
#   tapns_tap NS ADDR/PREFIX  a tap0 in NS with the host side's address, up
#   tapns_make NS ADDR/PREFIX both
# Each returns non-zero when a step fails (the caller prints why it skips).

tapns_usable() {
	[ "$(id -u)" = 0 ] && command -v ip >/dev/null && [ -c /dev/net/tun ]
}

tapns_ns() {
	ip netns add "$1" && ip -n "$1" link set lo up
}

tapns_tap() {
	ip -n "$1" tuntap add dev tap0 mode tap &&
	ip -n "$1" addr add "$2" dev tap0 && ip -n "$1" link set tap0 up
}

tapns_make() {
	tapns_ns "$1" && tapns_tap "$1" "$2"
}
