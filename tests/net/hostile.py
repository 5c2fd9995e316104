#!/usr/bin/env python3
"""hostile.py: the host side of tests/net/hostile.sh: hostile frames at a
Jiny guest running tests/net/nic-app.c behind a tap, from an AF_PACKET
socket on the tap (run it inside the tap's network namespace, as root).

  hostile.py [--iface tap0] [--port 7] [--seed S] [--phases 123456]
             [--client nic-client.py] [--flood N] [--grace S] [--pcap F] GUEST_IP

Phases (each bounded in count and time):
  1 garbage      random frames of 14..1514 bytes with random and real
                 ethertypes (and 1..13 bytes, which Linux refuses to send),
                 and random but well-formed IPv4/IPv6/ARP/TCP/UDP/ICMP
                 headers with right checksums, so they get into lwIP
  2 truncated    Ethernet-only and truncated IPv4/IPv6/ARP, IPv4 with IHL < 5,
                 IHL or total length beyond the frame, version 6 in IPv4,
                 IPv6 payload length beyond the frame, broken extension
                 headers and ND options, TCP data offset < 5 or beyond the
                 segment, broken TCP options, short UDP/ICMP
  3 checksums    bad TCP checksums (SYN to port 7 and to a closed port, an
                 ACK, and data/RST/FIN inside a connection made by hand),
                 bad UDP checksums, bad IPv4 header checksums, bad
                 ICMP/ICMPv6 checksums, TCP over IPv6 behind extension
                 headers and TCP in IPv4/IPv6 fragments with bad checksums;
                 each beside a control (the same frame, right checksum, must
                 be answered), judged by what a sniffing socket sees; the
                 driver's "bad checksums" counter must grow by at least the
                 number of frames it must drop itself
  4 fragments    IPv4 and IPv6: in order, reversed, duplicated, overlapping,
                 teardrop, 8-byte fragments beyond lwIP's 64-pbuf budget,
                 hundreds of never-completed trains (then a datagram must
                 still be reassembled), trains beyond 65535 bytes, the
                 largest legal datagrams, a fragmented first contact
  5 ARP churn    pings from ~100 addresses that answer no ARP: does the guest
                 keep its live neighbours? (NOTE only)
  6 SYN flood    --flood SYNs (20000) to port 7 from random addresses and
                 ports of the subnet, within --flood-secs; an ordinary
                 connection must be served again (a SYN-ACK to the first SYN
                 after the flood; --grace S only notes a slower recovery)
While phases 1-4 run, a prober echoes over an ordinary socket every 0.1 s
(all must succeed). Then nic-client.py (short: --big 2 --churn 50), STATS
(the driver's counters), MEMINFO, QUIT.

Fake peers (10.x.0.200-203, MACs 02:00:00:00:00:c8..) send the probes; the
sniffer answers ARP and neighbour solicitations for them and, in phases 1-4,
ARP for every other free address of the subnet (proxy ARP, so that lwIP's
small ARP table stays resolved and a lost answer means a dropped probe),
and it resets SYN-ACKs sent to any of them (probes leave no half-open
connections behind).

Output: "ok   ..." / "FAIL ..." per check, "NOTE ..." for behaviour that
differs from Linux without failing the test, "     ..." for information.
Exit status: the number of failures (at most 100), 3 when the guest never
answered, 2 for usage.
"""
import argparse
import errno
import importlib.util
import os
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time

ETH_P_ALL = 0x0003
ETH_IP, ETH_IP6, ETH_ARP = 0x0800, 0x86DD, 0x0806
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
BCAST = b"\xff" * 6
PROXY_MAC = b"\x02\0\0\0\x01"   # + the last octet: other addresses of the subnet (proxy ARP)

notes = []
ECHO_PATIENCE = 40   # s: an ordinary request's limit (see Prober.run)

# nic-client.py's checks and app protocol (its ok() counts the failures).
_spec = importlib.util.spec_from_file_location(
    "nic_client", os.path.join(os.path.dirname(os.path.abspath(__file__)), "nic-client.py"))
nic_client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nic_client)
ok = nic_client.ok


def note(what):
    notes.append(what)
    print("NOTE " + what, flush=True)


def info(what):
    print("     " + what, flush=True)


def now():
    return time.monotonic()


# ---------------------------------------------------------------- packets

def be16(b, o):
    return b[o] << 8 | b[o + 1]


def be32(b, o):
    return struct.unpack_from("!I", b, o)[0]


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo4(src, dst, proto, n):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def pseudo6(src, dst, nh, n):
    return src + dst + struct.pack("!I3xB", n, nh)


def mac_s(m):
    return ":".join("%02x" % x for x in m)


def mac_b(s):
    return bytes(int(x, 16) for x in s.split(":"))


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload, ident=0, frag=0, ttl=64, ihl=None, opts=b"",
        tot=None, bad=False, ver=4, tos=0):
    hl = 20 + len(opts)
    if ihl is None:
        ihl = hl // 4
    total = hl + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15), tos, total & 0xFFFF,
                    ident & 0xFFFF, frag, ttl, proto, 0, src, dst) + opts
    c = csum(h) ^ (0x5A5A if bad else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64, plen=None, ver=6):
    return struct.pack("!IHBB16s16s", ver << 28, len(payload) if plen is None else plen & 0xFFFF,
                       nh, hlim, src, dst) + payload


def ext6(nh, body=b"\x01\x04\0\0\0\0"):
    """A hop-by-hop or destination options header (PadN by default)."""
    n = 2 + len(body)
    assert n % 8 == 0
    return struct.pack("!BB", nh, n // 8 - 1) + body


def frag6(nh, off, more, ident):
    return struct.pack("!BBHI", nh, 0, (off & 0xFFF8) | (1 if more else 0), ident)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b"", win=65535,
        doff=None, bad=False, v6=False):
    if doff is None:
        doff = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (doff & 15) << 4, flags & 0xFF, win, 0, 0) + opts + payload
    ph = (pseudo6 if v6 else pseudo4)(src, dst, 6, len(seg))
    c = csum(ph + seg) ^ (0x5A5A if bad else 0)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, mode="ok", v6=False, length=None):
    n = 8 + len(payload)
    d = struct.pack("!HHHH", sport, dport, (n if length is None else length) & 0xFFFF, 0) + payload
    if mode == "zero":
        return d
    c = csum((pseudo6 if v6 else pseudo4)(src, dst, 17, n & 0xFFFF) + d)
    if c == 0:
        c = 0xFFFF
    if mode == "bad":
        c ^= 0x5A5A
    return d[:6] + struct.pack("!H", c) + d[8:]


def icmp4(typ, code, rest, bad=False):
    m = struct.pack("!BBH", typ, code, 0) + rest
    c = csum(m) ^ (0x5A5A if bad else 0)
    return m[:2] + struct.pack("!H", c) + m[4:]


def echo4(ident, seq, payload, bad=False):
    return icmp4(8, 0, struct.pack("!HH", ident, seq) + payload, bad)


def icmp6(src, dst, typ, code, rest, bad=False):
    m = struct.pack("!BBH", typ, code, 0) + rest
    c = csum(pseudo6(src, dst, 58, len(m)) + m) ^ (0x5A5A if bad else 0)
    return m[:2] + struct.pack("!H", c) + m[4:]


