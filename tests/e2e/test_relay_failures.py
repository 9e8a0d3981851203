"""The `mode tcp` relay when a side fails, half-closes, or moves a lot.

The backend is a plain Python TCP server on this process's harness.host(2)
(one thread per accepted connection, each running the test's own script),
so that the test decides to the byte what the server sends, when it closes
(FIN: close() after reading everything; RST: SO_LINGER 0 then close()), and
sees what the relay did to its side (EOF, reset, the bytes that arrived).
Clients are raw sockets bound to harness.LOCAL, so that each tcplog line is
found by the client's own address and port.

What is checked against the tcplog line: the termination state `%ts` and
`%B`, which in HAProxy's tcplog is the bytes sent from the server to the
client (the client-to-server count is not logged; the server's own count
stands for it).  The expected states are HAProxy 2.6's (the suite runs with
BOREALIS_BIN=/usr/sbin/haproxy as the reference):

  server FIN, then the client closes   `--` (a normal end, both sides shut)
  server RST                           `SD`
  client RST while the server thinks   `CD`
  client FIN while the server thinks   `--`, the FIN is passed on

Data is a deterministic pseudo-random stream (one random 1 MiB block whose
first 8 bytes are replaced by the block's index), hashed with SHA-256 on
both ends as it goes.  The big transfer is 1 GiB down and 256 MiB up at
the same time: the AddressSanitizer build of borealis relays it in about
5 s on a 2-core machine (HAProxy: about 2 s), so it runs every time.  A
slow reader of a 64 MiB result gets it intact while the server is held
back (the relay does not read ahead without bound), and a half-close is
passed on in both directions with the other direction still flowing.
"""

import hashlib
import os
import random
import socket
import threading
import time
import unittest

import harness

MIB = 1 << 20
BLOCK = random.Random(0x6B0EA115).randbytes(MIB)

BIG_DOWN = 1024 * MIB
BIG_UP = 256 * MIB


# --------------------------------------------------------------------------
# the deterministic stream

def stream_bytes(total, seed=0):
    """The first `total` bytes of stream `seed` (for small transfers)."""
    out = bytearray()
    index = seed << 32
    while len(out) < total:
        block = bytearray(BLOCK)
        block[:8] = index.to_bytes(8, "little")
        index += 1
        out += block[:total - len(out)]
    return bytes(out)


def send_stream(sock, total, seed=0, chunk=MIB, progress=None):
    """Send the first `total` bytes of stream `seed` through `sock` in
    pieces of `chunk` bytes; return the SHA-256 hex digest of what was
    sent.  `progress(sent)` is called after each piece."""
    digest = hashlib.sha256()
    block = bytearray(BLOCK)
    view = memoryview(block)
    index = seed << 32
    sent = 0
    while sent < total:
        block[:8] = index.to_bytes(8, "little")
        index += 1
        size = min(MIB, total - sent)
        digest.update(view[:size])
        for start in range(0, size, chunk):
            sock.sendall(view[start:min(start + chunk, size)])
            if progress:
                progress(sent + min(start + chunk, size))
        sent += size
    return digest.hexdigest()


class Received:
    """What a reader got: byte count, SHA-256, and how the stream ended
    ('eof' or 'reset')."""

    def __init__(self):
        self.count = 0
        self.digest = hashlib.sha256()
        self.end = None

    def hexdigest(self):
        return self.digest.hexdigest()


def receive_stream(sock, timeout=60, chunk=MIB, limit=None, pause=None,
                   got=None):
    """Read `sock` until EOF (or reset), hashing; `limit` stops once that
    many bytes are counted instead.  `pause(count)` is called after each
    read (a slow reader sleeps there).  `got` continues an earlier
    Received.  Raises AssertionError when nothing arrives for `timeout`
    seconds."""
    got = got or Received()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    sock.settimeout(timeout)
    while limit is None or got.count < limit:
        want = chunk if limit is None else min(chunk, limit - got.count)
        try:
            n = sock.recv_into(view[:want])
        except (socket.timeout, TimeoutError):
            raise AssertionError(
                f"nothing received for {timeout}s after {got.count} bytes"
            ) from None
        except ConnectionResetError:
            got.end = "reset"
            return got
        if n == 0:
            got.end = "eof"
            return got
        got.digest.update(view[:n])
        got.count += n
        if pause:
            pause(got.count)
    return got


