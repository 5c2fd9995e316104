#!/usr/bin/env bash
# test-host.sh: build samples/httpd as a Linux program (and a static one)
# and check it on the host over 127.0.0.1: curl for GET, HEAD, keep-alive,
# directories, 404, 405, path traversal; raw requests through bash's
# /dev/tcp for malformed, oversize, pipelined and HTTP/1.0 requests; the
# sendfile fallback (-s), -n, SIGTERM, the static build; then wrk, when it
# is installed, for a few seconds (-t2 -c30).
#
#   test-host.sh [WORKDIR]      (default: a temporary directory, removed)
#
# Environment: CC (default gcc), WRK_SECONDS (default 5; 0 skips wrk).
# Exit status: 0 all checks passed, 1 a check failed, 77 curl is missing.
# Needs: a C compiler with a static libc, curl, timeout; wrk is optional.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
wrk_seconds=${WRK_SECONDS:-5}
fails=0 checks=0 pids=()

command -v curl >/dev/null || { echo "test-host.sh: SKIP: curl is not installed"; exit 77; }
if [ $# -ge 1 ]; then
	work=$1 keep=1
	mkdir -p "$work" || exit 1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/httpd-test.XXXXXX") keep=0 || exit 1
fi
# the servers this script started, by pid; the work directory unless given
cleanup() {
	for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null; done
	[ $keep = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
# check NAME COMMAND...: pass when COMMAND succeeds
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---- build ----
echo "# building with $cc in $work"
$cc -O2 -g -Wall -Werror -o "$work/httpd" "$here/httpd.c" "$here/http_parse.c" -lpthread ||
	{ echo "FAIL build"; exit 1; }
pass "build: $cc -O2 -o httpd *.c"
if $cc -O2 -static -Wall -Werror -o "$work/httpd-static" "$here/httpd.c" "$here/http_parse.c" -lpthread; then
	pass "build: $cc -O2 -static"
else
	fail "build: $cc -O2 -static"
fi

# ---- the document root ----
www=$work/www
rm -rf "$www"
mkdir -p "$www/sub" "$www/empty-dir"
printf '<h1>index</h1>\n' >"$www/index.html"
printf 'aaa\n' >"$www/a.txt"
printf 'sub index\n' >"$www/sub/index.html"
: >"$www/empty.txt"
head -c 3000000 /dev/urandom >"$www/big.bin"
printf 'secret\n' >"$work/secret.txt"	# outside the root: must stay unreachable

# start NAME ARGS...: start httpd in the background on a port of the
# kernel's choice; sets port and pid (the server's), log in $work/NAME.log
start() {
	local name=$1 bin=$work/httpd; shift
	[ "$name" != static ] || bin=$work/httpd-static
	"$bin" -a 127.0.0.1 -p 0 "$@" >"$work/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	port=
	for _ in $(seq 50); do
		port=$(sed -n 's/^httpd: listening on 127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$work/$name.log")
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "FAIL start $name: no 'listening' line:"; cat "$work/$name.log"
	exit 1
}
# waitexit PID SECS: wait for PID to end; its status in $st (124: still running)
waitexit() {
	local p=$1 n=$(($2 * 10))
	st=124
	while [ $n -gt 0 ] && kill -0 "$p" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -0 "$p" 2>/dev/null && return 1
	wait "$p"; st=$?
	return 0
}
# raw BYTES: send BYTES on a new connection, print all that comes back
# until the server closes it; when it does not close within 5 s, the
# output ends with a line "<still open>" and raw fails
raw() {
	local rc
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf '%s' "$1" >&3
	timeout 5 cat <&3
	rc=$?
	exec 3<&- 3>&-
	[ $rc = 0 ] || printf '\n<still open>\n'
	return $rc
}
url() { echo "http://127.0.0.1:$port$1"; }
# status PATH [CURL ARGS]: the status code curl gets
status() { local p=$1; shift; curl -s -o /dev/null -w '%{http_code}' --path-as-is "$@" "$(url "$p")"; }
# has TEXT PATTERN: TEXT contains the (extended) regex PATTERN
has() { printf '%s' "$1" | grep -Eq -- "$2"; }
hasnt() { ! has "$@"; }
# statuses TEXT: the status codes of the responses in raw's TEXT, in
# order, each followed by a space; then "open" if the server did not close
statuses() {
	printf '%s' "$1" | tr -d '\r' | sed -n 's/^HTTP\/1\.1 \([0-9]\{3\}\) .*/\1/p; s/^<still open>$/open/p' |
		tr '\n' ' ' | sed 's/ open $/ open/'
}

echo "# server: httpd -t 2 -r $www"
start main -t 2 -r "$www"
main_pid=$pid

# ---- curl ----
body=$(curl -s "$(url /)"; echo x)
check "GET / answers 'hello from jiny'" [ "$body" = $'hello from jiny\nx' ]
hdr=$(curl -s -D - -o /dev/null "$(url /)" | tr -d '\r')
check "GET /: 200, Content-Length 16, Date, text/plain" eval 'has "$hdr" "^HTTP/1.1 200 OK$" &&
	has "$hdr" "^Content-Length: 16$" && has "$hdr" "^Date: [A-Z][a-z]{2}, [0-9]{2} " &&
	has "$hdr" "^Content-Type: text/plain"'
out=$(curl -s -I "$(url /)" | tr -d '\r')
check "HEAD /: 200 with Content-Length 16" eval 'has "$out" "^HTTP/1.1 200 OK" && has "$out" "^Content-Length: 16$"'
out=$(raw $'HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' | od -An -c | tr -d ' \n')
check "HEAD /: no body after the head" eval '[[ "$out" == *'"'"'\r\n\r\n'"'"' ]]'
out=$(raw $'HEAD /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' | tr -d '\r')
check "HEAD /a.txt: the file's length, no body" eval 'has "$out" "^Content-Length: 4$" && hasnt "$out" "^aaa"'
check "GET /index.html: the file" [ "$(curl -s "$(url /index.html)")" = '<h1>index</h1>' ]
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$(url /index.html)")
check "GET /index.html: text/html ($ctype)" has "$ctype" '^text/html'
check "GET /empty.txt: 200, empty" [ "$(status /empty.txt)" = 200 -a -z "$(curl -s "$(url /empty.txt)")" ]
sum=$(curl -s "$(url /big.bin)" | sha256sum)
check "GET /big.bin (3 MB, sendfile): same bytes" [ "$sum" = "$(sha256sum <"$www/big.bin")" ]
out=$(curl -sv "$(url /a.txt)" "$(url /index.html)" 2>&1)
check "keep-alive: two URLs, one connection" has "$out" 'Re-?using existing connection'
check "keep-alive: both answers" eval 'has "$out" "^aaa$" && has "$out" "^<h1>index</h1>$"'
out=$(curl -sv "$(url /nope)" "$(url /a.txt)" 2>&1)
check "404 keeps the connection" eval 'has "$out" "HTTP/1.1 404" && has "$out" "Re-?using existing connection" && has "$out" "^aaa$"'
check "GET /nope: 404" [ "$(status /nope)" = 404 ]
check "GET /a.txt/: 404" [ "$(status /a.txt/)" = 404 ]
check "GET /sub: 301 to /sub/" [ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$(url /sub)")" = "301 $(url /sub/)" ]
check "GET /sub/: its index.html" [ "$(curl -s "$(url /sub/)")" = 'sub index' ]
check "GET /empty-dir/: 404" [ "$(status /empty-dir/)" = 404 ]
check "GET /%61.txt: percent-decoded" [ "$(curl -s "$(url /%61.txt)")" = aaa ]
check "GET /a.txt?x=1: the query is not the path" [ "$(curl -s "$(url '/a.txt?x=1')")" = aaa ]
for p in /../secret.txt /sub/../../secret.txt /%2e%2e/secret.txt /%2E%2E%2fsecret.txt /sub/%2e%2e/%2e%2e/secret.txt; do
	s=$(status "$p")
	b=$(curl -s --path-as-is "$(url "$p")")
	check "path traversal $p: $s, nothing outside the root" eval '[ "$s" = 403 -o "$s" = 404 ] && hasnt "$b" secret'
done
out=$(curl -s -i -X POST -d x "$(url /)" | tr -d '\r')
check "POST: 405 with Allow: GET, HEAD" eval 'has "$out" "^HTTP/1.1 405 " && has "$out" "^Allow: GET, HEAD$"'
check "DELETE: 405" [ "$(status /a.txt -X DELETE)" = 405 ]

# ---- raw requests ----
out=$(raw $'GARBAGE\r\n\r\n')
check "malformed request line: 400, closed" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/1.1\r\n\r\n')
check "HTTP/1.1 without Host: 400" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n')
check "a field without a colon: 400" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost : t\r\n\r\n')
check "space before the colon: 400" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n')
check "obsolete line folding: 400" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/2.0\r\nHost: t\r\n\r\n')
check "HTTP/2.0: 505" [ "$(statuses "$out")" = "505 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
check "Transfer-Encoding: 501" [ "$(statuses "$out")" = "501 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy')
check "two Content-Lengths: 400" [ "$(statuses "$out")" = "400 " ]
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n')
check "a 2 MB body: 413" [ "$(statuses "$out")" = "413 " ]
big=$(head -c 9000 /dev/zero | tr '\0' a)
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nX-Big: '"$big"$'\r\n\r\n')
check "a 9 KB head: 431, closed" [ "$(statuses "$out")" = "431 " ]
out=$(raw "GET /$big HTTP/1.1"$'\r\nHost: t\r\n\r\n')
check "a 9 KB request line: 414, closed" [ "$(statuses "$out")" = "414 " ]
out=$(raw $'GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nHEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
check "pipelined: 200 404 200 200 in order" [ "$(statuses "$out")" = "200 404 200 200 " ]
check "pipelined: the bodies in order" eval '[ "$(printf "%s" "$out" | tr -d "\r" | grep -E "^(aaa|404 Not Found|hello from jiny)$" | tr "\n" " ")" = "aaa 404 Not Found hello from jiny " ]'
out=$(raw $'\r\n'"GET /a.txt HTTP/1.1"$'\nHost: t\nContent-Length: 5\n\nhelloGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
check "bare LF, an empty line first, a body dropped: 200 200" [ "$(statuses "$out")" = "200 200 " ]
t0=$(date +%s%N)
out=$(raw $'GET /a.txt HTTP/1.0\r\n\r\n')
rc=$? t1=$(date +%s%N)
check "HTTP/1.0: answered, then closed by the server ($(( (t1 - t0) / 1000000 )) ms)" \
	eval '[ $rc = 0 ] && [ "$(statuses "$out")" = "200 " ] && has "$out" "Connection: close"'
out=$(raw $'GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n')
check "HTTP/1.0 with keep-alive: kept, then closed" \
	eval '[ "$(statuses "$out")" = "200 200 " ] && has "$out" "Connection: keep-alive"'
out=$(raw $'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n')
check "Connection: close honoured (the request after it unanswered)" [ "$(statuses "$out")" = "200 " ]

# ---- wrk ----
if [ "$wrk_seconds" != 0 ] && command -v wrk >/dev/null; then
	for p in / /index.html; do
		out=$(wrk -t2 -c30 -d"${wrk_seconds}s" "$(url "$p")" 2>&1)
		rps=$(printf '%s\n' "$out" | sed -n 's/^Requests\/sec: *//p')
		echo "$out" | sed 's/^/#   /'
		check "wrk -t2 -c30 -d${wrk_seconds}s $p: $rps requests/s, no errors" \
			eval '[ -n "$rps" ] && hasnt "$out" "Non-2xx|Socket errors"'
	done
else
	echo "# wrk: skipped (not installed, or WRK_SECONDS=0)"
fi
check "the server survived" kill -0 "$main_pid"

# ---- SIGTERM ----
kill -TERM "$main_pid"
waitexit "$main_pid" 5
check "SIGTERM: exits with 0 (status $st)" [ "$st" = 0 ]
check "SIGTERM: reports what it answered" grep -q 'requests answered on' "$work/main.log"

# ---- the read/write fallback, -n, the static build ----
start fallback -s -n 3 -r "$www"
sum=$(curl -s "$(url /big.bin)" | sha256sum)
check "-s (pread + send): /big.bin same bytes" [ "$sum" = "$(sha256sum <"$www/big.bin")" ]
check "-s: HEAD /big.bin" eval 'curl -sI "$(url /big.bin)" | grep -q "Content-Length: 3000000"'
curl -s -o /dev/null "$(url /)"
waitexit "$pid" 5
check "-n 3: exits with 0 after the third request (status $st)" [ "$st" = 0 ]
check "-n 3: '3 requests answered'" grep -q '^httpd: 3 requests answered' "$work/fallback.log"

start static -n 1 -r "$www"
check "static build: GET /" [ "$(curl -s "$(url /)")" = 'hello from jiny' ]
waitexit "$pid" 5
check "static build: -n 1 exits with 0 (status $st)" [ "$st" = 0 ]

echo "# $((checks - fails)) of $checks checks passed"
[ $fails = 0 ]