def arp(op, sha, spa, tha, tpa, htype=1, ptype=ETH_IP, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + spa + tha + tpa


SYN_OPTS = b"\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07\x01\x01"  # MSS 1460, SACK ok, WS 7


def frags_of(data, cuts):
    """Split data at the given offsets (multiples of 8): [(off, piece, more)]."""
    cuts = [0] + list(cuts) + [len(data)]
    out = []
    for i in range(len(cuts) - 1):
        out.append((cuts[i], data[cuts[i]:cuts[i + 1]], i < len(cuts) - 2))
    return out


def even_cuts(n, step):
    return list(range(step, n, step))


# ---------------------------------------------------------------- parsing

def parse_l4(d, proto, l4):
    d["proto"] = proto
    d["l4"] = l4
    if proto == 6 and len(l4) >= 20:
        d["sport"], d["dport"] = be16(l4, 0), be16(l4, 2)
        d["seq"], d["ack"] = be32(l4, 4), be32(l4, 8)
        d["flags"] = l4[13]
        d["payload"] = l4[(l4[12] >> 4) * 4:]
    elif proto == 17 and len(l4) >= 8:
        d["sport"], d["dport"] = be16(l4, 0), be16(l4, 2)
        d["payload"] = l4[8:]
    elif proto in (1, 58) and len(l4) >= 4:
        d["itype"], d["icode"] = l4[0], l4[1]
        d["ibody"] = l4[4:]
        if len(l4) >= 8:
            d["iid"], d["iseq"] = be16(l4, 4), be16(l4, 6)
    return d


def parse(f):
    d = {}
    if len(f) < 14:
        return d
    d["edst"], d["esrc"], d["etype"] = f[:6], f[6:12], be16(f, 12)
    p = f[14:]
    if d["etype"] == ETH_ARP and len(p) >= 28:
        d["arp"] = (be16(p, 6), p[8:14], p[14:18], p[18:24], p[24:28])
    elif d["etype"] == ETH_IP and len(p) >= 20:
        ihl = (p[0] & 15) * 4
        tot = be16(p, 2)
        fr = be16(p, 6)
        d.update(v=4, src=p[12:16], dst=p[16:20], ipid=be16(p, 4))
        l4 = p[ihl:tot]
        if fr & 0x3FFF:
            d["frag"] = ((4, d["src"], d["dst"], d["ipid"], p[9]), (fr & 0x1FFF) * 8,
                         bool(fr & 0x2000), l4)
            return d
        parse_l4(d, p[9], l4)
    elif d["etype"] == ETH_IP6 and len(p) >= 40:
        nh = p[6]
        q = p[40:40 + be16(p, 4)]
        d.update(v=6, src=p[8:24], dst=p[24:40])
        for _ in range(8):
            if nh in (0, 43, 60) and len(q) >= 8:
                nh, q = q[0], q[(q[1] + 1) * 8:]
            elif nh == 44 and len(q) >= 8:
                fo = be16(q, 2)
                d["frag"] = ((6, d["src"], d["dst"], be32(q, 4), q[0]), fo & 0xFFF8,
                             bool(fo & 1), q[8:])
                return d
            else:
                break
        parse_l4(d, nh, q)
    return d


def datagrams(frames):
    """Parsed frames [(time, frame, parse(frame))], IP fragments
    reassembled (the guest's own output)."""
    out, groups = [], {}
    for t, f, d in frames:
        d = dict(d, t=t)
        if "frag" in d:
            key, off, more, data = d["frag"]
            g = groups.setdefault(key, {"d": d, "parts": {}})
            g["parts"][off] = (more, data)
            if off == 0:
                g["d"] = d
            continue
        out.append(d)
    for key, g in groups.items():
        pos, buf, done = 0, b"", False
        while pos in g["parts"]:
            more, data = g["parts"][pos]
            buf += data
            pos += len(data)
            if not more:
                done = True
                break
            if not data:
                break
        if done:
            d = dict(g["d"])
            del d["frag"]
            d["reassembled"] = len(g["parts"])
            out.append(parse_l4(d, key[4], buf))
    return out


# ---------------------------------------------------------------- the link

class Peer:
    """A fake host on the tap's subnet: the sniffer answers for it."""

    def __init__(self, prefix, k):
        self.ip = bytes(prefix) + bytes([200 + k])
        self.mac = bytes([2, 0, 0, 0, 0, 0xC8 + k])
        m = bytes([self.mac[0] ^ 2]) + self.mac[1:3] + b"\xff\xfe" + self.mac[3:]
        self.ll6 = b"\xfe\x80" + b"\0" * 6 + m


class Tx:
    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.s.bind((ifname, 0))
        self.sent = self.refused = self.nobufs = self.lost = 0

    def send(self, f, patience=0.5):
        """Send one frame; on ENOBUFS (the tap's queue to QEMU is full)
        wait a little and try again, for at most patience seconds."""
        t0 = None
        while True:
            try:
                self.s.send(f)
                self.sent += 1
                return True
            except OSError as e:
                if e.errno in (errno.ENOBUFS, errno.EAGAIN):
                    self.nobufs += 1
                    t0 = t0 or now()
                    if now() - t0 > patience:
                        self.lost += 1
                        return False
                    time.sleep(0.0005)
                    continue
                if e.errno in (errno.EINVAL, errno.EMSGSIZE):
                    self.refused += 1
                    return False
                raise


class Sniffer(threading.Thread):
    """Every frame the guest sends (AF_PACKET, outgoing frames ignored),
    parsed; answers ARP and neighbour solicitations for the fake peers (and
    ARP for the subnet's free addresses while H.proxy_arp), and resets
    SYN-ACKs sent to any of them (except on ports in keep)."""

    MAX = 200000

    def __init__(self, ifname, H):
        super().__init__(daemon=True)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        except OSError:
            pass
        try:
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        except OSError:
            pass
        s.bind((ifname, ETH_P_ALL))
        s.settimeout(0.1)
        self.s = s
        self.H = H
        self.tx = Tx(ifname)
        self.frames = []
        self.lock = threading.Lock()
        self.stop = False
        self.keep = set()
        self.answered = {"arp": 0, "ns": 0, "rst": 0}

    def run(self):
        while not self.stop:
            try:
                f, addr = self.s.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            d = parse(f)
            with self.lock:
                if len(self.frames) < self.MAX:
                    self.frames.append((now(), f, d))
            try:
                self.respond(f, d)
            except Exception as e:  # never let the responder die silently
                print("     sniffer: %r" % e, flush=True)

    def respond(self, f, d):
        H = self.H
        if len(f) < 42:
            return
        et = be16(f, 12)
        if et == ETH_ARP:
            p = f[14:]
            if be16(p, 6) == 1 and p[14:18] == H.gip:
                tpa = p[24:28]
                mac = None
                for pe in H.peers:
                    if tpa == pe.ip:
                        mac = pe.mac
                if mac is None and H.proxy_arp and tpa[:3] == H.prefix and \
                        tpa[3] not in (0, 255, H.hip[3], H.gip[3]):
                    mac = PROXY_MAC + tpa[3:]
                if mac:
                    self.tx.send(eth(p[8:14], mac, ETH_ARP, arp(2, mac, tpa, p[8:14], p[14:18])))
                    self.answered["arp"] += 1
            return
        if et == ETH_IP6:
            if d.get("proto") == 58 and d.get("itype") == 135 and len(d["ibody"]) >= 20:
                tgt = d["ibody"][4:20]
                for pe in H.peers:
                    if tgt == pe.ll6:
                        na = icmp6(pe.ll6, d["src"], 136, 0,
                                   struct.pack("!I16s", 0x60000000, pe.ll6) + b"\x02\x01" + pe.mac)
                        self.tx.send(eth(d["esrc"], pe.mac, ETH_IP6, ip6(pe.ll6, d["src"], 58, na, hlim=255)))
                        self.answered["ns"] += 1
                return
        elif et != ETH_IP:
            return
        if d.get("proto") == 6 and d["flags"] & (SYN | ACK | RST) == SYN | ACK and \
                d["dport"] not in self.keep and \
                (d["edst"] in H.peer_macs or d["edst"][:5] == PROXY_MAC):
            v6 = d["v"] == 6
            seg = tcp(d["dst"], d["src"], d["dport"], d["sport"], d["ack"], 0, RST, v6=v6)
            pkt = ip6(d["dst"], d["src"], 6, seg) if v6 else ip4(d["dst"], d["src"], 6, seg)
            self.tx.send(eth(d["esrc"], d["edst"], ETH_IP6 if v6 else ETH_IP, pkt))
            self.answered["rst"] += 1

    def since(self, t0):
        with self.lock:
            return [x for x in self.frames if x[0] >= t0]

    def clear(self):
        with self.lock:
            self.frames = []


class Pcap(threading.Thread):
    """--pcap FILE: every frame on the tap, both ways, for wireshark/tcpdump."""

    def __init__(self, ifname, path):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            self.s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        except OSError:
            pass
        self.s.bind((ifname, ETH_P_ALL))
        self.s.settimeout(0.2)
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                fr = self.s.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                break
            t = time.time()
            self.f.write(struct.pack("<IIII", int(t), int(t % 1 * 1e6), len(fr), len(fr)) + fr)
        self.f.close()


class H:
    pass


def seen(t0, pred):
    out = []
    for d in datagrams(H.sn.since(t0)):
        try:
            if pred(d):
                out.append(d)
        except (KeyError, TypeError):
            pass
    return out


def wait_for(t0, pred, timeout):
    end = now() + timeout
    while True:
        r = seen(t0, pred)
        if r or now() > end:
            return r
        time.sleep(0.02)


def to4(peer, proto, l4, **kw):
    return eth(H.gmac, peer.mac, ETH_IP, ip4(peer.ip, H.gip, proto, l4, **kw))


def to6(peer, nh, payload, **kw):
    return eth(H.gmac, peer.mac, ETH_IP6, ip6(peer.ll6, H.gll6, nh, payload, **kw))


def send(f, patience=0.5):
    return H.tx.send(f, patience)


_port = [20000]


def nport():
    _port[0] += 1
    return _port[0]


# ---------------------------------------------------------------- the app

def command(line, data=b"", timeout=10, host=None):
    return nic_client.command(host or H.gip_s, H.port, line, data, timeout)


STATS_RES = (
    (re.compile(r"rx (\d+) frames (\d+) bytes, (\d+) bad checksums, (\d+) malformed, (\d+) copied"),
     ("rx", "rx_bytes", "csum", "malformed", "copied")),
    (re.compile(r"tx (\d+) frames (\d+) bytes, (\d+) offloaded, (\d+) ring full, (\d+) too big"),
     ("tx", "tx_bytes", "offloaded", "ring_full", "too_big")),
    (re.compile(r"(\d+)/(\d+) buffers posted"), ("posted", "pool")),
    (re.compile(r"queued-frame drops (\d+)"), ("qdrops",)),
)


def stats(show=False):
    """The driver's counters from /proc/netdev (None when it has none)."""
    t = command("STATS", timeout=ECHO_PATIENCE).decode(errors="replace")
    if show:
        print(t, end="")
    r = {}
    for rx, keys in STATS_RES:
        m = rx.search(t)
        if m:
            r.update(zip(keys, (int(x) for x in m.groups())))
    return r if "csum" in r else None


def stats_line(st):
    if not st:
        return "(no driver counters)"
    return "rx %s, bad checksums %s, malformed %s, copied %s, tx %s, ring full %s, posted %s/%s" % \
        tuple(st.get(k, "?") for k in ("rx", "csum", "malformed", "copied", "tx", "ring_full",
                                       "posted", "pool"))


def memfree():
    try:
        t = command("MEMINFO", timeout=ECHO_PATIENCE).decode(errors="replace")
    except OSError:
        return None
    m = re.search(r"MemFree:\s+(\d+) kB", t)
    return int(m.group(1)) if m else None


class Prober(threading.Thread):
    """An ordinary client beside the attack: ECHO of 64 random bytes every
    0.1 s over the host's own stack. Each echo counts for the phase it
    started in."""

    def __init__(self):
        super().__init__(daemon=True)
        self.phase = "start"
        self.busy = None
        self.results = []
        self.stop = False

    def run(self):
        while not self.stop:
            t0 = now()
            ph = self.busy = self.phase
            d = os.urandom(64)
            err = ""
            try:
                # No time limit of a quiet machine: the floods overrun the
                # tap's queue to QEMU, and a connect whose SYN or ARP answer
                # the tap dropped waits for TCP's backoff (1, 3, 7, 15 s).
                r = command("ECHO", d, timeout=ECHO_PATIENCE)
                good = r == d
                if not good:
                    err = "%d bytes came back, not the 64 sent" % len(r)
            except OSError as e:
                good, err = False, str(e)
            self.results.append((ph, good, now() - t0, err, t0))
            self.busy = None
            time.sleep(0.1)

    def report(self, phase, t_begin):
        end = now() + ECHO_PATIENCE + 2
        while self.busy in (phase, phase + "-done") and now() < end:
            time.sleep(0.05)
        rs = [r for r in self.results if r[0] in (phase, phase + "-done")]
        if not rs:
            # One echo from before was in flight all through this phase.
            span = [r for r in self.results if r[4] < t_begin < r[4] + r[2]]
            ok(span and all(r[1] for r in span), "phase %s: no echo started during it; the one "
               "in flight since before it took %.1f s and came back" %
               (phase, span[0][2] if span else 0))
            return
        bad = [r for r in rs if not r[1]]
        worst = max((r[2] for r in rs), default=0)
        ok(rs and not bad, "phase %s: the ordinary client's %d echoes meanwhile all came back "
           "(slowest %.2f s)%s" % (phase, len(rs), worst,
                                   "" if not bad else ": %d failed (%s)" % (len(bad), bad[0][3])))
        if worst > 2:
            note("phase %s: an ordinary echo (64 bytes) took %.1f s: the guest's answers to the "
                 "host waited for retransmission timeouts (with many addresses talking, lwIP's "
                 "32-entry ARP table drops the host's entry and keeps one packet while it asks "
                 "again: see the ARP churn phase)" % (phase, worst))


def tap_stats():
    """The tap's counters: tx is towards the guest (what QEMU reads)."""
    d = {}
    for k in ("tx_packets", "tx_dropped", "rx_packets", "rx_dropped"):
        try:
            d[k] = int(open("/sys/class/net/%s/statistics/%s" % (H.iface, k)).read())
        except (OSError, ValueError):
            d[k] = 0
    return d


# ---------------------------------------------------------------- phase 1

def rand_mac(rng):
    return bytes([rng.randrange(256) & 0xFE | 2]) + bytes(rng.randrange(256) for _ in range(5))


def fuzz_frame(rng):
    """A random frame, or one with well-formed random headers."""
    pe = rng.choice(H.peers)
    r = rng.random()
    dst = H.gmac if r < 0.75 else BCAST if r < 0.85 else b"\x33\x33" + os.urandom(4) \
        if r < 0.9 else rand_mac(rng)
    src = pe.mac if rng.random() < 0.5 else rand_mac(rng)
    k = rng.random()
    if k < 0.45:   # raw garbage: random bytes, random (and real) ethertypes
        et = rng.choice([ETH_IP] * 4 + [ETH_IP6] * 3 + [ETH_ARP] * 2 +
                        [0x8100, 0x88A8, 0x8847, 0x88CC, 0x0842, 0x8035, 0x88E5, 0x0600] +
                        [rng.randrange(65536)] * 3)
        return eth(dst, src, et, os.urandom(rng.randrange(0, 1501)))
    n = rng.choice([0, 1, 4, 8, 12, 20, 40, 60, rng.randrange(0, 200), rng.randrange(0, 1400)])
    body = os.urandom(n)
    if k < 0.75:   # IPv4 with a valid header, random protocol and payload
        proto = rng.choice([1, 6, 6, 17, 17, 2, 4, 41, 47, 50, 132, rng.randrange(256)])
        src_ip = pe.ip if rng.random() < 0.7 else H.prefix + bytes([rng.randrange(2, 255)])
        if src_ip[3] in (1, H.gip[3]):
            src_ip = pe.ip
        if proto == 6 and n >= 20:
            b = bytearray(body)
            b[2:4] = struct.pack("!H", rng.choice([H.port, H.port, 9, rng.randrange(65536)]))
            if rng.random() < 0.7:
                b[12] = (5 + rng.randrange(0, 11)) << 4 if rng.random() < 0.8 else rng.randrange(256)
            body = tcp(src_ip, H.gip, be16(b, 0), be16(b, 2), be32(b, 4), be32(b, 8), b[13],
                       bytes(b[20:]), doff=b[12] >> 4, win=be16(b, 14))
        elif proto == 17 and n >= 8:
            body = udp(src_ip, H.gip, be16(body, 0), rng.choice([H.port, 9, be16(body, 2)]),
                       body[8:], length=None if rng.random() < 0.7 else be16(body, 4))
        elif proto == 1 and n >= 4:
            body = icmp4(rng.choice([0, 3, 4, 5, 8, 11, 12, 13, 17, rng.randrange(256)]),
                         rng.randrange(16), body[4:])
        opts = b""
        if rng.random() < 0.15:
            opts = os.urandom(4 * rng.randrange(1, 11))
        frag = 0
        if rng.random() < 0.1:
            frag = rng.randrange(65536) & 0xBFFF
        return eth(dst, src, ETH_IP, ip4(src_ip, H.gip, proto, body, ident=rng.randrange(65536),
                                         frag=frag, opts=opts, ttl=rng.randrange(256)))
    if k < 0.92:   # IPv6 with a valid header, random next headers
        nh = rng.choice([0, 6, 17, 58, 58, 43, 44, 60, 59, 41, rng.randrange(256)])
        if nh == 58 and n >= 4:
            body = icmp6(pe.ll6, H.gll6, rng.choice([1, 2, 3, 4, 128, 129, 133, 134, 135, 136,
                                                      137, 143, rng.randrange(256)]),
                         rng.randrange(8), body[4:])
        elif nh == 6 and n >= 20:
            body = tcp(pe.ll6, H.gll6, be16(body, 0), rng.choice([H.port, be16(body, 2)]),
                       be32(body, 4), be32(body, 8), body[13], body[20:], v6=True,
                       doff=5 + rng.randrange(0, 11))
        elif nh == 17 and n >= 8:
            body = udp(pe.ll6, H.gll6, be16(body, 0), be16(body, 2), body[8:], v6=True)
        dst6 = H.gll6 if rng.random() < 0.8 else b"\xff\x02" + b"\0" * 13 + b"\x01"
        return eth(dst, src, ETH_IP6, ip6(pe.ll6, dst6, nh, body, hlim=rng.choice([1, 64, 255])))
    # ARP with random fields (never claiming the host's address)
    spa = H.prefix + bytes([rng.choice([0, 255, 200, 201, 202, 203, rng.randrange(2, 255)])])
    if spa == H.hip:
        spa = pe.ip
    a = arp(rng.choice([1, 2, 1, 2, 3, 4, 8, 9, rng.randrange(65536)]), pe.mac if rng.random() < 0.5 else
            rand_mac(rng), spa, os.urandom(6), H.gip if rng.random() < 0.5 else os.urandom(4),
            htype=rng.choice([1, 1, 6, rng.randrange(65536)]),
            ptype=rng.choice([ETH_IP, ETH_IP, ETH_IP6, rng.randrange(65536)]),
            hlen=rng.choice([6, 6, 0, 4, 16, 255]), plen=rng.choice([4, 4, 0, 6, 16, 255]))
    return eth(dst, src, ETH_ARP, a + os.urandom(rng.choice([0, 0, 4, 40])))


def phase_garbage(rng, n):
    t0 = now()
    refused = H.tx.refused
    for k in range(1, 14):          # shorter than an Ethernet header
        send(os.urandom(k))
    short_refused = H.tx.refused - refused
    for i in range(n):
        send(fuzz_frame(rng))
    info("%d frames sent (and %d of 1..13 bytes, %d of them refused by Linux's packet "
         "socket: a tap takes no frame shorter than its header) in %.1f s" %
         (n, 13, short_refused, now() - t0))


# ---------------------------------------------------------------- phase 2

def phase_truncated(rng):
    P = H.peers[0]
    P6 = H.peers[1]
    frames = []
    g = H.gip
    sp = nport()
    syn = ip4(P.ip, g, 6, tcp(P.ip, g, sp, H.port, 1, 0, SYN, opts=SYN_OPTS))
    ech = ip4(P.ip, g, 1, echo4(0x7777, 1, b"truncated" * 4))
    ud = ip4(P.ip, g, 17, udp(P.ip, g, sp, H.port, b"truncated" * 4))
    req = arp(1, P.mac, P.ip, b"\0" * 6, g) + b"\0" * 18
    syn6 = ip6(P6.ll6, H.gll6, 6, tcp(P6.ll6, H.gll6, sp, H.port, 1, 0, SYN, opts=SYN_OPTS, v6=True))
    # Ethernet header only, then 0..60 bytes: random, and the start of real packets
    for et, real in ((ETH_IP, syn), (ETH_IP, ech), (ETH_IP, ud), (ETH_IP6, syn6), (ETH_ARP, req)):
        for k in range(0, 61):
            frames.append(eth(H.gmac, P.mac, et, real[:k]))
            frames.append(eth(H.gmac, P.mac, et, os.urandom(k)))
    ping = echo4(0x7778, 1, b"x" * 32)
    segs = tcp(P.ip, g, nport(), H.port, 1, 0, SYN, opts=SYN_OPTS)
    for proto, l4 in ((1, ping), (6, segs), (17, udp(P.ip, g, nport(), H.port, b"y" * 32))):
        for ihl in range(0, 5):                      # IHL < 5
            frames.append(to4(P, proto, l4, ihl=ihl))
        for ihl in range(6, 16):                     # IHL beyond the frame / the total length
            frames.append(to4(P, proto, b"", ihl=ihl))
            frames.append(to4(P, proto, l4[:ihl * 4 - 20 - 1], ihl=ihl))
            frames.append(to4(P, proto, l4, ihl=ihl, tot=ihl * 4 - 4))
        for tot in (0, 1, 19, 20, 21, 28, 20 + len(l4) - 1, 20 + len(l4) + 1,
                    20 + len(l4) + 100, 1500, 65535):  # total length below/beyond the frame
            frames.append(to4(P, proto, l4, tot=tot))
        for ver in (0, 5, 6, 15):                    # not version 4 in an IPv4 frame
            frames.append(to4(P, proto, l4, ver=ver))
        frames.append(to4(P, proto, l4 + os.urandom(40)[:rng.randrange(1, 40)],
                          tot=20 + len(l4)))       # padded (valid)
        frames.append(to4(P, proto, l4, opts=b"\x44\x03\x01\x00"))   # bad timestamp option
        frames.append(to4(P, proto, l4, opts=b"\x83\x00\x00\x00"))   # source route, length 0
        frames.append(to4(P, proto, l4, opts=b"\x07\xff\x04\x00"))   # record route beyond
    # IPv6 in an IPv4 frame and the other way round
    frames.append(eth(H.gmac, P.mac, ETH_IP, syn6))
    frames.append(eth(H.gmac, P.mac, ETH_IP6, syn))
    # IPv6: payload length beyond / below the frame, broken extension headers
    e6 = icmp6(P6.ll6, H.gll6, 128, 0, struct.pack("!HH", 0x7779, 1) + b"z" * 32)
    for plen in (0, 1, 7, len(e6) - 1, len(e6) + 1, len(e6) + 100, 1500, 65535):
        frames.append(to6(P6, 58, e6, plen=plen))
    for ver in (0, 4, 7, 15):
        frames.append(to6(P6, 58, e6, ver=ver))
    for nh in (0, 60, 43):
        frames.append(to6(P6, nh, b""))                          # no room for it
        frames.append(to6(P6, nh, b"\x3a"))
        frames.append(to6(P6, nh, bytes([58, 200]) + b"\0" * 6 + e6))   # length beyond
        frames.append(to6(P6, nh, bytes([58, 0, 0xC2, 4, 0, 0, 0, 0]) + e6))  # jumbo option
        frames.append(to6(P6, nh, bytes([58, 0, 0x80, 0xff, 0, 0, 0, 0]) + e6))  # option beyond
        frames.append(to6(P6, nh, bytes([58, 0, 0xC0, 4, 0, 0, 0, 0]) + e6))  # unknown, discard+ICMP
    frames.append(to6(P6, 43, bytes([58, 2, 0, 1, 0, 0, 0, 0]) + H.gll6 + e6))  # routing type 0
    frames.append(to6(P6, 44, b"\x3a\0\0"))                    # fragment header cut short
    chain = e6
    nh = 58
    for _ in range(60):                                        # 60 destination options headers
        chain = ext6(nh) + chain
        nh = 60
    frames.append(to6(P6, 60, chain))
    frames.append(to6(P6, 0, ext6(0) + ext6(58) + e6))            # hop-by-hop not first
    for nh in (6, 17, 58):                                     # payload length 0
        frames.append(to6(P6, nh, b"", plen=0))
        frames.append(to6(P6, nh, os.urandom(30), plen=0))
    # ICMPv6 neighbour discovery with broken options (hop limit 255 from a link-local)
    for opt in (b"\x01\x00" + b"\0" * 6, b"\x01\x01", b"\x01\x05" + b"\0" * 6, b"\x05\x00\0\0\0\0\0\0",
                b"\x03\x04" + b"\0" * 30, b"\x19\xff" + b"\0" * 6):
        ns = icmp6(P6.ll6, H.gll6, 135, 0, b"\0" * 4 + H.gll6 + opt)
        frames.append(to6(P6, 58, ns, hlim=255))
        ra = icmp6(P6.ll6, H.gll6, 134, 0, struct.pack("!BBHII", 64, 0, 0, 0, 0) + opt)
        frames.append(to6(P6, 58, ra, hlim=255))
        na = icmp6(P6.ll6, H.gll6, 136, 0, struct.pack("!I", 0x20000000) + H.gll6 + opt)
        frames.append(to6(P6, 58, na, hlim=255))
        rd = icmp6(P6.ll6, H.gll6, 137, 0, b"\0" * 4 + P6.ll6 + P6.ll6 + opt)
        frames.append(to6(P6, 58, rd, hlim=255))
    for typ in (1, 2, 3, 4):                                   # ICMPv6 errors quoting nothing
        frames.append(to6(P6, 58, icmp6(P6.ll6, H.gll6, typ, 0, b"\0" * 4)))
        frames.append(to6(P6, 58, icmp6(P6.ll6, H.gll6, typ, 0, b"\0\0\0\0" + syn6[:30])))
    frames.append(to6(P6, 58, icmp6(P6.ll6, H.gll6, 2, 0, struct.pack("!I", 0) + syn6)))   # PTB, MTU 0
    frames.append(to6(P6, 58, icmp6(P6.ll6, H.gll6, 143, 0, b"\0\0\xff\xff" + b"\x04\x00\x00\x00")))  # MLDv2
    # TCP: data offset < 5 or beyond the segment (right checksums: they reach lwIP)
    for doff in range(0, 16):
        for n in (0, 4, 40):
            frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 0, SYN, os.urandom(n), doff=doff)))
            frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 1, ACK | PSH, os.urandom(n), doff=doff)))
        frames.append(to6(P6, 6, tcp(P6.ll6, H.gll6, nport(), H.port, 1, 0, SYN, doff=doff, v6=True)))
    frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 0, SYN)[:12]))   # TCP cut short
    frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 0, SYN)[:19]))
    # TCP options: zero and one-byte lengths, beyond the header, wrong sizes
    for opts in (b"\x02\x00\x00\x00", b"\x02\x01\x00\x00", b"\x02\xff\x00\x00", b"\x02\x03\x05\x00",
                 b"\x03\x03\xff\x00", b"\x03\x02\x00\x00", b"\x04\x00\x00\x00", b"\x04\x03\x00\x00",
                 b"\x05\x02\x00\x00", b"\x05\x0b" + b"\0" * 10, b"\x08\x0a" + b"\0" * 6,
                 b"\x08\x00\x00\x00", b"\x1d\x00\x00\x00", b"\x00\x02\x04\x05", b"\x01" * 40,
                 b"\x02\x04\xff\xff", b"\x02\x04\x00\x00", b"\x03\x03\x0e\x00", b"\xfe\x28" + b"\0" * 38):
        frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 0, SYN, opts=opts)))
        frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 1, ACK, b"data", opts=opts)))
    for flags in range(0, 256, 7):                             # odd flag combinations
        frames.append(to4(P, 6, tcp(P.ip, g, nport(), H.port, 1, 1, flags, b"flags")))
    frames.append(to4(P, 6, tcp(P.ip, g, nport(), 9, 1, 1, SYN | FIN | RST | PSH | ACK | 0x20, b"x")))
    # UDP: shorter than its header, length field below/beyond the datagram
    for n in range(0, 8):
        frames.append(to4(P, 17, udp(P.ip, g, nport(), H.port, b"u" * 16)[:n]))
    for length in (0, 1, 7, 8, 9, 23, 25, 100, 65535):
        frames.append(to4(P, 17, udp(P.ip, g, nport(), H.port, b"u" * 16, length=length)))
        frames.append(to6(P6, 17, udp(P6.ll6, H.gll6, nport(), H.port, b"u" * 16, v6=True, length=length)))
    # ICMP shorter than its header, errors quoting garbage
    for n in range(0, 8):
        frames.append(to4(P, 1, echo4(0x7780, 1, b"")[:n]))
    for typ in (3, 4, 5, 11, 12):
        frames.append(to4(P, 1, icmp4(typ, 0, b"\0" * 4)))
        frames.append(to4(P, 1, icmp4(typ, 4, b"\0\0\x05\xdc" + syn[:24])))
        frames.append(to4(P, 1, icmp4(typ, 1, b"\0" * 4 + os.urandom(60))))
    frames.append(to4(P, 1, icmp4(8, 0, b"")))                 # echo without id/seq
    # ARP: odd sizes and fields
    for hlen, plen in ((0, 0), (6, 0), (0, 4), (6, 16), (16, 4), (255, 255)):
        frames.append(eth(H.gmac, P.mac, ETH_ARP, arp(1, P.mac[:hlen], P.ip[:plen], b"", b"",
                                                       hlen=hlen, plen=plen) + os.urandom(20)))
    for op in (0, 3, 4, 255, 65535):
        frames.append(eth(H.gmac, P.mac, ETH_ARP, arp(op, P.mac, P.ip, b"\0" * 6, g)))
    frames.append(eth(BCAST, P.mac, ETH_ARP, arp(2, BCAST, H.peers[3].ip, BCAST, g)))  # broadcast MAC
    frames.append(eth(BCAST, P.mac, ETH_ARP, arp(2, b"\x01\0\x5e\0\0\1", H.peers[3].ip, H.gmac, g)))
    frames.append(eth(BCAST, P.mac, ETH_ARP, arp(1, P.mac, g, b"\0" * 6, g)))  # our address, elsewhere
    frames.append(eth(BCAST, P.mac, ETH_ARP, arp(1, P.mac, b"\0\0\0\0", b"\0" * 6, g)))  # probe
    for k in range(1, 28):
        frames.append(eth(H.gmac, P.mac, ETH_ARP, arp(1, P.mac, P.ip, b"\0" * 6, g)[:k]))
    t0 = now()
    for f in frames:
        send(f)
    info("%d frames sent in %.1f s" % (len(frames), now() - t0))
    # After all that, the guest still answers a fake peer's ARP and ping
    # (asked up to three times: the burst may still fill the tap's queue,
    # which drops what comes behind it).
    r = None
    for attempt in range(3):
        t1 = now()
        send(eth(BCAST, P.mac, ETH_ARP, arp(1, P.mac, P.ip, b"\0" * 6, g)))
        send(to4(P, 1, echo4(0x7781, 9 + attempt, b"after")))
        r = wait_for(t1, lambda d: d.get("itype") == 0 and d.get("iid") == 0x7781, 5)
        if r:
            break
    ok(bool(r), "the guest still answers a ping after the truncated headers")