def recv_exact(sock, size, timeout=10):
    """Exactly `size` bytes; EOFError if the peer closes first."""
    sock.settimeout(timeout)
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(min(MIB, size - len(data)))
        if not chunk:
            raise EOFError(f"closed after {len(data)} of {size} bytes")
        data += chunk
    return bytes(data)


def wait_end(sock, timeout):
    """('eof' | 'reset', seconds) when the peer closes `sock`; raises
    AssertionError if data arrives or it stays open past `timeout`."""
    started = time.monotonic()
    sock.settimeout(timeout)
    try:
        data = sock.recv(65536)
    except (socket.timeout, TimeoutError):
        raise AssertionError(f"still open after {timeout}s") from None
    except ConnectionResetError:
        return "reset", time.monotonic() - started
    if data:
        raise AssertionError(f"expected the end, got {len(data)} bytes: "
                             f"{data[:40]!r}")
    return "eof", time.monotonic() - started


def reset(sock):
    """Close `sock` with an RST (SO_LINGER on, 0 s)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    (1).to_bytes(4, "little") + (0).to_bytes(4, "little"))
    sock.close()


# --------------------------------------------------------------------------
# the backend

class Peer:
    """One connection accepted by Backend, as its script sees it: named
    events the script marks and the test waits on, notes for the test."""

    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.notes = {}
        self.error = None
        self.done = threading.Event()
        self._events = {}
        self._lock = threading.Lock()

    def _event(self, name):
        with self._lock:
            return self._events.setdefault(name, threading.Event())

    def mark(self, name):
        self._event(name).set()

    def wait(self, name, timeout):
        if not self._event(name).wait(timeout):
            raise AssertionError(
                f"server connection {self.index}: no '{name}' within "
                f"{timeout}s (error: {self.error!r}, notes: {self.notes})")

    def finished(self, timeout):
        """Wait for the script to end; re-raise what it raised."""
        if not self.done.wait(timeout):
            raise AssertionError(f"server connection {self.index}: script "
                                 f"still running after {timeout}s "
                                 f"(notes: {self.notes})")
        if self.error is not None:
            raise AssertionError(f"server connection {self.index}: "
                                 f"{self.error!r}") from self.error
        return self


class Backend:
    """A TCP server on harness.host(2).  Connection i (0, 1, ...) runs
    scripts[min(i, len(scripts) - 1)](peer) in its own thread; the socket
    is closed when the script returns, unless the script closed it."""

    def __init__(self, scripts):
        self.host = harness.host(2)
        self.scripts = list(scripts)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((self.host, harness.free_port((self.host,))))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.peers = []
        self._stopping = threading.Event()
        self._threads = []
        self._acceptor = threading.Thread(target=self._accept_loop,
                                          daemon=True)
        self._acceptor.start()

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            peer = Peer(sock, len(self.peers))
            self.peers.append(peer)
            script = self.scripts[min(peer.index, len(self.scripts) - 1)]
            thread = threading.Thread(target=self._run, args=(script, peer),
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    @staticmethod
    def _run(script, peer):
        try:
            script(peer)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            peer.error = exc
        finally:
            try:
                peer.sock.close()
            except OSError:
                pass
            peer.done.set()

    def peer(self, index, timeout=10):
        """The index-th accepted connection (waits for it)."""
        return harness.wait_until(
            lambda: self.peers[index] if len(self.peers) > index else None,
            timeout, 0.01, f"server connection {index}")

    def close(self):
        self._stopping.set()
        self._acceptor.join(5)
        self.listener.close()
        for peer in self.peers:
            try:
                peer.sock.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(5)


# --------------------------------------------------------------------------
# the test case

class RelayFailuresTest(harness.E2ETestCase):

    def start(self, scripts, server_options="", timeout_client="30s",
              timeout_server="30s"):
        self.backend = Backend(scripts)
        self.addCleanup(self.backend.close)
        self.listen = harness.free_port((harness.LOCAL,))
        config = harness.base_config(timeout_client=timeout_client,
                                     timeout_server=timeout_server) + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    server srv {self.backend.host}:{self.backend.port} {server_options}
"""
        self.proxy = self.start_proxy(config)
        # Not port_accepts(): a probe would be a session, and a connection
        # to the backend the scripts would count.
        harness.wait_until(
            lambda: self.proxy.running() and harness.tcp_listening(
                harness.LOCAL, self.listen), 20, 0.05, "proxy listening")

    def client(self, timeout=10):
        """A connected socket from harness.LOCAL; (socket, its port)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.bind((harness.LOCAL, 0))
        sock.settimeout(timeout)
        sock.connect((harness.LOCAL, self.listen))
        return sock, sock.getsockname()[1]

    def tcplog(self, client_port, timeout=15):
        """The tcplog line of the client whose port is `client_port`."""
        def find():
            for line in harness.tcplog_lines(self.proxy.log(), "fe"):
                if (line["client"], line["port"]) == (harness.LOCAL,
                                                      client_port):
                    return line
            return None
        try:
            return harness.wait_until(find, timeout, 0.05,
                                      f"tcplog line of port {client_port}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- proxy log ---\n"
                                 f"{self.proxy.log()[-3000:]}") from None

    def proxy_client_socket(self, client_port):
        """(TCP state as /proc/net/tcp's hex, inode) of the proxy's end of
        the connection from client_port; inode 0 is a socket no process
        holds any more (closed, the kernel finishing it)."""
        local = "%08X:%04X" % (int.from_bytes(
            socket.inet_aton(harness.LOCAL), "little"), self.listen)
        remote = "%08X:%04X" % (int.from_bytes(
            socket.inet_aton(harness.LOCAL), "little"), client_port)
        with open("/proc/net/tcp", encoding="ascii") as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[1] == local and fields[2] == remote:
                    return fields[3], int(fields[9])
        raise AssertionError(f"no proxy socket for client port {client_port}")

    def no_tcplog_yet(self, client_port):
        return not any((line["client"], line["port"]) ==
                       (harness.LOCAL, client_port)
                       for line in harness.tcplog_lines(self.proxy.log(),
                                                        "fe"))

    def assert_log(self, line, state, bytes_to_client):
        self.assertEqual((line["server"], line["state"], line["bytes"],
                          line["retries"]),
                         ("srv", state, bytes_to_client, 0), line)

    # A round trip used by several scripts: the client sends REQUEST bytes,
    # the server reads them all and answers with REPLY bytes of stream 1.
    REQUEST = 3000
    REPLY = 200_000

    def serve_first_round(self, peer):
        request = recv_exact(peer.sock, self.REQUEST)
        if request != stream_bytes(self.REQUEST, seed=2):
            raise AssertionError("first request corrupted on its way up")
        peer.sock.sendall(stream_bytes(self.REPLY, seed=1))

    def client_first_round(self, sock):
        sock.sendall(stream_bytes(self.REQUEST, seed=2))
        reply = recv_exact(sock, self.REPLY)
        self.assertEqual(reply, stream_bytes(self.REPLY, seed=1),
                         "first reply corrupted")

    def exchange_ok(self, sock):
        """A full session on `sock` with the `ok_script` server: the client
        half-closes after its request and reads the answer to the end."""
        self.client_first_round(sock)
        sock.shutdown(socket.SHUT_WR)
        got = receive_stream(sock, timeout=10)
        self.assertEqual(got.end, "eof")
        self.assertEqual(got.count, 0)

    def ok_script(self, peer):
        self.serve_first_round(peer)
        peer.notes["after"] = wait_end(peer.sock, 10)

    # -- 1. the server closes (FIN) mid-session ---------------------------

    def test_server_fin_mid_session(self):
        """After a first round trip the client sends a second request; the
        server reads it, writes 300001 more bytes and close()s at once.
        The client gets every byte (contents checked), then EOF; the
        session stays up until the client closes too (the proxy passes
        the half-close on: it must not drop the client side first), then
        the tcplog line is `--` with `%B` = 500001, the bytes the server
        sent.  Defect: the tail written just before the FIN lost (a relay
        that closes the client when the server's read returns EOF with
        bytes still unwritten), the FIN not passed on (client hangs), a
        wrong state or count."""
        second_request, tail = 5000, 300_001

        def script(peer):
            self.serve_first_round(peer)
            peer.notes["second"] = recv_exact(peer.sock, second_request)
            peer.sock.sendall(stream_bytes(tail, seed=3))
            peer.sock.close()

        self.start([script])
        sock, port = self.client()
        self.client_first_round(sock)
        sock.sendall(stream_bytes(second_request, seed=4))
        got = recv_exact(sock, tail)
        self.assertEqual(got, stream_bytes(tail, seed=3), "tail corrupted")
        self.assertEqual(wait_end(sock, 10)[0], "eof",
                         "server's FIN must reach the client as EOF")
        peer = self.backend.peer(0).finished(10)
        self.assertEqual(peer.notes["second"],
                         stream_bytes(second_request, seed=4))
        # Half-closed, not ended: the proxy has shut its sending side
        # towards the client (FIN_WAIT1/2) but still holds the socket (a
        # closed one would be an orphan, inode 0), and logs nothing until
        # the client closes its side.
        state, inode = self.proxy_client_socket(port)
        self.assertIn(state, ("04", "05"), "proxy's client socket not in "
                      "FIN_WAIT after passing the server's FIN on")
        self.assertNotEqual(inode, 0, "proxy closed the client socket "
                            "instead of half-closing it")
        self.assertTrue(self.no_tcplog_yet(port),
                        "session logged before the client closed")
        sock.close()
        line = self.tcplog(port)
        self.assert_log(line, "--", self.REPLY + tail)

    # -- 2. the server resets mid-session --------------------------------

    def test_server_reset_mid_session(self):
        """After a first round trip the client sends a second request; the
        server reads it and resets the connection (SO_LINGER 0, close).
        The client's connection is closed or reset promptly with nothing
        more on it; the line is `SD` with `%B` = the first reply; a new
        client is served normally afterwards (`--`).  Defect: a reset
        taken for a clean close (`--`), the client left hanging until
        `timeout client`, borealis dying or stopping to serve."""

        def script(peer):
            self.serve_first_round(peer)
            peer.notes["second"] = recv_exact(peer.sock, 10)
            reset(peer.sock)

        self.start([script, self.ok_script])
        sock, port = self.client()
        self.client_first_round(sock)
        sock.sendall(b"0123456789")
        how, took = wait_end(sock, 5)
        self.assertIn(how, ("eof", "reset"))
        self.assertLess(took, 2.0, "client not closed promptly after RST")
        peer = self.backend.peer(0).finished(10)
        self.assertEqual(peer.notes["second"], b"0123456789")
        self.assert_log(self.tcplog(port), "SD", self.REPLY)

        sock2, port2 = self.client()
        self.exchange_ok(sock2)
        sock2.close()
        self.backend.peer(1).finished(10)
        self.assert_log(self.tcplog(port2), "--", self.REPLY)

    # -- 3. the client drops mid-query ----------------------------------

    def client_drop_script(self, peer):
        """Answer a first round, read a second request, then 'think':
        wait (up to 10 s) for the relay to end our side, and note how."""
        self.serve_first_round(peer)
        peer.notes["second"] = recv_exact(peer.sock, 10)
        peer.mark("thinking")
        peer.notes["end"] = wait_end(peer.sock, 10)

    def client_drops(self, drop, state):
        """`maxconn 1` on the server: the client sends a second request and
        drops (`drop(sock)`) while the server thinks; the server's side
        must end within 2 s, the line is `state` with `%B` = the first
        reply, and a second client gets the server's only slot."""
        self.start([self.client_drop_script, self.ok_script],
                   server_options="maxconn 1")
        sock, port = self.client()
        self.client_first_round(sock)
        sock.sendall(b"SELECT 42;")
        peer = self.backend.peer(0)
        peer.wait("thinking", 10)
        dropped = time.monotonic()
        drop(sock)
        peer.finished(10)
        self.assertEqual(peer.notes["second"], b"SELECT 42;")
        how, _ = peer.notes["end"]
        self.assertIn(how, ("eof", "reset"))
        # wait_end() started before the drop; measure from the drop.
        self.assertLess(time.monotonic() - dropped, 2.5,
                        "server side not ended promptly")
        self.assert_log(self.tcplog(port), state, self.REPLY)
        # The slot is free again: the next client is served at once (not
        # queued until `timeout queue` and then refused with sQ).
        sock2, port2 = self.client()
        started = time.monotonic()
        self.exchange_ok(sock2)
        self.assertLess(time.monotonic() - started, 2.0)
        sock2.close()
        self.backend.peer(1).finished(10)
        line2 = self.tcplog(port2)
        self.assert_log(line2, "--", self.REPLY)
        self.assertEqual(line2["queues"], "0/0", line2)

    def test_client_reset_mid_query(self):
        """Client RST while the server thinks: borealis closes the server
        connection (the server sees EOF or a reset), logs `CD`, and
        frees the `maxconn 1` slot.  Defect: the server connection left
        open (a leaked server slot and socket), a reset logged as a normal
        end, the slot not given back."""
        self.client_drops(reset, "CD")

    def test_client_fin_mid_query(self):
        """Client close() (FIN) while the server thinks: the FIN is passed
        on (the server sees EOF), the server then closes, the line is `--`
        and the `maxconn 1` slot is free again.  Defect: the client's FIN
        kept from the server (the server waits forever on a dead client,
        holding the slot)."""

        def drop(sock):
            sock.close()
        self.client_drops(drop, "--")

    # -- 4. volume ------------------------------------------------------

    def test_big_transfer_both_ways(self):
        """1 GiB server -> client and, at the same time, 256 MiB client ->
        server: SHA-256 and byte counts equal on both ends,
        `%B` = BIG_DOWN exactly, state `--`.  The client half-closes after
        its upload; the server closes after both directions are done.
        Defect: a byte lost, duplicated or reordered under load (e.g. a
        partial write not resumed, a buffer reused before its write
        completed), a counter that wraps at 32 bits or counts reads
        instead of writes."""

        def script(peer):
            up = {}

            def read_upload():
                try:
                    up["got"] = receive_stream(peer.sock, timeout=60)
                except Exception as exc:  # noqa: BLE001 - checked below
                    up["error"] = exc

            reader = threading.Thread(target=read_upload, daemon=True)
            reader.start()
            peer.notes["down_sha"] = send_stream(peer.sock, BIG_DOWN,
                                                 seed=5)
            reader.join(300)
            if "error" in up:
                raise up["error"]
            peer.notes["up"] = up.get("got")

        self.start([script])
        sock, port = self.client(timeout=60)
        upload = {}

        def send_upload():
            try:
                upload["sha"] = send_stream(sock, BIG_UP, seed=6)
                sock.shutdown(socket.SHUT_WR)
            except Exception as exc:  # noqa: BLE001 - checked below
                upload["error"] = exc

        sender = threading.Thread(target=send_upload, daemon=True)
        started = time.monotonic()
        sender.start()
        got = receive_stream(sock, timeout=60)
        sender.join(300)
        took = time.monotonic() - started
        self.assertNotIn("error", upload, upload.get("error"))
        peer = self.backend.peer(0).finished(60)
        self.assertEqual(got.end, "eof")
        self.assertEqual(got.count, BIG_DOWN)
        self.assertEqual(got.hexdigest(), peer.notes["down_sha"],
                         "download corrupted")
        up = peer.notes["up"]
        self.assertEqual((up.end, up.count), ("eof", BIG_UP))
        self.assertEqual(up.hexdigest(), upload["sha"], "upload corrupted")
        sock.close()
        self.assert_log(self.tcplog(port), "--", BIG_DOWN)
        if os.environ.get("BOREALIS_E2E_SHOW_LOGS"):
            print(f"\n  {BIG_DOWN // MIB} MiB down + {BIG_UP // MIB} MiB "
                  f"up in {took:.1f}s", end=" ")

    def test_slow_reader_of_a_large_result(self):
        """The server writes 64 MiB as fast as it can; the client reads
        1 MiB, stops until the server is blocked (backpressure reached the
        server: the relay does not read ahead without bound), then reads
        in 4 KiB pieces pausing 40 ms every 8 MiB (~0.3 s of pauses).  All
        64 MiB arrive intact (SHA-256), `%B` = 64 MiB.  Defect: data lost
        or reordered when a write to the client blocks, unbounded
        buffering in the proxy."""
        size = 64 * MIB
        progress = {"sent": 0}

        def script(peer):
            def note(sent):
                progress["sent"] = sent
            peer.notes["sha"] = send_stream(peer.sock, size, seed=7,
                                            chunk=64 * 1024, progress=note)
            peer.mark("sent")

        self.start([script])
        sock, port = self.client(timeout=30)
        got = receive_stream(sock, limit=MIB, timeout=10)
        self.assertEqual(got.count, MIB)

        # Not reading now: the server must stall well short of the end.
        last = {"sent": -1, "since": time.monotonic()}

        def stalled():
            now = time.monotonic()
            if progress["sent"] != last["sent"]:
                last.update(sent=progress["sent"], since=now)
                return False
            return now - last["since"] >= 0.5
        harness.wait_until(stalled, 30, 0.05, "the server to block")
        held = progress["sent"] - MIB
        self.assertLess(progress["sent"], size,
                        "the server wrote everything to a client that "
                        "does not read")
        if os.environ.get("BOREALIS_E2E_SHOW_LOGS"):
            print(f"\n  held in flight while the client paused: "
                  f"{held / MIB:.1f} MiB", end=" ")

        next_pause = {"at": 8 * MIB}

        def pause(count):
            if count >= next_pause["at"]:
                next_pause["at"] += 8 * MIB
                time.sleep(0.04)  # the slow reader's pause, not a wait
        got = receive_stream(sock, timeout=30, chunk=4096, pause=pause,
                             got=got)
        self.assertEqual((got.end, got.count), ("eof", size))
        peer = self.backend.peer(0).finished(30)
        self.assertEqual(got.hexdigest(), peer.notes["sha"],
                         "slow-read data corrupted")
        sock.close()
        self.assert_log(self.tcplog(port), "--", size)

    # -- 5. half-close --------------------------------------------------

    def test_client_half_close_gets_whole_response(self):
        """The client sends 100 KB and shutdown(SHUT_WR); the server reads
        to EOF (the half-close was passed on), then answers 2 MiB and
        closes: the client gets all 2 MiB intact and EOF; `--`, `%B` =
        2 MiB.  Defect: a client EOF that ends the whole session (the
        response lost), a FIN not passed to the server (it never answers)."""
        request, response = 100_000, 2 * MIB

        def script(peer):
            got = receive_stream(peer.sock, timeout=10)
            peer.notes["got"] = got
            peer.notes["sha"] = send_stream(peer.sock, response, seed=8)

        self.start([script])
        sock, port = self.client()
        sent_sha = send_stream(sock, request, seed=9)
        sock.shutdown(socket.SHUT_WR)
        got = receive_stream(sock, timeout=10)
        peer = self.backend.peer(0).finished(10)
        up = peer.notes["got"]
        self.assertEqual((up.end, up.count, up.hexdigest()),
                         ("eof", request, sent_sha))
        self.assertEqual((got.end, got.count, got.hexdigest()),
                         ("eof", response, peer.notes["sha"]))
        sock.close()
        self.assert_log(self.tcplog(port), "--", response)

    def test_server_half_close_client_keeps_sending(self):
        """The server sends 1 MiB and shutdown(SHUT_WR), then keeps
        reading; the client gets the 1 MiB and EOF, then sends 3 MiB and
        closes: the server gets all 3 MiB intact, then EOF; `--`, `%B` =
        1 MiB.  Defect: a server EOF that ends the session (the client's
        later bytes lost or reset), `timeout server-fin` misapplied."""
        down, up_size = MIB, 3 * MIB

        def script(peer):
            peer.notes["sha"] = send_stream(peer.sock, down, seed=10)
            peer.sock.shutdown(socket.SHUT_WR)
            peer.notes["got"] = receive_stream(peer.sock, timeout=10)

        self.start([script])
        sock, port = self.client()
        got = receive_stream(sock, timeout=10)
        sent_sha = send_stream(sock, up_size, seed=11)
        sock.close()
        peer = self.backend.peer(0).finished(10)
        self.assertEqual((got.end, got.count, got.hexdigest()),
                         ("eof", down, peer.notes["sha"]))
        up = peer.notes["got"]
        self.assertEqual((up.end, up.count, up.hexdigest()),
                         ("eof", up_size, sent_sha))
        self.assert_log(self.tcplog(port), "--", down)



class LargeMysqlPacketsTest(harness.E2ETestCase):
    """MySQL packets of 16 MiB and more (split by the protocol into
    0xffffff-byte pieces) through the relay, both ways, to a real
    mariadbd: what goes in comes back byte for byte, and `%B` counts it."""

    def test_blob_over_16_mib_both_ways(self):
        db = self.start_mariadb(host=harness.host(2), name="A",
                                extra_args=["--max-allowed-packet=64M"])
        db.execute("CREATE DATABASE big",
                   "CREATE TABLE big.t (id INT PRIMARY KEY, b LONGBLOB)",
                   f"GRANT ALL ON big.* TO '{harness.APP_USER}'@'%'")
        listen = harness.free_port((harness.LOCAL,))
        proxy = self.start_proxy(harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {db.host}:{db.port}
""")
        harness.wait_until(lambda: proxy.running() and harness.tcp_listening(
            harness.LOCAL, listen), 20, 0.05, "proxy listening")
        size = 20 * 1024 * 1024 + 7  # more than one 16 MiB packet
        blob = random.Random(16).randbytes(size)
        conn = harness.connect(harness.LOCAL, listen, timeout=60,
                               database="big", max_allowed_packet=64 << 20,
                               bind_address=harness.LOCAL)
        port = conn._sock.getsockname()[1]
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO t VALUES (1, %s)", (blob,))
                cur.execute("SELECT b, LENGTH(b), SHA2(b, 256) FROM t WHERE id = 1")
                back, length, digest = cur.fetchone()
        finally:
            conn.close()
        self.assertEqual(length, size)
        self.assertEqual(digest, hashlib.sha256(blob).hexdigest())
        self.assertEqual(hashlib.sha256(back).digest(),
                         hashlib.sha256(blob).digest())
        line = harness.wait_until(
            lambda: [l for l in harness.tcplog_lines(proxy.log(), "fe")
                     if l["port"] == port], 15, 0.05, "the tcplog line")[0]
        self.assertEqual(line["state"], "--", line)
        self.assertGreater(line["bytes"], size, line)


if __name__ == "__main__":
    unittest.main()
