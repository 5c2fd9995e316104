#!/usr/bin/env bash
# busybox-nic.sh: unmodified busybox networking applets in ring 3 behind the
# real NIC (virtio-net, QEMU's user network), checked from the host:
#
#   busybox-nic.sh JINY_RUN IMAGE INITRD [LOG]
#
# IMAGE is the compat image (tests/compat/compat-image.c: an app that links
# the socket layer, hence the NIC driver, and whose main() only runs if init=
# was ignored), INITRD the busybox initramfs (tests/compat/mkcompatfs.sh:
# busybox-static with its applets as /bin/*). The guest runs, as init=,
# a busybox sh script that
#   - starts `nc -l -p 7` (stdin a file, stdout to /tmp/nc.out) and
#     `httpd -f -p 80 -h /www` (an index.html holding this run's token, and
#     a copy of /bin/busybox, ~2 MB),
#   - fetches a 1 MiB file from a server of this script on the host,
#     http://10.0.2.2:PORT/file.bin (slirp's gateway is the host's 127.0.0.1),
#     with busybox wget, retrying while DHCP is not done (ip=dhcp, the
#     default), and prints its md5sum,
#   - pings slirp's gateway with busybox ping -c 1 10.0.2.2 and ping6 -c 1
#     fec0::2 (raw ICMP sockets; slirp answers its own addresses itself, with
#     no ping socket on the host), each under a 10 s watchdog of the script
#     (written before Jiny had alarm(), which busybox's -W timeout needs),
#     tried up to 3 times (IPv6's address comes by SLAAC, maybe after DHCP's),
#   - waits for nc to end, prints nc's status and the md5sum of what it got,
#   - stops httpd with SIGTERM and exits 0, which ends the VM with 0.
# The host, through jiny-run -p 127.0.0.1:P1:80 -p 127.0.0.1:P2:7,
#   - GETs /index.html (retrying until httpd listens) and checks the token,
#   - GETs /busybox and checks its md5 against the one the guest printed,
#   - sends 256 KiB to nc, half-closes, and reads nc's own stdin back,
# then checks the guest's md5s against its own, that the host server saw
# busybox wget's request, that both pings got their reply, the VM's exit
# status 0, and a console without a panic or a kernel exception. Ports are free
# ones picked here (tests run in parallel); a port taken between picking and
# QEMU's bind makes jiny-run exit 126, and the boot is retried with new ports.
# Exit: 0 passed, 1 failed, 77 skipped (python3 missing; the reason printed).
set -u
[ $# -ge 3 ] || { echo "usage: busybox-nic.sh JINY_RUN IMAGE INITRD [LOG]" >&2; exit 2; }
jr=$1 image=$2 initrd=$3 log=${4:-$2.busybox-nic.log}
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
for f in "$image" "$initrd"; do
	[ -f "$f" ] || { echo "busybox-nic.sh: no such file: $f (did the build fail?)" >&2; exit 1; }
done
limit=${BUSYBOX_NIC_TIMEOUT:-240}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/busybox-nic.XXXXXX") || exit 1
srv= guest=
cleanup() {
	[ -n "$guest" ] && kill "$guest" 2>/dev/null
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failed=1; }
failed=0

# ---- the host's HTTP server (port 0: the kernel picks; the port goes to a file) ----
mkdir "$tmp/www"
python3 -c 'import os, random, sys
random.seed(1234)
sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(1 << 20)))' >"$tmp/www/file.bin"
host_md5=$(md5sum <"$tmp/www/file.bin" | cut -d' ' -f1)
python3 -u - "$tmp/www" "$tmp/srv.port" >"$tmp/srv.log" 2>&1 <<'EOF' &
import functools, http.server, os, sys
root, portfile = sys.argv[1], sys.argv[2]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        print("host server: %s %s" % (self.headers.get("User-Agent"), fmt % args), flush=True)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=root))
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF
srv=$!
for _ in $(seq 100); do [ -s "$tmp/srv.port" ] && break; sleep 0.1; done
[ -s "$tmp/srv.port" ] || { cat "$tmp/srv.log"; echo "FAIL: the host's HTTP server did not start"; exit 1; }
sport=$(cat "$tmp/srv.port")