# ---------------------------------------------------------------- phase 3

class Probes:
    """Probes sent as one batch, judged together by what the sniffer saw."""

    def __init__(self):
        self.items = []
        self.driver_bad = 0   # frames with a TCP checksum the driver itself must drop

    def add(self, kind, what, frames, pred, driver_bad=0):
        self.items.append((kind, what, frames, pred))
        self.driver_bad += driver_bad

    def run(self, wait):
        t0 = now()
        for _, _, frames, _ in self.items:
            for f in frames:
                send(f)
            time.sleep(0.01)   # lwIP queues one packet per address while it ARPs
        time.sleep(wait)
        for kind, what, _, pred in self.items:
            r = seen(t0, pred)
            if kind == "control":
                ok(bool(r), "control: %s: answered" % what)
            elif kind == "silent":
                if not ok(not r, "%s: no answer" % what):
                    d = r[0]
                    info("  the guest answered with %s" % describe(d))
            elif kind == "note-silent" and r:
                note("%s: answered (%s)" % (what, describe(r[0])))
            elif kind == "note-answered" and not r:
                note("%s: not answered" % what)
        return t0


def describe(d):
    if d.get("proto") == 6:
        fl = "".join(c for c, b in zip("FSRPAU", (1, 2, 4, 8, 16, 32)) if d["flags"] & b)
        return "TCP %s %d -> %d seq %d ack %d, %d bytes" % (fl, d["sport"], d["dport"], d["seq"],
                                                          d["ack"], len(d["payload"]))
    if d.get("proto") == 17:
        return "UDP %d -> %d, %d bytes%s" % (d["sport"], d["dport"], len(d["payload"]),
                                            " (reassembled)" if d.get("reassembled") else "")
    if d.get("proto") in (1, 58):
        return "ICMP%s type %d code %d" % ("v6" if d["proto"] == 58 else "", d["itype"], d["icode"])
    return "a frame of type %04x" % d.get("etype", 0)


