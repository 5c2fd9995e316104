#!/usr/bin/env bash
# httpd.sh: samples/httpd as the HP app behind a virtio-net NIC, checked from
# the host with curl (and wrk for a few seconds when it is installed): the
# sample built the way its README says (pkg-config, jiny-mkrootfs), with a
# document root of our own: a 612-byte page, a 1 MiB file (sendfile over
# the NIC), a directory index.
#
#   httpd.sh JINY_RUN SDK_DIR SRC_DIR WORK_DIR MODE
#
# MODE: user (jiny-run -p on 127.0.0.1, microvm, two vCPUs and two workers)
# or tap (a tap in a network namespace made and deleted here; root only).
# Exit: 0 passed, 1 failed, 77 skipped with the reason (no curl; tap
# without root).
set -u
[ $# = 5 ] || { echo "usage: httpd.sh JINY_RUN SDK_DIR SRC_DIR WORK_DIR MODE" >&2; exit 2; }
jr=$1 sdk=$2 src=$3 work=$4 mode=$5
. "$src/tests/net/tapns.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
fails=0 checks=0 guest= ns=
cleanup() {
	[ -n "$guest" ] && kill "$guest" 2>/dev/null && wait "$guest" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }

# ---- the image ----
mkdir -p "$work" && rm -rf "$work/rootfs" && mkdir -p "$work/rootfs/www/sub" || exit 1
www=$work/rootfs/www
head -c 612 /dev/zero | tr '\0' 'x' | sed 's/^x\{16\}/<h1>jiny 612<\/h1>/' >"$www/index.html"
truncate -s 612 "$www/index.html"
head -c 1048576 /dev/urandom >"$www/big.bin"
printf 'sub index\n' >"$www/sub/index.html"
export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
"$(pkg-config --variable=mkrootfs jiny)" "$work/rootfs" "$work/rootfs.o" || { echo "FAIL jiny-mkrootfs"; exit 1; }
${CC:-gcc} -O2 -g -Wall "$src/samples/httpd/httpd.c" "$src/samples/httpd/http_parse.c" \
	"$work/rootfs.o" $(pkg-config --libs jiny) -o "$work/httpd" || { echo "FAIL build"; exit 1; }
pass "samples/httpd built with pkg-config, a 612-byte page and 1 MiB file linked in"

# ---- boot ----
run=()
case "$mode" in
user)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	base=http://127.0.0.1:$port
	opts=(--smp 2 -p "127.0.0.1:$port:80") ;;
tap)
	if ! tapns_usable; then
		echo "SKIP: the tap mode needs root, ip(8) and /dev/net/tun"; exit 77
	fi
	ns=jhttpd$$ n=$(( $$ % 200 + 20 ))
	tapns_make "$ns" "10.$n.1.1/24" ||
		{ echo "SKIP: cannot make a network namespace with a tap here"; exit 77; }
	run=(ip netns exec "$ns")
	base=http://10.$n.1.15
	opts=(--smp 2 --net tap:tap0 --kopt "ip=10.$n.1.15/24,10.$n.1.1") ;;
*) echo "httpd.sh: unknown mode $mode" >&2; exit 2 ;;
esac
log=$work/httpd.$mode.log
echo "+ ${run[*]} $jr --timeout 300 ${opts[*]} $work/httpd -- -p 80 -t 2"
"${run[@]}" "$jr" --timeout 300 "${opts[@]}" "$work/httpd" -- -p 80 -t 2 >"$log" 2>&1 </dev/null &
guest=$!
c() { "${run[@]}" curl -s --max-time 30 "$@"; }
up=0
for _ in $(seq 600); do
	c -o /dev/null "$base/" && { up=1; break; }
	kill -0 "$guest" 2>/dev/null || break
	sleep 0.2
done
[ $up = 1 ] && pass "the guest answers at $base" || { fail "the guest never answered"; cat "$log"; exit 1; }

# ---- checks ----
[ "$(c "$base/")" = "hello from jiny" ] && pass "GET /: the sample's fixed body" || fail "GET /"
body=$(c "$base/index.html" | od -An -tx1 | tr -d ' \n') want=$(od -An -tx1 "$www/index.html" | tr -d ' \n')
[ "$body" = "$want" ] && pass "GET /index.html is the 612-byte page" || fail "GET /index.html differs"
h=$(c -I "$base/index.html")
[[ "$h" == *" 200"* && "$h" == *"Content-Length: 612"* ]] && pass "HEAD /index.html: 200, Content-Length 612" ||
	fail "HEAD /index.html: $h"
got=$(c "$base/big.bin" | sha256sum | cut -d' ' -f1) exp=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
[ "$got" = "$exp" ] && pass "GET /big.bin: 1 MiB, sha256 matches (sendfile over the NIC)" ||
	fail "GET /big.bin: sha256 $got, want $exp"
[ "$(c -o /dev/null -w '%{http_code}' "$base/nope")" = 404 ] && pass "GET /nope: 404" || fail "GET /nope"
s=$(c -o /dev/null -w '%{http_code}' --path-as-is "$base/../../etc/passwd")
[ "$s" = 400 ] || [ "$s" = 403 ] || [ "$s" = 404 ] && pass "GET /../../etc/passwd: $s" || fail "path traversal answered $s"
[ "$(c "$base/sub/")" = "sub index" ] && pass "GET /sub/: the directory's index" || fail "GET /sub/"
v=$(c -v -o /dev/null -o /dev/null "$base/" "$base/sub/" 2>&1)
[[ "$v" == *"Re-using existing connection"* || "$v" == *"Reusing existing connection"* ]] &&
	pass "keep-alive: curl reuses the connection" || fail "keep-alive: no connection reuse"
codes=$(seq 200 | "${run[@]}" xargs -P 8 -I{} curl -s --max-time 60 -o /dev/null -w '%{http_code}\n' "$base/?{}" | sort | uniq -c | tr -s ' ')
[ "$codes" = " 200 200" ] && pass "200 requests, 8 at a time: all 200" || fail "200 requests, 8 at a time: $codes"
if command -v wrk >/dev/null; then
	out=$("${run[@]}" wrk -t2 -c30 -d3s "$base/index.html" 2>&1)
	rps=$(sed -n 's/^Requests\/sec: *//p' <<<"$out")
	if [[ "$out" != *Non-2xx* ]] && [ -n "$rps" ]; then
		pass "wrk -t2 -c30 -d3s /index.html: $rps req/s, no error responses (a figure, not a bound)"
	else
		fail "wrk: $out"
	fi
else
	echo "     (wrk is not installed: no load run)"
fi
kill -0 "$guest" 2>/dev/null && pass "the guest still runs" || fail "the guest ended"
bad=$(grep -E "panic|Exception|broken|BUG" "$log")
[ -z "$bad" ] && pass "the console reports no trouble" || fail "console: $bad"
echo "---- console ($log)"; cat "$log"
echo "$checks checks, $fails failures"
[ $fails = 0 ] && echo PASS
exit $((fails > 0))