# A free TCP port on 127.0.0.1 (QEMU binds it for -p).
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---- the guest's init: a busybox sh script (no quote or backslash: init="...") ----
token=busybox-nic-$$-$RANDOM
script="mkdir -p /www; echo $token >/www/index.html; cp /bin/busybox /www/busybox;
set -- \$(md5sum /www/busybox); echo guest-busybox-md5=\$1;
echo from-guest-nc >/tmp/nc.in;
nc -l -p 7 </tmp/nc.in >/tmp/nc.out 2>/tmp/nc.err & ncpid=\$!;
httpd -f -p 80 -h /www & hpid=\$!;
ok=0; i=0;
while [ \$i -lt 60 ]; do i=\$((i + 1));
  if wget -q -O /tmp/file.bin http://10.0.2.2:$sport/file.bin; then ok=1; break; fi; sleep 1; done;
echo guest-wget=\$ok tries=\$i;
set -- \$(md5sum /tmp/file.bin); echo guest-wget-md5=\$1;
tryping() { \$1 -c 1 \$2 >/tmp/ping.out 2>&1 & ppid=\$!; i=0;
  while kill -0 \$ppid 2>/dev/null && [ \$i -lt 10 ]; do sleep 1; i=\$((i + 1)); done;
  kill \$ppid 2>/dev/null; wait \$ppid; st=\$?; cat /tmp/ping.out; return \$st; };