def from_guest_tcp(peer_ip, sport, flags=None):
    def pred(d):
        return d["proto"] == 6 and d["dst"] == peer_ip and d["dport"] == sport and \
            (flags is None or d["flags"] & flags == flags)
    return pred


def quoted_port(d):
    """The source port of the TCP/UDP header an ICMP/ICMPv6 error quotes."""
    b = d.get("ibody", b"")[4:]
    if d["proto"] == 1 and len(b) >= 20:
        ihl = (b[0] & 15) * 4
        return be16(b, ihl) if len(b) >= ihl + 2 else None
    if d["proto"] == 58 and len(b) >= 42:
        return be16(b, 40)
    return None


def any_answer(peer_ip, sport):
    """Any TCP/UDP to sport, or an ICMP error quoting it."""
    def pred(d):
        if d.get("dst") != peer_ip:
            return False
        if d.get("proto") in (6, 17):
            return d["dport"] == sport
        if d.get("proto") == 1 and d.get("itype") in (3, 4, 11, 12):
            return quoted_port(d) == sport
        if d.get("proto") == 58 and d.get("itype") in (1, 2, 3, 4):
            return quoted_port(d) == sport
        return False
    return pred


def icmp_reply(peer_ip, ident, v6=False):
    def pred(d):
        return d.get("dst") == peer_ip and d.get("proto") == (58 if v6 else 1) and \
            d.get("itype") == (129 if v6 else 0) and d.get("iid") == ident
    return pred


