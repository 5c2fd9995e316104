#!/usr/bin/env python3
"""nic-client.py: the host side of the NIC tests: talks to tests/net/nic-app.c
(in a Jiny guest, or on the host for host.net-nic) and checks every byte.

  nic-client.py [--udp-port P] [--big MIB] [--stats] [--quit] HOST PORT
  nic-client.py --stress CONNS [--stress-mib MIB] [--mem-tolerance KIB] ... HOST PORT

HOST PORT reach the app's TCP port (a -p forward on 127.0.0.1, or the
guest's address on a tap); UDP goes to HOST --udp-port (default PORT). Each
check prints "ok ..." or "FAIL ..."; the exit status is the number of
failures (capped at 100), 2 for usage, 3 when the app never answered.
"""
import argparse
import os
import socket
import sys
import threading
import time
import zlib

PERIOD = 65521
fails = 0


def ok(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        fails += 1
    return cond


def pattern(seed, n):
    """n bytes of nic-app.c's SOURCE pattern."""
    block = bytes((((i * i + seed * i) >> 3) & 0xff) for i in range(PERIOD))
    reps = n // PERIOD + 1
    return (block * reps)[:n]


def connect(host, port, timeout=30):
    if "%" in host:   # a link-local IPv6 address with its interface
        a = socket.getaddrinfo(host, port, socket.AF_INET6, socket.SOCK_STREAM)[0][4]
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(a)
    else:
        s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_all(s):
    out = bytearray()
    while True:
        b = s.recv(1 << 20)
        if not b:
            return bytes(out)
        out += b


def command(host, port, line, data=b"", timeout=60):
    s = connect(host, port, timeout)
    try:
        s.sendall(line.encode() + b"\n" + data)
        s.shutdown(socket.SHUT_WR)
        return recv_all(s)
    finally:
        s.close()


def wait_ready(host, port, secs):
    t0 = time.time()
    last = None
    while time.time() - t0 < secs:
        try:
            r = command(host, port, "STATS", timeout=5)
            if r:
                return True
        except OSError as e:
            last = e
        time.sleep(0.3)
    print("FAIL the app did not answer on %s:%d in %d s (%s)" % (host, port, secs, last))
    return False


def t_echo(host, port, n):
    data = os.urandom(n)
    s = connect(host, port)
    got = bytearray()

    def reader():
        while True:
            b = s.recv(1 << 20)
            if not b:
                return
            got.extend(b)

    th = threading.Thread(target=reader)
    th.start()
    s.sendall(b"ECHO\n" + data)
    s.shutdown(socket.SHUT_WR)
    th.join(120)
    s.close()
    ok(bytes(got) == data, "echo %d random bytes back intact (%d came)" % (n, len(got)))


def t_sink(host, port, n, hold_ms=0):
    data = os.urandom(min(n, 1 << 20))
    data = (data * (n // len(data) + 1))[:n]
    t0 = time.time()
    cmd = "HOLD %d %d" % (n, hold_ms) if hold_ms else "SINK %d" % n
    r = command(host, port, cmd, data, timeout=120).decode(errors="replace").strip()
    dt = time.time() - t0
    want = "OK %d %08x" % (n, zlib.crc32(data))
    ok(r == want, "%s: guest read %d bytes, crc %s (%.1f MB/s%s)" %
       (cmd.split()[0], n, r.split()[-1] if r else "none", n / dt / 1e6,
        "" if r == want else "; got '%s', want '%s'" % (r, want)))


def t_source(host, port, n, seed):
    t0 = time.time()
    r = command(host, port, "SOURCE %d %d" % (n, seed), timeout=120)
    dt = time.time() - t0
    want = pattern(seed, n)
    if r != want:
        bad = next((i for i in range(min(len(r), n)) if r[i] != want[i]), min(len(r), n))
        ok(False, "SOURCE %d seed %d: %d bytes came, first difference at %d" %
           (n, seed, len(r), bad))
    else:
        ok(True, "SOURCE: guest sent %d bytes, all as generated (%.1f MB/s)" % (n, n / dt / 1e6))


def t_parallel(host, port, n, k):
    errs = []

    def one(i):
        try:
            if i % 2:
                r = command(host, port, "SOURCE %d %d" % (n, i), timeout=120)
                if r != pattern(i, n):
                    errs.append("SOURCE %d: %d bytes, differ" % (i, len(r)))
            else:
                d = os.urandom(n)
                r = command(host, port, "SINK %d" % n, d, timeout=120).decode().strip()
                if r != "OK %d %08x" % (n, zlib.crc32(d)):
                    errs.append("SINK %d: %s" % (i, r))
        except OSError as e:
            errs.append("%d: %s" % (i, e))

    ths = [threading.Thread(target=one, args=(i,)) for i in range(k)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(180)
    ok(not errs, "%d parallel streams of %d bytes both ways%s" %
       (k, n, "" if not errs else ": " + "; ".join(errs)))


def t_hold(host, port, n, k, hold_ms):
    """k connections whose data the app leaves unread for hold_ms, while an
    echo runs beside them: the receive ring must not run dry."""
    errs = []

    def held(i):
        try:
            d = os.urandom(n)
            r = command(host, port, "HOLD %d %d" % (n, hold_ms), d, timeout=120).decode().strip()
            if r != "OK %d %08x" % (n, zlib.crc32(d)):
                errs.append("HOLD %d: %s" % (i, r))
        except OSError as e:
            errs.append("HOLD %d: %s" % (i, e))

    ths = [threading.Thread(target=held, args=(i,)) for i in range(k)]
    for t in ths:
        t.start()
    time.sleep(min(hold_ms / 3000.0, 1.0))
    t0 = time.time()
    data = os.urandom(65536)
    try:
        r = command(host, port, "ECHO", data, timeout=60)
    except OSError as e:
        r = str(e).encode()
    echo_s = time.time() - t0
    for t in ths:
        t.join(180)
    ok(r == data, "an echo beside %d held connections of %d bytes (%.2f s)" % (k, n, echo_s))
    ok(not errs, "the held connections' data all arrived%s" %
       ("" if not errs else ": " + "; ".join(errs)))


def t_churn(host, port, k):
    bad = 0
    t0 = time.time()
    for i in range(k):
        d = b"x%05d" % i
        try:
            if command(host, port, "ECHO", d, timeout=30) != d:
                bad += 1
        except OSError:
            bad += 1
    dt = time.time() - t0
    ok(bad == 0, "%d short connections, one after another: %d failed (%.0f/s)" %
       (k, bad, k / dt))


def t_fetch(host, port, bind_addr, guest_sees, n):
    """The app as a client: it connects to a server here and reads n bytes."""
    data = os.urandom(n)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((bind_addr, 0))
    srv.listen(4)
    srv.settimeout(60)
    sport = srv.getsockname()[1]

    def serve():
        try:
            c, _ = srv.accept()
            c.sendall(data)
            c.close()
        except OSError:
            pass

    th = threading.Thread(target=serve)
    th.start()
    r = command(host, port, "FETCH %s %d" % (guest_sees, sport), timeout=90).decode(errors="replace").strip()
    th.join(60)
    srv.close()
    want = "OK %d %08x" % (n, zlib.crc32(data))
    ok(r == want, "the app fetched %d bytes from a server at %s:%d (%s)" %
       (n, guest_sees, sport, r if r != want else "crc matches"))


def t_udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    bad = []
    for size in (1, 18, 100, 1472, 1473, 3000, 8000, 20000):
        d = os.urandom(size)
        got = None
        for attempt in range(5):   # UDP: a lost datagram is sent again
            s.sendto(d, (host, port))
            try:
                while True:
                    got, _ = s.recvfrom(65536)
                    if got == d:
                        break
            except socket.timeout:
                continue
            break
        if got != d:
            bad.append(size)
    s.close()
    ok(not bad, "UDP echo of 1..20000 bytes (fragmented above 1472)%s" %
       ("" if not bad else ": sizes %s failed" % bad))


def memfree(host, port):
    """The guest's MemFree in KiB (None on the Linux host run)."""
    import re
    t = command(host, port, "MEMINFO", timeout=30).decode(errors="replace")
    m = re.search(r"MemFree:\s+(\d+) kB", t)
    return int(m.group(1)) if m else None


def t_stress(host, port, conns, mib, tolerance_kib):
    """conns connections opened and closed (4 clients at once), mib MiB each
    way at the same time with checksums, and the guest's free memory back
    within tolerance_kib of what it was after a warm-up."""
    t_churn(host, port, 50)            # warm-up: pools, TIME_WAIT, caches
    t_sink(host, port, 1 << 20)
    before = memfree(host, port)
    bad = []
    lock = threading.Lock()

    def churn(k, tag):
        n = 0
        for i in range(k):
            d = b"%s-%06d" % (tag, i)
            try:
                if command(host, port, "ECHO", d, timeout=30) != d:
                    n += 1
            except OSError:
                n += 1
        with lock:
            bad.append(n)

    t0 = time.time()
    ths = [threading.Thread(target=churn, args=(conns // 4, b"c%d" % j)) for j in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(600)
    dt = time.time() - t0
    ok(sum(bad) == 0 and len(bad) == 4, "%d connections opened and closed by 4 clients: "
       "%d failed (%.0f/s)" % (conns // 4 * 4, sum(bad) if len(bad) == 4 else -1, conns / dt))
    n = mib << 20
    ths = [threading.Thread(target=t_sink, args=(host, port, n)),
           threading.Thread(target=t_source, args=(host, port, n, 3))]
    for t in ths:
        t.start()
    for t in ths:
        t.join(600)
    # Four streams from the guest at once (the ACKs' refills once left the
    # receive ring unseen by QEMU: the guest went deaf, even to ARP).
    errs = []

    def src(i):
        try:
            r = command(host, port, "SOURCE %d %d" % (32 << 20, 20 + i), timeout=300)
            if r != pattern(20 + i, 32 << 20):
                errs.append("stream %d: %d bytes, not the pattern" % (i, len(r)))
        except OSError as e:
            errs.append("stream %d: %s" % (i, e))

    ths = [threading.Thread(target=src, args=(i,)) for i in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(600)
    ok(not errs, "four streams of 32 MiB from the guest at once%s" %
       ("" if not errs else ": " + "; ".join(errs)))
    after = memfree(host, port)
    if before is None or after is None:
        print("     (no /proc/meminfo: memory not compared)")
        return
    ok(before - after <= tolerance_kib,
       "MemFree %d kB before, %d kB after (%+d kB; tolerance %d kB)" %
       (before, after, after - before, tolerance_kib))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--udp-port", type=int)
    ap.add_argument("--big", type=int, default=16, help="MiB per bulk transfer")
    ap.add_argument("--churn", type=int, default=200)
    ap.add_argument("--wait", type=int, default=90)
    ap.add_argument("--stats", action="store_true", help="print /proc/netdev and check it")
    ap.add_argument("--large", action="store_true",
                    help="/proc/netdev must show large segments the device cut (HOST_TSO)")
    ap.add_argument("--rescued", action="store_true",
                    help="/proc/virtio must show notifications the watch sent again "
                         "(with the kernel option debug_lose_kick)")
    ap.add_argument("--quit", action="store_true", help="end with QUIT")
    ap.add_argument("--stress", type=int, metavar="CONNS",
                    help="instead of the checks: CONNS connections, --stress-mib each "
                         "way, free memory compared")
    ap.add_argument("--stress-mib", type=int, default=200)
    ap.add_argument("--ipv6", metavar="ADDR",
                    help="also echo 1 MiB and 4 MiB each way over this IPv6 address of the guest")
    ap.add_argument("--fetch", metavar="BIND:GUEST_SEES",
                    help="also let the app fetch from a server bound here at BIND, "
                         "which the guest reaches as GUEST_SEES")
    ap.add_argument("--mem-tolerance", type=int, default=4096, metavar="KIB")
    a = ap.parse_args()
    if not wait_ready(a.host, a.port, a.wait):
        return 3
    big = a.big << 20
    if a.stress:
        t_stress(a.host, a.port, a.stress, a.stress_mib, a.mem_tolerance)
    else:
        checks(a, big)
    if a.stats:
        stats(a)
    if a.quit:
        try:
            r = command(a.host, a.port, "QUIT", timeout=10)
            ok(r == b"BYE\n", "QUIT answered")
        except OSError as e:
            ok(False, "QUIT: %s" % e)
    print("nic-client: %d failures" % fails)
    return min(fails, 100)


def checks(a, big):
    t_echo(a.host, a.port, 1 << 20)
    t_sink(a.host, a.port, big)
    t_source(a.host, a.port, big, 7)
    t_parallel(a.host, a.port, big // 8, 4)
    t_hold(a.host, a.port, 1 << 20, 2, 2000)
    t_churn(a.host, a.port, a.churn)
    t_udp(a.host, a.udp_port or a.port)
    if a.ipv6:
        print("     over IPv6 at %s:" % a.ipv6)
        t_echo(a.ipv6, a.port, 1 << 20)
        t_sink(a.ipv6, a.port, 4 << 20)
        t_source(a.ipv6, a.port, 4 << 20, 11)
    if a.fetch:
        b, g = a.fetch.split(":")
        t_fetch(a.host, a.port, b, g, 4 << 20)


def stats(a):
    import re
    st = command(a.host, a.port, "STATS").decode(errors="replace")
    print(st, end="")
    if "no /proc/netdev" not in st:
        m = re.search(r"(\d+) bad checksums, (\d+) malformed", st)
        ok(m is not None and m.group(1) == "0" and m.group(2) == "0",
           "/proc/netdev: no frame dropped for a bad checksum or a bad header")
    if a.large:
        m = re.search(r"(\d+) large;", st)
        ok(m is not None and int(m.group(1)) > 0,
           "/proc/netdev: %s large segments sent for the device to cut" % (m.group(1) if m else "no"))
    if a.rescued:
        n = sum(int(x) for x in re.findall(r" rescued (\d+)", st))
        ok(n > 0, "/proc/virtio: %d lost notifications sent again by the watch" % n)


if __name__ == "__main__":
    sys.exit(main())