for p in ping:10.0.2.2 ping6:fec0::2; do st=1; n=0;
  while [ \$st != 0 ] && [ \$n -lt 3 ]; do n=\$((n + 1)); tryping \${p%%:*} \${p#*:}; st=\$?; done;
  echo guest-\${p%%:*}=\$st tries=\$n; done;
wait \$ncpid; echo guest-nc-status=\$?; cat /tmp/nc.err;
set -- \$(md5sum /tmp/nc.out); echo guest-nc-md5=\$1;
set -- \$(wc -c </tmp/nc.out); echo guest-nc-bytes=\$1;
kill \$hpid; wait \$hpid; echo guest-httpd-status=\$?;
if [ \$ok = 1 ]; then echo guest-done; exit 0; fi; exit 3"
script=${script//$'\n'/ }

# ---- boot, and the host's side of the checks ----
crc=1 grc=1
for attempt in 1 2 3; do
	hport=$(free_port) nport=$(free_port)
	[ "$hport" != "$nport" ] || continue
	opts=(--accel tcg --mem 256M --timeout "$limit" --initrd "$initrd"
	      -p "127.0.0.1:$hport:80" -p "127.0.0.1:$nport:7" --kopt "init=/bin/sh -c '$script'")
	echo "+ $jr ${opts[*]} $image"
	echo "  (the host's server: 127.0.0.1:$sport, the guest's 10.0.2.2:$sport)"
	"$jr" "${opts[@]}" "$image" >"$log" 2>&1 </dev/null &
	guest=$!
	python3 - "$hport" "$nport" "$token" "$tmp" "$guest" <<'EOF'
import hashlib, os, socket, sys, time
hport, nport, token, tmp, guest = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ok = True

def guest_runs():
    try:
        os.kill(guest, 0)
        return True
    except OSError:
        return False

def get(path, deadline):
    """GET through slirp's forward; retry while the guest does not listen yet
    (slirp accepts on the host side, then closes when the guest refuses)."""
    last = None
    while time.time() < deadline and guest_runs():
        try:
            with socket.create_connection(("127.0.0.1", hport), timeout=60) as s:
                s.sendall(b"GET %s HTTP/1.0\r\nHost: guest\r\n\r\n" % path.encode())
                data = b""
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    data += b
            if data:
                return data
            last = "empty response"
        except OSError as e:
            last = str(e)
        time.sleep(0.5)
    print("host: GET %s: no response (%s)" % (path, last))
    return None

def split(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(errors="replace"), body

deadline = time.time() + 150
r = get("/index.html", deadline)
if r is None:
    ok = False
else:
    status, body = split(r)
    good = " 200 " in status and body == (token + "\n").encode()
    print("host: GET /index.html from guest httpd: %s (%s, %r)" % ("ok" if good else "FAILED", status, body[:80]))
    ok &= good
r = get("/busybox", deadline)
if r is None:
    ok = False
else:
    status, body = split(r)
    md5 = hashlib.md5(body).hexdigest()
    print("host: GET /busybox: %s, %d bytes, md5 %s" % (status, len(body), md5))
    open(tmp + "/busybox.md5", "w").write(md5)
    ok &= " 200 " in status

# nc -l -p 7: 256 KiB in, half-close, read nc's stdin back until its EOF.
payload = bytes((i * 7 + i // 1000) % 256 for i in range(256 * 1024))
open(tmp + "/nc.md5", "w").write(hashlib.md5(payload).hexdigest())
got = None
while got is None and time.time() < deadline and guest_runs():
    try:
        with socket.create_connection(("127.0.0.1", nport), timeout=60) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        if data:
            got = data
        else:
            time.sleep(0.5)  # nobody listened behind slirp yet
    except OSError as e:
        print("host: nc: %s (retrying)" % e)
        time.sleep(0.5)
good = got == b"from-guest-nc\n"
print("host: nc -l -p 7: %d bytes sent, got back %r: %s" % (len(payload), got, "ok" if good else "FAILED"))
ok &= good
sys.exit(0 if ok else 1)
EOF
	crc=$?
	# The guest ends by itself once nc is done (init exits); allow for TCG.
	for _ in $(seq 600); do kill -0 "$guest" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$guest" 2>/dev/null; then
		echo "FAIL: the guest did not exit within 60 s after the host's checks: killed"
		kill "$guest"; wait "$guest"; grc=1
	else
		wait "$guest"; grc=$?
	fi
	guest=
	if [ $grc = 126 ] && grep -q "Could not set up host forwarding rule" "$log"; then
		echo "note: a forwarded port was taken meanwhile; again with new ports"
		continue
	fi
	break
done

echo "---- console ($log)"
cat "$log"
echo "---- host server"
cat "$tmp/srv.log"
echo "----"
val() { sed -n "s/^$1=\([^ ]*\).*/\1/p" "$log" | tr -d '\r' | tail -1; }
[ $crc = 0 ] || fail "the host's checks failed"
[ "$grc" = 0 ] || fail "the guest's exit status is $grc, not 0"
grep -q '^guest-done' "$log" || fail "the guest script did not finish"
[ "$(val guest-wget)" = 1 ] || fail "busybox wget http://10.0.2.2:$sport/file.bin failed in the guest"
[ "$(val guest-wget-md5)" = "$host_md5" ] ||
	fail "the guest's md5 of file.bin is '$(val guest-wget-md5)', the host's $host_md5"
grep -q "host server: Wget .*GET /file.bin" "$tmp/srv.log" ||
	fail "the host's server saw no busybox wget request"
[ "$(val guest-busybox-md5)" = "$(cat "$tmp/busybox.md5" 2>/dev/null)" ] ||
	fail "/busybox from the guest's httpd: md5 $(cat "$tmp/busybox.md5" 2>/dev/null), the guest's $(val guest-busybox-md5)"
[ "$(val guest-nc-status)" = 0 ] || fail "the guest's nc exited with '$(val guest-nc-status)'"
[ "$(val guest-nc-md5)" = "$(cat "$tmp/nc.md5" 2>/dev/null)" ] ||
	fail "what the guest's nc got: md5 $(val guest-nc-md5), $(val guest-nc-bytes) bytes; sent: md5 $(cat "$tmp/nc.md5" 2>/dev/null), 262144 bytes"
# slirp answers echo requests to its own addresses itself (no ping socket on the host)
[ "$(val guest-ping)" = 0 ] && grep -q "^64 bytes from 10.0.2.2: seq=0 ttl=" "$log" ||
	fail "busybox ping -c 1 10.0.2.2 (slirp's gateway) failed: status '$(val guest-ping)'"
[ "$(val guest-ping6)" = 0 ] && grep -q "^64 bytes from fec0::2: seq=0 ttl=" "$log" ||
	fail "busybox ping6 -c 1 fec0::2 (slirp's gateway) failed: status '$(val guest-ping6)'"
[ "$(val guest-httpd-status)" = 143 ] || fail "httpd after SIGTERM: status '$(val guest-httpd-status)', not 143"
bad=$(grep -E "panic|Exception|BUG|killed by signal|cannot start" "$log")
[ -z "$bad" ] || fail "the console reports trouble: $bad"
if [ $failed = 0 ]; then
	echo "PASS"; exit 0
fi
exit 1