def tcp_in_conn(P):
    """A connection to ECHO made by hand (raw frames), then data and an RST
    with bad checksums in its sequence space, then the same data right."""
    g = H.gip
    sp = nport()
    H.sn.keep.add(sp)
    isn = random.getrandbits(32)
    t0 = now()
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, isn, 0, SYN, opts=SYN_OPTS[:4])))
    sa = wait_for(t0, from_guest_tcp(P.ip, sp, SYN | ACK), 3)
    if not ok(bool(sa), "a connection by hand: SYN-ACK"):
        return 0
    gseq = sa[0]["seq"] + 1
    seq = isn + 1
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, ACK)))
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, ACK | PSH, b"ECHO\n")))
    seq += 5
    acked = wait_for(t0, lambda d: from_guest_tcp(P.ip, sp, ACK)(d) and d["ack"] == seq & 0xFFFFFFFF, 3)
    ok(bool(acked), "a connection by hand: the guest acknowledged ECHO")
    t1 = now()
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, ACK | PSH, b"EVIL-BAD-CSUM", bad=True)))
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, RST, bad=True)))
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, FIN | ACK, bad=True)))
    time.sleep(1.0)
    r = seen(t1, from_guest_tcp(P.ip, sp))
    evil = [d for d in r if b"EVIL" in d["payload"] or (d["flags"] & ACK and
                                                       (d["ack"] - seq) & 0xFFFFFFFF not in (0,))]
    if not ok(not evil, "in a connection: data, RST and FIN with bad TCP checksums are ignored "
              "(no echo, nothing acknowledged)"):
        info("  the guest answered with %s" % describe(evil[0]))
    t2 = now()
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, gseq, ACK | PSH, b"GOOD-CSUM")))
    r = wait_for(t2, lambda d: from_guest_tcp(P.ip, sp)(d) and b"GOOD-CSUM" in d["payload"], 3)
    ok(bool(r), "control: in the same connection, the same data with the right checksum is "
       "echoed (the bad RST did not reset it)")
    seq += len(b"GOOD-CSUM")
    send(to4(P, 6, tcp(P.ip, g, sp, H.port, seq, 0, RST)))
    return 3   # frames with bad TCP checksums the driver must have dropped: data, RST, FIN


