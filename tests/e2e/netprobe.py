"""Observation tools for the connect-path, DNS and log-value tests.

Everything here watches or shapes real traffic on loopback, so that a test
can assert what the other side saw, when:

  * SynCapture       every TCP SYN sent to a port, with the kernel's
                     timestamp (an AF_PACKET socket on `lo` with a BPF
                     filter): connection attempts and their spacing, also
                     for attempts that never get an answer;
  * SynBlackhole     a listening address that never answers a SYN (backlog
                     0, accept queue filled): `timeout connect` territory;
  * DnsRelay         a nameserver address the test owns: forwards queries
                     to dnsmasq and back, or drops them, or answers an
                     error rcode itself; records every query and answer
                     with its time;
  * read_greeting()  the first MySQL packet of a raw socket, or None;
  * tcplog_for_port() / parse_tcplog()  HAProxy's tcplog line of one
                     client connection, by the client's own port;
  * listen_queue()   connections waiting in the kernel's accept queue;
    established_to() connections some local process holds to a server;
  * LogWatcher       when each line of a log file appeared (dnsmasq's own
                     timestamps are whole seconds).

Not a test file (no `test_` prefix): ctest does not run it by itself.
"""

import ctypes
import os
import re
import select
import socket
import struct
import threading
import time

import harness

# --------------------------------------------------------------------------
# SYN capture

ETH_P_ALL = 0x0003
PACKET_HOST = 0          # sll_pkttype of a packet received by this host
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort),
                ("filter", ctypes.POINTER(_SockFilter))]


def _syn_filter(port):
    """Classic BPF for `lo` frames (14-byte Ethernet header): IPv4, TCP,
    not a fragment, destination port `port`, SYN set and ACK clear."""
    # (code, jt, jf, k); jumps are relative to the next instruction.
    prog = [
        (0x28, 0, 0, 12),          # ldh [12]            ethertype
        (0x15, 0, 10, 0x0800),     # jeq IPv4 ? next : drop
        (0x30, 0, 0, 23),          # ldb [23]            IP protocol
        (0x15, 0, 8, 6),           # jeq TCP ? next : drop
        (0x28, 0, 0, 20),          # ldh [20]            flags/fragment
        (0x45, 6, 0, 0x1FFF),      # jset fragment ? drop : next
        (0xB1, 0, 0, 14),          # ldxb 4*([14]&0xf)   IP header length
        (0x48, 0, 0, 16),          # ldh [x+16]          TCP dst port
        (0x15, 0, 3, port),        # jeq port ? next : drop
        (0x50, 0, 0, 27),          # ldb [x+27]          TCP flags
        (0x54, 0, 0, 0x12),        # and SYN|ACK
        (0x15, 1, 0, 0x02),        # jeq SYN only ? accept : drop
        (0x06, 0, 0, 0),           # drop
        (0x06, 0, 0, 0xFFFF),      # accept
    ]
    # "drop" is instruction 12, "accept" 13.
    return prog


def _attach_filter(sock, prog):
    array = (_SockFilter * len(prog))(*[_SockFilter(*ins) for ins in prog])
    fprog = _SockFprog(len(prog), array)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                    bytes(ctypes.string_at(ctypes.addressof(fprog),
                                           ctypes.sizeof(fprog))))