def phase_checksums():
    P, P6 = H.peers[0], H.peers[1]
    g, g6 = H.gip, H.gll6
    pr = Probes()
    # TCP over IPv4, checked by the driver
    sp = nport()
    pr.add("control", "SYN to port %d" % H.port,
           [to4(P, 6, tcp(P.ip, g, sp, H.port, 1000, 0, SYN, opts=SYN_OPTS))],
           from_guest_tcp(P.ip, sp, SYN | ACK))
    sp = nport()
    pr.add("silent", "SYN to port %d with a bad TCP checksum (no SYN-ACK)" % H.port,
           [to4(P, 6, tcp(P.ip, g, sp, H.port, 1000, 0, SYN, opts=SYN_OPTS, bad=True))],
           from_guest_tcp(P.ip, sp), driver_bad=1)
    sp = nport()
    pr.add("control", "SYN to closed port 9 (RST)",
           [to4(P, 6, tcp(P.ip, g, sp, 9, 1000, 0, SYN))], from_guest_tcp(P.ip, sp, RST))
    sp = nport()
    pr.add("silent", "SYN to closed port 9 with a bad TCP checksum (no RST)",
           [to4(P, 6, tcp(P.ip, g, sp, 9, 1000, 0, SYN, bad=True))], from_guest_tcp(P.ip, sp),
           driver_bad=1)
    sp = nport()
    pr.add("control", "an ACK with data to the listening port (RST)",
           [to4(P, 6, tcp(P.ip, g, sp, H.port, 5, 77, ACK | PSH, b"stray"))],
           from_guest_tcp(P.ip, sp, RST))
    sp = nport()
    pr.add("silent", "an ACK with data to the listening port with a bad TCP checksum",
           [to4(P, 6, tcp(P.ip, g, sp, H.port, 5, 77, ACK | PSH, b"stray", bad=True))],
           from_guest_tcp(P.ip, sp), driver_bad=1)
    # IPv4 header checksum wrong (lwIP checks it)
    sp = nport()
    pr.add("silent", "SYN with a right TCP checksum in an IPv4 header with a wrong one",
           [to4(P, 6, tcp(P.ip, g, sp, H.port, 1000, 0, SYN), bad=True)], from_guest_tcp(P.ip, sp))
    sp = nport()
    pr.add("silent", "UDP to port %d in an IPv4 header with a wrong checksum (not echoed)" % H.port,
           [to4(P, 17, udp(P.ip, g, sp, H.port, b"ipcsum"), bad=True)], any_answer(P.ip, sp))
    pr.add("silent", "ICMP echo in an IPv4 header with a wrong checksum",
           [to4(P, 1, echo4(0x4001, 1, b"ipcsum"), bad=True)], icmp_reply(P.ip, 0x4001))
    # UDP (lwIP checks)
    sp = nport()
    pr.add("control", "UDP to port %d (echoed)" % H.port,
           [to4(P, 17, udp(P.ip, g, sp, H.port, b"udp-good"))], any_answer(P.ip, sp))
    sp = nport()
    pr.add("control", "UDP to port %d without a checksum (zero: allowed on IPv4, echoed)" % H.port,
           [to4(P, 17, udp(P.ip, g, sp, H.port, b"udp-zero", mode="zero"))], any_answer(P.ip, sp))
    sp = nport()
    pr.add("silent", "UDP to port %d with a bad checksum (not echoed)" % H.port,
           [to4(P, 17, udp(P.ip, g, sp, H.port, b"udp-bad", mode="bad"))], any_answer(P.ip, sp))
    sp = nport()
    pr.add("control", "UDP to closed port 9 (ICMP port unreachable)",
           [to4(P, 17, udp(P.ip, g, sp, 9, b"udp-closed"))], any_answer(P.ip, sp))
    sp = nport()
    pr.add("silent", "UDP to closed port 9 with a bad checksum (no port unreachable)",
           [to4(P, 17, udp(P.ip, g, sp, 9, b"udp-closed-bad", mode="bad"))], any_answer(P.ip, sp))
    # ICMP
    pr.add("control", "ICMP echo", [to4(P, 1, echo4(0x4002, 1, b"ping"))], icmp_reply(P.ip, 0x4002))
    pr.add("silent", "ICMP echo with a bad ICMP checksum",
           [to4(P, 1, echo4(0x4003, 1, b"ping", bad=True))], icmp_reply(P.ip, 0x4003))
    # TCP in IPv4 fragments: the driver leaves it to lwIP, which does not check.
    # The first fragment holds the whole header (lwIP drops a TCP header
    # split over fragments), or the header and part of its options.
    for bad, cut in ((False, 40), (False, 24), (True, 40)):
        sp = nport()
        seg = tcp(P.ip, g, sp, H.port, 2000, 0, SYN, b"syn-data-in-frags", opts=SYN_OPTS, bad=bad)
        ident = random.randrange(65536)
        fr = [to4(P, 6, seg[:cut], ident=ident, frag=0x2000), to4(P, 6, seg[cut:], ident=ident, frag=cut // 8)]
        if bad:
            pr.add("silent", "SYN to port %d with a bad TCP checksum in two IPv4 fragments "
                   "(no SYN-ACK)" % H.port, fr, from_guest_tcp(P.ip, sp))
        else:
            pr.add("control", "SYN to port %d in two IPv4 fragments (cut at %d: %s)" %
                   (H.port, cut, "options in the first" if cut >= 32 else "options in both"), fr,
                   from_guest_tcp(P.ip, sp, SYN | ACK))
    # IPv6: ICMPv6, UDP, TCP, TCP behind an extension header, TCP in fragments
    pr.add("control", "ICMPv6 echo", [to6(P6, 58, icmp6(P6.ll6, g6, 128, 0, struct.pack("!HH", 0x6001, 1) + b"ping6"))],
           icmp_reply(P6.ll6, 0x6001, v6=True))
    pr.add("silent", "ICMPv6 echo with a bad checksum",
           [to6(P6, 58, icmp6(P6.ll6, g6, 128, 0, struct.pack("!HH", 0x6002, 1) + b"ping6", bad=True))],
           icmp_reply(P6.ll6, 0x6002, v6=True))
    sp = nport()
    pr.add("control", "UDP over IPv6 to port %d (echoed, or port unreachable if the app listens on IPv4 only)" % H.port,
           [to6(P6, 17, udp(P6.ll6, g6, sp, H.port, b"udp6", v6=True))], any_answer(P6.ll6, sp))
    sp = nport()
    pr.add("silent", "UDP over IPv6 with a bad checksum",
           [to6(P6, 17, udp(P6.ll6, g6, sp, H.port, b"udp6-bad", mode="bad", v6=True))],
           any_answer(P6.ll6, sp))
    sp = nport()
    pr.add("note-silent", "UDP over IPv6 with a zero checksum (RFC 8200 8.1: must be discarded; "
           "Linux does)",
           [to6(P6, 17, udp(P6.ll6, g6, sp, H.port, b"udp6-zero", mode="zero", v6=True))],
           any_answer(P6.ll6, sp))
    for hdr, nh, what in ((b"", 6, "TCP over IPv6"),
                          (ext6(6), 60, "TCP over IPv6 behind a destination options header"),
                          (ext6(6), 0, "TCP over IPv6 behind a hop-by-hop options header")):
        for bad in (False, True):
            sp = nport()
            seg = tcp(P6.ll6, g6, sp, H.port, 3000, 0, SYN, opts=SYN_OPTS, bad=bad, v6=True)
            fr = [to6(P6, nh, hdr + seg)]
            if bad:
                pr.add("silent", "%s: SYN with a bad TCP checksum (no RST, no SYN-ACK)" % what, fr,
                       from_guest_tcp(P6.ll6, sp), driver_bad=0 if hdr else 1)
            else:
                pr.add("control", "%s: SYN (SYN-ACK, or RST if the app listens on IPv4 only)" % what, fr,
                       from_guest_tcp(P6.ll6, sp))
    for bad in (False, True):
        sp = nport()
        seg = tcp(P6.ll6, g6, sp, H.port, 4000, 0, SYN, b"syn-data-in-frags", opts=SYN_OPTS, bad=bad, v6=True)
        ident = random.getrandbits(32)
        fr = [to6(P6, 44, frag6(6, 0, True, ident) + seg[:40]),
              to6(P6, 44, frag6(6, 40, False, ident) + seg[40:])]
        if bad:
            pr.add("silent", "TCP over IPv6 in two fragments: SYN with a bad TCP checksum (no RST)",
                   fr, from_guest_tcp(P6.ll6, sp))
        else:
            pr.add("control", "TCP over IPv6 in two fragments: SYN (answered)", fr, from_guest_tcp(P6.ll6, sp))
    warm(P)
    before = stats()
    pr.run(2.0)
    n_conn = tcp_in_conn(P)
    time.sleep(0.3)
    after = stats()
    want = pr.driver_bad + n_conn
    if not H.counters:
        info("no driver counters (not a Jiny guest): the \"bad checksums\" counter is not checked")
    elif before and after:
        d = after["csum"] - before["csum"]
        ok(d >= want and after["csum"] > 0,
           "the driver's \"bad checksums\" counter grew by %d over this phase (%d -> %d; "
           "%d frames with bad TCP checksums it must drop were sent)" %
           (d, before["csum"], after["csum"], want))
        if d > want:
            info("(%d more: the driver counts IP headers it finds inconsistent there too)" % (d - want))
    else:
        ok(False, "the driver's counters are in /proc/netdev")


# ---------------------------------------------------------------- phase 4

def warm(P):
    """Have the guest resolve P's address (a ping and its reply): lwIP keeps
    one packet per unresolved address, so a fragmented answer to a peer it
    has to ARP for first loses all its fragments but the last."""
    t0 = now()
    for k in range(3):
        send(to4(P, 1, echo4(0x5100, k, b"warm")))
        if wait_for(t0, icmp_reply(P.ip, 0x5100), 0.5):
            return True
    return False


def udp_train(P, sport, payload, cuts, ident, order=None, extra=()):
    """IPv4 fragments of one UDP datagram to the app: [frame]."""
    l4 = udp(P.ip, H.gip, sport, H.port, payload)
    fr = frags_of(l4, cuts)
    frames = [to4(P, 17, piece, ident=ident, frag=(0x2000 if more else 0) | (off // 8))
              for off, piece, more in fr]
    if order == "reverse":
        frames.reverse()
    for pos, (off, piece, more) in extra:
        frames.insert(pos, to4(P, 17, piece, ident=ident, frag=(0x2000 if more else 0) | (off // 8)))
    return frames


def echoed(P, sport, payload=None):
    def pred(d):
        return d.get("proto") == 17 and d.get("dst") == P.ip and d["dport"] == sport and \
            (payload is None or d["payload"] == payload)
    return pred


def phase_fragments(rng):
    P, P2 = H.peers[2], H.peers[3]
    P6 = H.peers[1]
    data = lambda n, c=b"abcdefgh": (c * (n // len(c) + 1))[:n]
    ident = [rng.randrange(1, 60000)]

    def nid():
        ident[0] += 1
        return ident[0]

    # First contact: a fragmented echo to a peer the guest has not resolved yet
    Pf = Peer(H.prefix, 10)   # 10.x.0.210, answered for like the others
    H.peers.append(Pf)
    H.peer_macs.add(Pf.mac)
    pay = os.urandom(2952)   # + 8 = 2960 = 2 x 1480
    sp = nport()
    t0 = now()
    for f in udp_train(Pf, sp, pay, [1480], nid()):
        send(f)
    r = wait_for(t0, echoed(Pf, sp, pay), 2)
    if not r:
        got = [d for t, f, d in H.sn.since(t0) if d.get("frag") and d["dst"] == Pf.ip]
        note("first contact: a 2952-byte UDP datagram from a peer the guest has not resolved yet "
             "is not echoed (%d of its 2 fragments came; lwIP queues one packet per unresolved "
             "address, ARP_QUEUEING 0, so all fragments but the last are dropped; Linux queues "
             "them and echoes it)" % len(got))
    warm(P)
    warm(P2)
    pr = Probes()
    sp = nport()
    pr.add("control", "a 2952-byte UDP datagram in two IPv4 fragments is echoed",
           udp_train(P, sp, pay, [1480], nid()), echoed(P, sp, pay))
    sp = nport()
    pay3 = os.urandom(4000)
    pr.add("control", "a 4000-byte UDP datagram in three IPv4 fragments sent last-first is echoed",
           udp_train(P, sp, pay3, [1480, 2960], nid(), order="reverse"), echoed(P, sp, pay3))
    sp = nport()
    i = nid()
    l4 = udp(P.ip, H.gip, sp, H.port, pay3)
    dup = (1, (1480, l4[1480:2960], True))
    pr.add("note-answered", "a 4000-byte datagram with one fragment duplicated (Linux echoes it)",
           udp_train(P, sp, pay3, [1480, 2960], i, extra=[dup]), echoed(P, sp, pay3))
    # Overlaps: a fragment over both halves, with other bytes
    sp = nport()
    i = nid()
    l4 = udp(P.ip, H.gip, sp, H.port, pay)
    over = (1, (1000, b"X" * 1000, True))
    pr.add("note-silent", "overlapping IPv4 fragments (a third one over both halves with other "
           "bytes; Linux drops the datagram)", udp_train(P, sp, pay, [1480], i, extra=[over]),
           echoed(P, sp))
    pr.add("silent", "overlapping IPv4 fragments: no echo mixing in the overlapping bytes",
           [], lambda d, sp=sp: echoed(P, sp)(d) and b"X" * 16 in d["payload"])
    # Teardrop: the second fragment inside the first, ending before it
    sp = nport()
    i = nid()
    l4 = udp(P.ip, H.gip, sp, H.port, data(1000))
    td = [to4(P, 17, l4[:400], ident=i, frag=0x2000), to4(P, 17, b"T" * 24, ident=i, frag=0x2000 | 2),
          to4(P, 17, l4[400:], ident=i, frag=400 // 8)]
    pr.add("silent", "teardrop (a fragment inside the first, other bytes): no echo with its bytes "
           "(Linux, like lwIP, ignores it as a duplicate)", td,
           lambda d, sp=sp: echoed(P, sp)(d) and b"T" * 24 in d["payload"])
    # Same offset twice with different lengths, and a zero-length fragment
    sp = nport()
    i = nid()
    l4 = udp(P.ip, H.gip, sp, H.port, data(1000))
    pr.add("note-silent", "two first fragments of different lengths",
           [to4(P, 17, l4[:400], ident=i, frag=0x2000), to4(P, 17, l4[:800], ident=i, frag=0x2000),
            to4(P, 17, b"", ident=i, frag=0x2000 | 50), to4(P, 17, l4[400:], ident=i, frag=400 // 8)],
           echoed(P, sp))
    # 8-byte fragments: 126 of them, beyond lwIP's IP_REASS_MAX_PBUFS (64)
    sp = nport()
    tiny = data(1000, b"tinyfrag")
    pr.add("note-answered", "a 1000-byte datagram in 126 8-byte fragments (Linux echoes it; lwIP "
           "keeps at most 64 fragments)", udp_train(P, sp, tiny, even_cuts(1008, 8), nid()),
           echoed(P, sp, tiny))
    # Beyond 65535: a whole train whose last fragment ends at 66600
    sp = nport()
    big = os.urandom(66600 - 8)
    l4 = udp(P.ip, H.gip, sp, H.port, big)
    fr = frags_of(l4, even_cuts(len(l4), 1480))
    i = nid()
    pr.add("silent", "an IPv4 fragment train reassembling to 66600 bytes is not echoed",
           [to4(P, 17, piece, ident=i, frag=(0x2000 if more else 0) | (off // 8)) for off, piece, more in fr],
           echoed(P, sp))
    sp = nport()
    i = nid()
    pr.add("silent", "a lone IPv4 fragment at offset 65528 with 1472 bytes",
           [to4(P, 17, os.urandom(1472), ident=i, frag=8191)], echoed(P, sp))
    # The largest legal datagram: 65507 bytes of UDP payload
    sp = nport()
    maxp = os.urandom(65507)
    pr.add("note-answered", "the largest IPv4 UDP datagram (65507 bytes, 45 fragments) is echoed "
           "(Linux does)", udp_train(P, sp, maxp, even_cuts(65515, 1480), nid()),
           echoed(P, sp, maxp))
    t0 = pr.run(3.0)
    # Hundreds of trains never completed, from many sources, then a good one
    t1 = now()
    n_open = 0
    for k in range(600):
        src = P2 if k % 3 else H.peers[k % 4]
        sip = src.ip if k % 2 else H.prefix + bytes([rng.randrange(100, 199)])
        l4 = udp(sip, H.gip, nport(), H.port, os.urandom(2952))
        i = nid()
        if k % 4 == 3:   # the last fragment only
            pkt = ip4(sip, H.gip, 17, l4[1480:], ident=i, frag=1480 // 8)
        else:            # the first only
            pkt = ip4(sip, H.gip, 17, l4[:1480], ident=i, frag=0x2000)
        send(eth(H.gmac, src.mac, ETH_IP, pkt))
        n_open += 1
    # and 200 fragments of one train that never ends (holes everywhere)
    sp = nport()
    l4 = udp(P2.ip, H.gip, sp, H.port, os.urandom(60000))
    i = nid()
    for off in range(0, 60000 - 16, 296):
        send(to4(P2, 17, l4[off:off + 8], ident=i, frag=0x2000 | (off // 8)))
    info("%d never-completed fragment trains and one of %d 8-byte fragments with holes sent "
         "in %.1f s" % (n_open, len(range(0, 60000 - 16, 296)), now() - t1))
    # Is reassembly still working? A fragmented datagram to a closed port is
    # answered by one ICMP port unreachable once reassembled (one packet: it
    # survives lwIP's one-packet ARP queue, which the churn of all those
    # sources keeps busy).
    r = []
    for attempt in range(3):
        sp = nport()
        t2 = now()
        l4 = udp(P.ip, H.gip, sp, 9, pay)
        i = nid()
        send(to4(P, 17, l4[:1480], ident=i, frag=0x2000))
        send(to4(P, 17, l4[1480:], ident=i, frag=1480 // 8))
        r = wait_for(t2, any_answer(P.ip, sp), 1.5)
        if r:
            break
    ok(bool(r), "after them a fragmented datagram is still reassembled (port unreachable for "
       "one to a closed port%s)" % ("" if attempt == 0 else ", at try %d" % (attempt + 1)))
    # IPv6 fragments (ICMPv6 echo: the guest answers it whatever it listens on)
    pr = Probes()

    def echo6_train(ident_echo, payload, cuts, fid, order=None, extra=(), pre=b"", pre_nh=None):
        m = icmp6(P6.ll6, H.gll6, 128, 0, struct.pack("!HH", ident_echo, 1) + payload)
        fr = frags_of(m, cuts)
        out = []
        for off, piece, more in fr:
            f = frag6(58, off, more, fid) + piece
            out.append(to6(P6, pre_nh, pre + f) if pre else to6(P6, 44, f))
        if order == "reverse":
            out.reverse()
        for pos, (off, piece, more) in extra:
            out.insert(pos, to6(P6, 44, frag6(58, off, more, fid) + piece))
        return out

    def reply6(ident_echo, payload=None):
        def pred(d):
            return d.get("proto") == 58 and d.get("itype") == 129 and d.get("iid") == ident_echo and \
                (payload is None or d["ibody"][4:] == payload)
        return pred

    p6 = os.urandom(2992)
    pr.add("control", "a 3000-byte ICMPv6 echo in three IPv6 fragments gets its reply",
           echo6_train(0x6101, p6, [1448, 2896], nid()), reply6(0x6101, p6))
    pr.add("control", "the same, fragments sent last-first",
           echo6_train(0x6102, p6, [1448, 2896], nid(), order="reverse"), reply6(0x6102, p6))
    pr.add("control", "an atomic fragment (offset 0, no more) is a whole packet",
           echo6_train(0x6103, b"atomic", [], nid()), reply6(0x6103))
    m = icmp6(P6.ll6, H.gll6, 128, 0, struct.pack("!HH", 0x6104, 1) + p6)
    pr.add("note-silent", "overlapping IPv6 fragments (RFC 5722: the datagram must be dropped; "
           "Linux does)", echo6_train(0x6104, p6, [1448, 2896], nid(), extra=[(1, (1000, m[1000:1800], True))]),
           reply6(0x6104))
    pr.add("silent", "an IPv6 fragment at offset 65528 with 1000 bytes (beyond 65535)",
           [to6(P6, 44, frag6(58, 65528, False, nid()) + os.urandom(1000))], reply6(0x6105))
    big6 = os.urandom(65535 - 8)  # ICMPv6 message of 65535 bytes: the largest payload length
    pr.add("note-answered", "an ICMPv6 echo of 65535 bytes (the largest payload length) in 46 "
           "fragments (Linux answers it; lwIP keeps a packet's length, headers included, in 16 "
           "bits: docs/net.md)",
           echo6_train(0x6106, big6, even_cuts(65535, 1448), nid()), reply6(0x6106))
    big6b = os.urandom(65535 - 8 - 8)
    pr.add("none", "the same, 65527 bytes behind a hop-by-hop header before the fragment "
           "header (payload length 65535; Linux does not answer it either)",
           echo6_train(0x6107, big6b, even_cuts(65527, 1448), nid(), pre=ext6(44), pre_nh=0),
           reply6(0x6107))
    pr.add("none", "IPv6 fragments nested (a fragment header inside a fragment)",
           [to6(P6, 44, frag6(44, 0, False, nid()) + frag6(58, 0, False, nid()) +
                icmp6(P6.ll6, H.gll6, 128, 0, struct.pack("!HH", 0x6108, 1) + b"nested"))],
           lambda d: False)
    i6 = nid()
    pr.add("note-answered", "126 8-byte IPv6 fragments of a 1000-byte echo",
           echo6_train(0x6109, data(992, b"tiny6frg"), even_cuts(1000, 8), i6), reply6(0x6109))
    pr.run(3.0)
    t3 = now()
    for k in range(300):
        m = icmp6(P6.ll6, H.gll6, 128, 0, struct.pack("!HH", 0x6200, k) + os.urandom(2000))
        send(to6(P6, 44, frag6(58, 0, True, nid()) + m[:1448]))
    pr2 = Probes()
    pr2.add("control", "after 300 never-completed IPv6 trains, a fragmented echo still gets its reply",
            echo6_train(0x6110, p6, [1448, 2896], nid()), reply6(0x6110, p6))
    pr2.run(2.0)


# ---------------------------------------------------------------- phase 5

def dead_hosts():
    """Addresses of the subnet nobody answers ARP for (proxy ARP off)."""
    avoid = {0, 1, 255, H.gip[3]} | {p.ip[3] for p in H.peers}
    return [k for k in range(1, 255) if k not in avoid]


def phase_arp_churn(rng, secs):
    """Pings from many addresses that answer no ARP: lwIP's 32-entry ARP
    table fills with pending entries, and lwIP recycles the oldest *stable*
    entry first (etharp_find_entry), while it keeps one packet per
    unresolved address (ARP_QUEUEING 0): live peers lose packets."""
    P = H.peers[2]
    H.proxy_arp = False
    dead = dead_hosts()

    def burst():
        t0 = now()
        sps = []
        for k in range(10):
            sp = nport()
            sps.append(sp)
            send(to4(P, 17, udp(P.ip, H.gip, sp, H.port, b"burst-%d" % k)))
        time.sleep(1.0)
        got = {d["dport"] for d in seen(t0, lambda d: d.get("proto") == 17 and d.get("dst") == P.ip)}
        return sum(1 for sp in sps if sp in got)

    def pings(n):
        for k in range(n):
            a = rng.choice(dead)
            send(eth(H.gmac, rand_mac(rng), ETH_IP,
                     ip4(H.prefix + bytes([a]), H.gip, 1, echo4(0x5000, k & 0xFFFF, b"churn"))))

    send(to4(P, 1, echo4(0x5001, 1, b"warm-up")))   # the guest learns P's address
    time.sleep(0.3)
    base = burst()
    pings(100)
    churned = burst()
    # An ordinary client's bulk transfer with and without 500 such pings a second.
    n = 2 << 20

    def source():
        t0 = now()
        try:
            r = command("SOURCE %d 5" % n, timeout=secs)
            return now() - t0, len(r) == n
        except OSError:
            return now() - t0, False

    t_base, ok_base = source()
    stop = [False]

    def churner():
        while not stop[0]:
            pings(50)
            time.sleep(0.1)

    th = threading.Thread(target=churner, daemon=True)
    th.start()
    time.sleep(0.3)
    t_churn, ok_churn = source()
    stop[0] = True
    th.join(5)
    info("10 UDP datagrams from a live peer, back to back: %d echoed before, %d right after 100 "
         "pings from addresses that do not answer ARP" % (base, churned))
    info("SOURCE 2 MiB over the host's stack: %.2f s alone, %s with 500 such pings a second" %
         (t_base, "%.2f s" % t_churn if ok_churn else "not done in %.0f s" % t_churn))
    if churned < base or not ok_churn or t_churn > 3 * t_base + 1:
        note("ARP table churn: pings from ~100 addresses that answer no ARP make the guest forget "
             "live neighbours (lwIP recycles the oldest stable ARP entry before pending ones, "
             "32 entries, one queued packet per unresolved address): %d of 10 back-to-back "
             "datagrams from a live peer echoed (%d before); a 2 MiB transfer took %s instead of "
             "%.2f s. Linux holds 1024 neighbours before it forces a collection and queues up "
             "to 200 KiB (unres_qlen_bytes) per unresolved one" % (churned, base, "%.2f s" % t_churn if ok_churn else
                                 "over %.0f s (unfinished)" % t_churn, t_base))



def phase_flood(rng, n, secs, grace):
    base = H.prefix
    hosts = dead_hosts()
    frames = []
    for _ in range(n):
        sip = base + bytes([rng.choice(hosts)])
        seg = tcp(sip, H.gip, rng.randrange(1024, 65536), H.port, rng.getrandbits(32), 0, SYN,
                  opts=SYN_OPTS[:4])
        frames.append(eth(H.gmac, rand_mac(rng), ETH_IP, ip4(sip, H.gip, 6, seg, ident=rng.randrange(65536))))
    nob = H.tx.nobufs
    t0 = now()
    sent = 0
    for f in frames:
        if now() - t0 > secs:
            break
        if send(f, patience=0.05):
            sent += 1
    dt = now() - t0
    info("%d SYNs from random addresses and ports of the subnet sent in %.1f s (%d times the "
         "tap's queue was full)" % (sent, dt, H.tx.nobufs - nob))
    # What the listener does now: a SYN to it and one to a closed port from
    # a peer that answers ARP (the guest resolves it first: a ping).
    P = H.peers[3]
    warm(P)
    sp7, sp9 = nport(), nport()
    tp = now()
    send(to4(P, 6, tcp(P.ip, H.gip, sp7, H.port, 1, 0, SYN, opts=SYN_OPTS[:4])))
    time.sleep(0.05)
    send(to4(P, 6, tcp(P.ip, H.gip, sp9, 9, 1, 0, SYN)))
    # Judged by what comes back, not by time: wait (up to 15 s, generous on
    # a busy host) for both answers.
    rst9 = sa7 = None
    while now() - tp < 15 and not (rst9 and sa7):
        time.sleep(0.1)
        rst9 = seen(tp, from_guest_tcp(P.ip, sp9, RST))
        sa7 = seen(tp, from_guest_tcp(P.ip, sp7, SYN | ACK))
    info("right after the flood: a SYN to closed port 9 %s" %
         ("is reset (the stack is alive)" if rst9 else "gets no RST"))
    info("right after the flood a SYN to the listening port %d %s" %
         (H.port, "gets a SYN-ACK" if sa7 else "gets none yet"))
    # How soon does an ordinary client get through again?
    t1 = now()
    first = None
    tries = 0
    while now() - t1 < 45:
        tries += 1
        try:
            if command("ECHO", b"after-flood", timeout=3) == b"after-flood":
                first = now() - t1
                break
        except OSError:
            pass
    if first is None:
        ok(False, "after the SYN flood the server accepted no connection in 45 s")
        H.dead = not diagnose()
        return
    # Linux answers at once (SYN cookies); Jiny once the flood's half-open
    # connections are 3 s old (net.c), lwIP alone after 20 s: 15 s is a
    # bound far from both, not a figure tuned on a quiet host.
    ok(first <= 15, "after the SYN flood an ordinary connection is served within 15 s (%.1f s, "
       "%d tries)" % (first, tries))
    if first > grace:
        info("  lwIP counts SYN_RCVD connections against the listen backlog "
             "(tcp_listen_input: accepts_pending >= backlog drops the SYN) and keeps them "
             "TCP_SYN_RCVD_TIMEOUT (20 s); Linux answers with SYN cookies once its SYN queue "
             "is full and keeps accepting")


def guest_alive(secs=3):
    """Does the guest answer a fake peer's ARP request and ping? And what
    did it send on its own meanwhile?"""
    P = H.peers[0]
    t0 = now()
    send(eth(BCAST, P.mac, ETH_ARP, arp(1, P.mac, P.ip, b"\0" * 6, H.gip)))
    send(to4(P, 1, echo4(0x5200, 1, b"alive?")))
    r_arp = wait_for(t0, lambda d: d.get("arp") and d["arp"][0] == 2 and d["arp"][2] == H.gip, secs)
    r_ping = wait_for(t0, icmp_reply(P.ip, 0x5200), 0.5)
    return bool(r_arp or r_ping)


def diagnose(window=10):
    """What the guest sent in the last seconds (it may still transmit when it
    no longer receives, or send nothing at all when it is stuck)."""
    kinds = {}
    for d in datagrams(H.sn.since(now() - window)):
        if d.get("esrc") != H.gmac:
            continue
        if d.get("arp"):
            k = "ARP %s" % ("request" if d["arp"][0] == 1 else "reply")
        elif d.get("proto") == 6:
            k = "TCP " + "".join(c for c, b in zip("FSRPAU", (1, 2, 4, 8, 16, 32)) if d["flags"] & b)
        elif d.get("proto") in (1, 58):
            k = "ICMP%s %d" % ("v6" if d["proto"] == 58 else "", d["itype"])
        else:
            k = "other"
        kinds[k] = kinds.get(k, 0) + 1
    alive = guest_alive()
    info("the guest %s a fake peer's ARP request or ping; in the last %d s it sent: %s" %
         ("answers" if alive else "does not answer", window,
          ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())) or "nothing"))
    return alive


# ---------------------------------------------------------------- main

def learn_macs(P):
    """The guest's MAC: from the host's ARP cache (the STATS connection put
    it there) and from an ARP request of ours; they must agree."""
    cache = None
    try:
        for line in open("/proc/net/arp").read().splitlines()[1:]:
            w = line.split()
            if w[0] == H.gip_s and w[3] != "00:00:00:00:00:00":
                cache = mac_b(w[3])
    except OSError:
        pass
    t0 = now()
    H.sn.tx.send(eth(BCAST, P.mac, ETH_ARP, arp(1, P.mac, P.ip, b"\0" * 6, H.gip)))
    r = wait_for(t0, lambda d: d.get("arp") and d["arp"][0] == 2 and d["arp"][2] == H.gip, 3)
    learned = r[0]["arp"][1] if r else None
    ok(learned is not None, "the guest answers a fake peer's ARP request (%s)" %
       (mac_s(learned) if learned else "no reply"))
    if cache and learned and cache != learned:
        ok(False, "the host's ARP cache (%s) and the guest's ARP reply (%s) agree" %
           (mac_s(cache), mac_s(learned)))
    return learned or cache


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("guest")
    ap.add_argument("--iface", default="tap0")
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--client", help="nic-client.py, run at the end (--big 2 --churn 50)")
    ap.add_argument("--garbage", type=int, default=6000)
    ap.add_argument("--flood", type=int, default=20000)
    ap.add_argument("--flood-secs", type=float, default=6)
    ap.add_argument("--grace", type=float, default=5,
                    help="seconds within which the server must accept again after the flood")
    ap.add_argument("--wait", type=int, default=120)
    ap.add_argument("--churn-secs", type=float, default=15,
                    help="bound on the transfer under ARP churn")
    ap.add_argument("--phases", default="123456")
    ap.add_argument("--pcap", help="write every frame on the tap to this file")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    random.seed(seed + 1)
    print("hostile.py: seed %d (rerun with --seed %d)" % (seed, seed), flush=True)

    H.gip_s = a.guest
    H.iface = a.iface
    H.gip = socket.inet_aton(a.guest)
    H.prefix = H.gip[:3]
    H.port = a.port
    H.hip = H.prefix + b"\x01"
    H.peers = [Peer(H.prefix, k) for k in range(4)]
    H.peer_macs = {p.mac for p in H.peers}
    H.proxy_arp = True
    T0 = now()
    st, up = None, False
    while now() - T0 < a.wait:
        try:
            st = stats()
            up = True
            break
        except OSError:
            time.sleep(0.3)
    if not up:
        print("FAIL the app did not answer STATS on %s:%d in %d s" % (a.guest, a.port, a.wait))
        return 3
    H.counters = st is not None
    info("ready after %.1f s; %s" % (now() - T0, stats_line(st)))
    H.tap_mac = mac_b(open("/sys/class/net/%s/address" % a.iface).read().strip())
    H.tx = Tx(a.iface)
    H.gmac = b"\x52\x54\x00\x12\x34\x56"
    H.sn = Sniffer(a.iface, H)
    H.sn.start()
    pcap = None
    if a.pcap:
        pcap = Pcap(a.iface, a.pcap)
        pcap.start()
    m = learn_macs(H.peers[0])
    if m:
        H.gmac = m
    m = H.gmac
    H.gll6 = b"\xfe\x80" + b"\0" * 6 + bytes([m[0] ^ 2]) + m[1:3] + b"\xff\xfe" + m[3:]
    info("guest %s at %s (%s), host %s at %s" % (a.guest, mac_s(H.gmac),
                                                 socket.inet_ntop(socket.AF_INET6, H.gll6),
                                                 socket.inet_ntoa(H.hip), mac_s(H.tap_mac)))
    # Introduce the IPv6 fake peers (an NS with our link-layer address).
    for pe in H.peers:
        ns = icmp6(pe.ll6, H.gll6, 135, 0, b"\0" * 4 + H.gll6 + b"\x01\x01" + pe.mac)
        send(to6(pe, 58, ns, hlim=255))
    # The guest's link-local address is usable once its DAD is over: ping it.
    t0 = now()
    r = []
    while not r and now() - t0 < 10:
        t1 = now()
        send(to6(H.peers[1], 58, icmp6(H.peers[1].ll6, H.gll6, 128, 0, struct.pack("!HH", 0x6000, 1))))
        r = wait_for(t1, icmp_reply(H.peers[1].ll6, 0x6000, v6=True), 0.3)
    ok(bool(r), "the guest answers ICMPv6 echo on its link-local address (after %.1f s)" % (now() - t0))
    mem0 = memfree()
    prober = Prober()
    prober.phase = {"1": "garbage", "2": "truncated", "3": "checksums", "4": "fragments"}.get(
        (a.phases + "x")[0], "start")
    prober.start()
    phases = [("1", "garbage", lambda: phase_garbage(rng, a.garbage)),
              ("2", "truncated", lambda: phase_truncated(rng)),
              ("3", "checksums", phase_checksums),
              ("4", "fragments", lambda: phase_fragments(rng))]
    for key, name, fn in phases:
        if key not in a.phases:
            continue
        print("---- phase %s: %s" % (key, name), flush=True)
        t0 = now()
        tap0 = tap_stats()
        prober.phase = name
        H.sn.clear()
        fn()
        time.sleep(0.5)
        prober.phase = name + "-done"
        time.sleep(0.4)
        prober.report(name, t0)
        tap1 = tap_stats()
        if tap1["tx_dropped"] > tap0["tx_dropped"]:
            info("the tap dropped %d frames towards the guest (QEMU did not read them in time)" %
                 (tap1["tx_dropped"] - tap0["tx_dropped"]))
        try:
            info("%.1f s; %s" % (now() - t0, stats_line(stats())))
        except OSError as e:
            ok(False, "STATS after phase %s: %s" % (name, e))
    prober.stop = True
    prober.join(15)
    if "5" in a.phases:
        print("---- phase 5: ARP table churn", flush=True)
        t0 = now()
        H.sn.clear()
        phase_arp_churn(rng, a.churn_secs)
        info("%.1f s" % (now() - t0))
    if "6" in a.phases:
        print("---- phase 6: SYN flood", flush=True)
        t0 = now()
        H.sn.clear()
        H.proxy_arp = False
        phase_flood(rng, a.flood, a.flood_secs, a.grace)
        try:
            info("%.1f s; %s" % (now() - t0, stats_line(stats())))
        except OSError as e:
            ok(False, "STATS after the SYN flood: %s" % e)
    print("---- the ordinary client, after all that", flush=True)
    if getattr(H, "dead", False) or not guest_alive():
        ok(False, "the guest answers at all (ARP, ping) after the attack")
        diagnose()
        print("hostile.py: %d failures, %.1f s (seed %d)" % (nic_client.fails, now() - T0, seed), flush=True)
        return min(nic_client.fails, 100)
    if a.client:
        t0 = now()
        r = subprocess.run([sys.executable, a.client, "--big", "2", "--churn", "50", "--wait", "30",
                            a.guest, str(a.port), "--udp-port", str(a.port)], timeout=300)
        ok(r.returncode == 0, "nic-client.py --big 2 --churn 50: exit %d (%.1f s)" %
           (r.returncode, now() - t0))
    else:
        d = os.urandom(1 << 16)
        ok(command("ECHO", d, timeout=30) == d, "64 KiB echoed intact")
    print("---- the end", flush=True)
    try:
        st = stats(show=True)
        if H.counters:
            ok(st is not None and (st["csum"] > 0 or "3" not in a.phases),
               "/proc/netdev: the driver dropped frames for bad checksums (%s)" %
               (st["csum"] if st else "no counters"))
        mem1 = memfree()
        if mem0 and mem1:
            info("MemFree %d kB before the attack, %d kB now (%+d kB)" % (mem0, mem1, mem1 - mem0))
    except OSError as e:
        ok(False, "STATS at the end: %s" % e)
    info("sent %d frames (%d refused by the kernel, %d waits for a full tap queue, %d given up); "
         "answered %d ARP, %d NS, reset %d SYN-ACKs for the fake peers" %
         (H.tx.sent + H.sn.tx.sent, H.tx.refused, H.tx.nobufs, H.tx.lost, H.sn.answered["arp"],
          H.sn.answered["ns"], H.sn.answered["rst"]))
    try:
        r = command("QUIT", timeout=10)
        ok(r == b"BYE\n", "QUIT answered")
    except OSError as e:
        ok(False, "QUIT: %s" % e)
    H.sn.stop = True
    if pcap:
        pcap.stop = True
    if notes:
        print("%d notes (differences from Linux that do not fail the test):" % len(notes))
        for n in notes:
            print("  - " + n)
    print("hostile.py: %d failures, %.1f s (seed %d)" % (nic_client.fails, now() - T0, seed), flush=True)
    return min(nic_client.fails, 100)


if __name__ == "__main__":
    sys.exit(main())