class SynCapture:
    """Counts the TCP SYNs (connection attempts, retransmissions included)
    that reach `host`:`port` on the loopback interface (any 127.x.x.x when
    `host` is None: then SYNs of other test processes to the same port
    count too), each with the kernel's receive time (CLOCK_REALTIME,
    seconds as a float).

    Needs root (AF_PACKET).  Start it before the traffic, stop() it after.
    """

    def __init__(self, port, host=None):
        self.port = port
        self.host = host
        self.syns = []  # (kernel time, source port, destination address)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
        _attach_filter(self.sock, _syn_filter(port))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("lo", 0))
        # Frames queued before the filter was attached may not match it.
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(65535)
        except BlockingIOError:
            pass
        self.sock.setblocking(True)
        self.sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, ancdata, _, addr = self.sock.recvmsg(
                    256, socket.CMSG_SPACE(16))
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] != PACKET_HOST or len(data) < 40:
                continue  # lo shows each frame twice: outgoing and host
            stamp = time.time()
            for level, kind, value in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", value[:16])
                    stamp = sec + nsec / 1e9
            ip = data[14:]
            ihl = (ip[0] & 0x0F) * 4
            dst = socket.inet_ntoa(ip[16:20])
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
            if dport != self.port or (self.host and dst != self.host):
                continue
            with self._lock:
                self.syns.append((stamp, sport, dst))

    def snapshot(self):
        with self._lock:
            return list(self.syns)

    def count(self):
        return len(self.snapshot())

    def attempts(self):
        """SYNs grouped by source port: one entry per connect() call, in
        order, as (first SYN time, source port, number of SYNs)."""
        grouped = {}
        order = []
        for stamp, sport, _ in self.snapshot():
            if sport not in grouped:
                grouped[sport] = [stamp, sport, 0]
                order.append(sport)
            grouped[sport][2] += 1
        return [tuple(grouped[p]) for p in order]

    def settled_attempts(self, quiet=0.3, timeout=5):
        """attempts() once no new SYN has been seen for `quiet` seconds:
        the capture thread may lag the traffic by a few scheduling turns
        (a busy machine), so a count read at once could be short."""
        deadline = time.monotonic() + timeout
        count, since = self.count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.02)
            now_count = self.count()
            if now_count != count:
                count, since = now_count, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return self.attempts()

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


# --------------------------------------------------------------------------
# an address that never answers SYNs

class SynBlackhole:
    """A listening socket on host:port that drops every SYN.

    listen(0) lets one connection complete into the accept queue; it is
    made here and never accepted, so the queue stays full and the kernel
    drops further SYNs (the client retransmits, then gives up): to a
    connecting proxy the server "never answers", exactly like a filtered
    port, on 127.0.0.0/8 only.
    """

    def __init__(self, host=harness.LOCAL, port=None):
        self.host = host
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port or harness.free_port((host,))))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(0)
        self.filler = socket.create_connection((host, self.port), timeout=2)
        harness.wait_until(lambda: listen_queue(self.port, host) >= 1, 10,
                           0.01, "the black hole's accept queue to fill")
        # Prove it: another connect gets no SYN-ACK.
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(0.3)
        try:
            probe.connect((host, self.port))
            raise AssertionError("SYN black hole answered a SYN")
        except (socket.timeout, TimeoutError):
            pass
        finally:
            probe.close()

    def close(self):
        self.filler.close()
        self.listener.close()


# --------------------------------------------------------------------------
# kernel queues

def _hex_address(host, port):
    return "%08X:%04X" % (int.from_bytes(socket.inet_aton(host), "little"),
                          port)


def listen_queue(port, host=harness.LOCAL):
    """Connections completed by the kernel and not yet accepted, summed over
    every LISTEN socket on host:port (borealis has one per worker, with
    SO_REUSEPORT).  For a listening socket /proc/net/tcp's rx_queue is the
    accept queue's length."""
    want = _hex_address(host, port)
    total = 0
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                total += int(fields[4].split(":")[1], 16)
    return total


def _process_tree(pid):
    """`pid` and its descendants (from /proc's parent ids)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def socket_inodes(pid, children=True):
    """Inodes of the sockets `pid` (and its descendants, with `children`)
    holds."""
    inodes = set()
    for process in (_process_tree(pid) if children else [pid]):
        try:
            for fd in os.listdir(f"/proc/{process}/fd"):
                try:
                    target = os.readlink(f"/proc/{process}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    return inodes


def established_to(port, host, pid=None):
    """Number of ESTABLISHED TCP connections whose remote end is
    host:port (connections some local process made to that server); only
    those of process `pid` and its children when given (other processes,
    another test's among them, are not counted)."""
    want = _hex_address(host, port)
    inodes = socket_inodes(pid) if pid is not None else None
    count = 0
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[2] == want and fields[3] == "01" and \
                    (inodes is None or fields[9] in inodes):
                count += 1
    return count


# --------------------------------------------------------------------------
# MySQL on a raw socket

def read_packet(sock, timeout):
    """One MySQL packet: (sequence id, payload).  None if nothing arrived
    within `timeout`; raises EOFError if the peer closed first."""
    sock.settimeout(timeout)
    header = b""
    try:
        while len(header) < 4:
            chunk = sock.recv(4 - len(header))
            if not chunk:
                raise EOFError("connection closed before a packet")
            header += chunk
    except (socket.timeout, TimeoutError):
        if header:
            raise AssertionError("partial MySQL packet header") from None
        return None
    length = int.from_bytes(header[:3], "little")
    sock.settimeout(max(timeout, 5))
    payload = b""
    while len(payload) < length:
        chunk = sock.recv(length - len(payload))
        if not chunk:
            raise EOFError("connection closed inside a packet")
        payload += chunk
    return header[3], payload


def read_greeting(sock, timeout):
    """The server's first packet (payload), None if none came in time.
    Raises EOFError when the connection is closed without one."""
    packet = read_packet(sock, timeout)
    return None if packet is None else packet[1]


def is_handshake(payload):
    return payload is not None and len(payload) > 1 and payload[0] == 10


def wait_closed(sock, timeout):
    """Seconds until the peer closes `sock` (EOF or reset) with nothing
    sent first; raises AssertionError if data arrives or it stays open."""
    started = time.monotonic()
    sock.settimeout(timeout)
    try:
        data = sock.recv(4096)
    except (socket.timeout, TimeoutError):
        raise AssertionError(f"connection still open after {timeout}s") \
            from None
    except ConnectionResetError:
        data = b""
    if data:
        raise AssertionError(f"expected a close, got {data[:40]!r}")
    return time.monotonic() - started


# --------------------------------------------------------------------------
# tcplog lines

TCPLOG = re.compile(
    r"(?P<ci>[0-9.]+):(?P<cp>\d+) \[(?P<date>[^\]]+)\] (?P<fe>\S+) "
    r"(?P<be>[^/\s]+)/(?P<srv>\S+) (?P<tw>-?\d+)/(?P<tc>-?\d+)/"
    r"(?P<tt>\+?-?\d+) (?P<bytes>\+?\d+) (?P<ts>\S\S) "
    r"(?P<ac>\d+)/(?P<fc>\d+)/(?P<bc>\d+)/(?P<sc>\d+)/(?P<rc>\+?\d+) "
    r"(?P<sq>\d+)/(?P<bq>\d+)")


def parse_tcplog(line):
    """The fields of one tcplog line as a dict (numbers as int; `redispatched`
    is True when the retries field has HAProxy's '+' prefix)."""
    match = TCPLOG.search(line)
    if not match:
        return None
    fields = match.groupdict()
    fields["redispatched"] = fields["rc"].startswith("+")
    for key in ("cp", "tw", "tc", "tt", "bytes", "ac", "fc", "bc", "sc",
                "rc", "sq", "bq"):
        fields[key] = int(fields[key].lstrip("+"))
    fields["line"] = match.group(0)
    return fields


def tcplog_for_port(proxy, client_port, timeout=10, start=0,
                    client_host=None):
    """Wait for the tcplog line of the client connection whose local
    address is `client_host`:`client_port`; return its fields.  The client
    address defaults to the one the kernel gives a client of LOCAL that
    binds none (harness.source_address())."""
    client_host = client_host or harness.source_address()
    pattern = rf"{re.escape(client_host)}:{client_port} \[[^\n]*"
    match = proxy.wait_for_log(pattern, timeout, start)
    fields = parse_tcplog(match.group(0))
    if fields is None:
        raise AssertionError(f"not a tcplog line: {match.group(0)!r}")
    return fields


# --------------------------------------------------------------------------
# when did a log line appear

class LogWatcher:
    """Tails a log file every 10 ms and stamps each new line with the
    time.monotonic() at which it was first seen (so at most ~10 ms late on
    an idle machine).  For programs whose own timestamps are too coarse
    (dnsmasq: seconds) or absent (borealis's raw stderr lines)."""

    def __init__(self, path, interval=0.01):
        self.path = path
        self.interval = interval
        self.lines = []  # (time first seen, line)
        self._offset = 0
        self._partial = b""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return
        if not data:
            return
        stamp = time.monotonic()
        self._offset += len(data)
        data = self._partial + data
        *complete, self._partial = data.split(b"\n")
        with self._lock:
            for raw in complete:
                self.lines.append((stamp, raw.decode("utf-8", "replace")))

    def _run(self):
        while not self._stop.is_set():
            self._poll()
            time.sleep(self.interval)

    def matching(self, pattern, since=0.0):
        regex = re.compile(pattern)
        with self._lock:
            return [(t, line) for t, line in self.lines
                    if t >= since and regex.search(line)]

    def wait_for(self, pattern, timeout, since=0.0, count=1):
        """The first `count` (time, line) matching `pattern` seen at or
        after `since`; AssertionError after `timeout` seconds."""
        found = harness.wait_until(
            lambda: (lambda m: m if len(m) >= count else None)(
                self.matching(pattern, since)),
            timeout, 0.01, f"{count} line(s) /{pattern}/ in {self.path}")
        return found[:count]

    def stop(self):
        self._stop.set()
        self._thread.join(2)


# --------------------------------------------------------------------------
# a nameserver address owned by the test

def _qname(packet):
    """(name, qtype, end offset) of the first question of a DNS packet."""
    labels = []
    pos = 12
    while pos < len(packet):
        size = packet[pos]
        pos += 1
        if size == 0:
            break
        labels.append(packet[pos:pos + size].decode("ascii", "replace"))
        pos += size
    qtype = int.from_bytes(packet[pos:pos + 2], "big") if pos + 2 <= \
        len(packet) else 0
    return ".".join(labels).lower(), qtype, pos + 4


QTYPES = {1: "A", 28: "AAAA"}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


class DnsRelay:
    """A UDP nameserver on host:port (LOCAL by default) that the test
    steers.

    Modes: "forward" (to `upstream`, normally dnsmasq, and the answer back
    unchanged), "drop" (never answer: a dead nameserver), or an rcode name
    ("SERVFAIL", "REFUSED", ...) answered directly with the question copied.
    Every query is recorded as a dict {t, name, qtype, id, mode} and every
    answer sent as {t, name, qtype, id, rcode, answers}; `t` is
    time.monotonic() when the relay saw it.
    """

    def __init__(self, upstream=None, host=harness.LOCAL):
        self.upstream = upstream
        self.host = host
        self.port = harness.free_port((host,), udp=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, self.port))
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.bind((host, 0))
        self.mode = "forward"
        self.queries = []
        self.answers = []
        self._pending = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def set_mode(self, mode):
        """Switch mode; returns the time of the switch.  Mode "closed"
        unbinds the port: queries then get ICMP port unreachable, as from
        an address where no nameserver runs."""
        with self._lock:
            previous, self.mode = self.mode, mode
            if mode == "closed" and previous != "closed":
                self.sock.close()
            elif previous == "closed" and mode != "closed":
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.sock.bind((self.host, self.port))
        return time.monotonic()

    def _answer_with(self, packet, rcode):
        _, _, end = _qname(packet)
        flags = 0x8000 | (packet[2] & 0x01) << 8 | 0x0080 | rcode
        # QR, copy RD, RA, rcode; one question, no records.
        return (packet[:2] + flags.to_bytes(2, "big") + b"\x00\x01"
                + b"\x00" * 6 + packet[12:end])

    def _record_answer(self, packet):
        name, qtype, _ = _qname(packet)
        entry = {"t": time.monotonic(), "name": name,
                 "qtype": QTYPES.get(qtype, qtype),
                 "id": int.from_bytes(packet[:2], "big"),
                 "rcode": RCODES.get(packet[3] & 0x0F, packet[3] & 0x0F),
                 "answers": int.from_bytes(packet[6:8], "big")}
        with self._lock:
            self.answers.append(entry)

    def _run(self):
        while not self._stop.is_set():
            with self._lock:
                watched = [self.up] if self.mode == "closed" else \
                    [self.sock, self.up]
            try:
                readable, _, _ = select.select(watched, [], [], 0.05)
            except (OSError, ValueError):
                continue  # the port was closed meanwhile
            for sock in readable:
                try:
                    packet, addr = sock.recvfrom(4096)
                except OSError:
                    continue
                if len(packet) < 12:
                    continue
                if sock is self.up:
                    client = self._pending.pop(packet[:2], None)
                    if client is not None and self.mode != "closed":
                        self._record_answer(packet)
                        try:
                            self.sock.sendto(packet, client)
                        except OSError:
                            pass
                    continue
                name, qtype, _ = _qname(packet)
                with self._lock:
                    mode = self.mode
                    self.queries.append({
                        "t": time.monotonic(), "name": name,
                        "qtype": QTYPES.get(qtype, qtype),
                        "id": int.from_bytes(packet[:2], "big"),
                        "mode": mode})
                if mode == "forward":
                    self._pending[packet[:2]] = addr
                    self.up.sendto(packet, self.upstream)
                elif mode != "drop":
                    rcode = {v: k for k, v in RCODES.items()}[mode]
                    answer = self._answer_with(packet, rcode)
                    self._record_answer(answer)
                    self.sock.sendto(answer, addr)

    def queries_for(self, name, qtype=None, since=0.0):
        with self._lock:
            return [q for q in self.queries
                    if q["name"] == name.lower() and q["t"] >= since
                    and (qtype is None or q["qtype"] == qtype)]

    def answers_for(self, name, qtype=None, since=0.0, rcode=None):
        with self._lock:
            return [a for a in self.answers
                    if a["name"] == name.lower() and a["t"] >= since
                    and (qtype is None or a["qtype"] == qtype)
                    and (rcode is None or a["rcode"] == rcode)]

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        if self.mode != "closed":
            self.sock.close()
        self.up.close()


# --------------------------------------------------------------------------
# A MySQL login by hand, to see each packet a client library hides

def greeting_scramble(payload):
    """The 20-byte scramble of a protocol-10 greeting."""
    version_end = payload.index(b"\x00", 1)
    at = version_end + 1 + 4          # connection id
    part1 = payload[at:at + 8]
    at += 8 + 1 + 2 + 1 + 2 + 2        # filler, caps low, charset, status, caps high
    auth_length = payload[at]
    at += 1 + 10                       # reserved
    part2_length = max(13, auth_length - 8)
    part2 = payload[at:at + part2_length].rstrip(b"\x00")
    return part1 + part2


def greeting_capabilities(payload):
    """(capabilities, MariaDB extended capabilities) of a protocol-10
    greeting; the extensions are 0 unless bit 0 is clear."""
    version_end = payload.index(b"\x00", 1)
    at = version_end + 1 + 4 + 8 + 1
    low = int.from_bytes(payload[at:at + 2], "little")
    high = int.from_bytes(payload[at + 5:at + 7], "little")
    caps = low | high << 16
    extended = int.from_bytes(payload[at + 14:at + 18], "little")
    return caps, (0 if caps & 1 else extended)


def native_answer(password, scramble):
    """mysql_native_password's answer to `scramble`."""
    import hashlib
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    mask = hashlib.sha1(scramble + stage2).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


def raw_login(sock, user, password, timeout=30, extra_caps=0):
    """Reads the greeting on `sock`, answers it as a 4.1 client with
    mysql_native_password (asking also for `extra_caps`), and returns the
    payload of the packet that follows (OK 0x00, ERR 0xff, or an auth
    switch 0xfe)."""
    greeting = read_greeting(sock, timeout)
    assert is_handshake(greeting), greeting
    answer = native_answer(password, greeting_scramble(greeting))
    caps = (0x00000200 | 0x00008000 | 0x00080000 | 0x00000001 | 0x00000004 |
            extra_caps)
    body = struct.pack("<IIB23x", caps, 1 << 24, 45) + user.encode() + b"\x00" + \
        bytes([len(answer)]) + answer + b"mysql_native_password\x00"
    sock.sendall(len(body).to_bytes(3, "little") + b"\x01" + body)
    packet = read_packet(sock, timeout)
    assert packet is not None, "no answer to the handshake response"
    return packet[1]
