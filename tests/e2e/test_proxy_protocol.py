"""The PROXY protocol, as the post's topology uses it: a load balancer (the
real HAProxy 2.6 from Debian, `send-proxy` / `send-proxy-v2` with its own
source address) in front of the proxy under test (`bind ... accept-proxy`),
which passes the client on to MariaDB with `send-proxy-v2` (MariaDB's
`proxy-protocol-networks`).  `tcp-request connection` rules judge the
balancer's address, `tcp-request session` rules the client's.

Hostile and broken headers: a header on a bind without `accept-proxy` is
only data; a truncated, slow, garbage or forged `UNKNOWN` header is closed
(with a log line, in borealis) and never reaches a backend.  A header split
over many packets, or followed at once by the client's first bytes, loses
nothing.
"""

import re
import socket
import struct
import threading
import time
import unittest

import harness

HAPROXY = "/usr/sbin/haproxy"


class EchoServer:
    """A TCP server that echoes what it receives, keeping every byte each
    connection sent and counting connections."""

    def __init__(self, host):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.received = []
        self._lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,),
                             daemon=True).start()

    def _serve(self, conn):
        with self._lock:
            index = len(self.received)
            self.received.append(b"")
        try:
            conn.settimeout(10)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                with self._lock:
                    self.received[index] += data
                conn.sendall(data)
        except OSError:
            pass
        finally:
            conn.close()

    def count(self):
        with self._lock:
            return len(self.received)

    def close(self):
        self.sock.close()


def v1(source, destination):
    return (f"PROXY TCP4 {source[0]} {destination[0]} {source[1]} "
            f"{destination[1]}\r\n").encode()


def v2(source, destination):
    body = (socket.inet_aton(source[0]) + socket.inet_aton(destination[0]) +
            struct.pack("!HH", source[1], destination[1]))
    return (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11" + struct.pack("!H", len(body))
            + body)


def client_socket(source):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(10)
    return sock


def read_all(sock):
    """Bytes until the end; "reset" if the connection was reset."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return "reset"


class LoadBalancer:
    """HAProxy 2.6 as the post's classic load balancer: one TCP listener,
    one server (the edge) reached from `source` with a PROXY header."""

    def __init__(self, tmp, edge_port, source, version):
        self.port = harness.free_port()
        send = "send-proxy-v2" if version == 2 else "send-proxy"
        config = f"""\
global
    log stderr format raw local0 info
defaults
    mode tcp
    timeout connect 3s
    timeout client 30s
    timeout server 30s
listen lb
    bind {harness.LOCAL}:{self.port}
    server edge {harness.LOCAL}:{edge_port} {send} source {source}
"""
        path = tmp.write("lb.cfg", config)
        self.process = harness.Process([HAPROXY, "-db", "-f", path],
                                       tmp.join("lb.log"))
        self.process.start()
        harness.wait_until(lambda: self.process.running() and
                           harness.tcp_listening(harness.LOCAL, self.port),
                           20, 0.05, "load balancer listening")

    def stop(self):
        self.process.stop()


class BehindLoadBalancerTest(harness.E2ETestCase):
    """Client -> HAProxy LB (from LB_SOURCE) -> edge (accept-proxy) ->
    MariaDB (send-proxy-v2)."""

    def setUp(self):
        super().setUp()
        self.lb_source = harness.host(5)
        self.client_ok = harness.host(3)
        self.client_refused = harness.host(4)
        self.db = self.start_mariadb(
            host=harness.host(2), name="A",
            extra_args=["--proxy-protocol-networks=127.0.0.0/8"])
        self.edge_port = harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{self.edge_port} accept-proxy
    tcp-request connection reject unless {{ src {self.lb_source} }}
    tcp-request session reject unless {{ src {self.client_ok} }}
    default_backend be

backend be
    server db {self.db.host}:{self.db.port} send-proxy-v2 check inter 500
"""
        self.edge = self.start_proxy(config)
        harness.wait_until(lambda: self.edge.running() and harness.tcp_listening(
            harness.LOCAL, self.edge_port), 20, 0.05, "edge listening")

    def through_lb(self, version):
        lb = LoadBalancer(self.tmp, self.edge_port, self.lb_source, version)
        self.addCleanup(lb.stop)
        return lb

    def seen_by_mariadb(self, port, source):
        """The client address MariaDB reports for a session opened from
        `source` through `port`."""
        conn = harness.connect(harness.LOCAL, port, bind_address=source)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT host FROM information_schema.processlist "
                            "WHERE id = CONNECTION_ID()")
                return cur.fetchone()[0], conn.get_host_info()
        finally:
            harness.close_quietly(conn)

    def check_topology(self, version):
        lb = self.through_lb(version)
        host, _ = self.seen_by_mariadb(lb.port, self.client_ok)
        # MariaDB sees the client itself: the LB's header, read by the
        # edge, was passed on by the edge's own send-proxy-v2.
        self.assertTrue(host.startswith(self.client_ok + ":"), host)
        lines = harness.wait_until(
            lambda: [l for l in harness.tcplog_lines(self.edge.log(), "fe")
                     if l["client"] == self.client_ok], 10, 0.05,
            "the edge's log line naming the client")
        self.assertEqual(lines[0]["state"], "--", lines[0])
        # A client the session rules refuse, through the same balancer:
        # no MySQL greeting, no session at MariaDB.
        before = self.db.foreign_connections()
        sock = client_socket(self.client_refused)
        sock.connect((harness.LOCAL, lb.port))
        self.assertIn(read_all(sock), (b"", "reset"))
        sock.close()
        # The client's own address, straight to the edge: not the balancer,
        # so refused by the connection rules.
        sock = client_socket(self.client_ok)
        try:
            sock.connect((harness.LOCAL, self.edge_port))
            sock.sendall(v2((self.client_ok, 1000), (harness.LOCAL, 3306)))
            self.assertIn(read_all(sock), (b"", "reset"))
        except ConnectionResetError:
            pass  # reset while connecting: refused at once
        finally:
            sock.close()
        time.sleep(0.3)
        # Health checks (which send their own header) may add connections;
        # application sessions may not.
        rows = self.db.query(
            "SELECT host FROM information_schema.processlist WHERE user='app'")
        self.assertEqual(rows, ())
        self.assertGreaterEqual(self.db.foreign_connections(), before)

    def test_v2_from_the_balancer(self):
        self.check_topology(2)

    def test_v1_from_the_balancer(self):
        self.check_topology(1)

    def test_forged_unknown_is_judged_on_the_real_address(self):
        """`PROXY UNKNOWN` names nobody: the session rules must judge the
        connection's own address (the balancer's, not an allowed client),
        and from any other source the connection rules refuse it before the
        header is read.  (ProxySQL's CVE-2026-48772: a forged UNKNOWN let a
        client past the checks.)"""
        for source, header in ((self.lb_source, b"PROXY UNKNOWN\r\n"),
                               (self.client_refused, b"PROXY UNKNOWN\r\n"),
                               (self.lb_source,
                                b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00")):
            sock = client_socket(source)
            try:
                sock.connect((harness.LOCAL, self.edge_port))
                sock.sendall(header)
                self.assertIn(read_all(sock), (b"", "reset"), (source, header))
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before or while the header went out
            finally:
                sock.close()
        rows = self.db.query(
            "SELECT host FROM information_schema.processlist WHERE user='app'")
        self.assertEqual(rows, ())
        # The balancer vouching for an allowed client is served.
        sock = client_socket(self.lb_source)
        sock.connect((harness.LOCAL, self.edge_port))
        sock.sendall(v1((self.client_ok, 4242), (harness.LOCAL, self.edge_port)))
        greeting = harness.wait_until(lambda: sock.recv(5), 10)
        self.assertEqual(greeting[4:5], b"\x0a", "no MySQL greeting")
        sock.close()


class HeaderHandlingTest(harness.E2ETestCase):
    """The edge alone, in front of an echo server."""

    def setUp(self):
        super().setUp()
        self.backend = EchoServer(harness.host(2))
        self.addCleanup(self.backend.close)

    def start(self, accept_proxy=True, timeout_client="30s"):
        self.port = harness.free_port()
        flag = " accept-proxy" if accept_proxy else ""
        config = harness.base_config(timeout_client=timeout_client) + f"""\
frontend fe
    bind {harness.LOCAL}:{self.port}{flag}
    default_backend be

backend be
    server echo {self.backend.host}:{self.backend.port}
"""
        self.proxy = self.start_proxy(config)
        harness.wait_until(lambda: self.proxy.running() and harness.tcp_listening(
            harness.LOCAL, self.port), 20, 0.05, "proxy listening")

    def connect(self, source=None):
        sock = client_socket(source or harness.host(3))
        sock.connect((harness.LOCAL, self.port))
        return sock

    def assert_logged(self, regex):
        if harness.is_haproxy():
            return  # HAProxy words its lines otherwise
        harness.wait_until(lambda: re.search(regex, self.proxy.log()), 10,
                           0.05, f"log line /{regex}/")

    def test_header_split_and_followed_by_data(self):
        """A v2 header sent a few bytes at a time, then the client's first
        bytes in the same packet as the header's end: the backend receives
        exactly the client's bytes, the log names the header's client.
        (HAProxy 2.6 wants the whole header in its first read and resets a
        connection whose header comes in pieces: borealis waits for the
        rest, within `timeout client`.)"""
        if harness.is_haproxy():
            self.skipTest("HAProxy refuses a header split over packets")
        self.start()
        sock = self.connect()
        header = v2(("192.0.2.77", 40077), (harness.LOCAL, self.port))
        body, tail = header[:-3], header[-3:]
        for i in range(0, len(body), 3):
            sock.sendall(body[i:i + 3])
            time.sleep(0.02)
        sock.sendall(tail + b"ping")
        self.assertEqual(sock.recv(4), b"ping")
        sock.sendall(b"pong")
        self.assertEqual(sock.recv(4), b"pong")
        sock.close()
        harness.wait_until(lambda: self.backend.count() == 1 and
                           self.backend.received[0] == b"pingpong", 5, 0.05,
                           "the backend to have exactly the client's bytes")
        lines = harness.wait_until(
            lambda: harness.tcplog_lines(self.proxy.log(), "fe"), 10, 0.05,
            "a log line")
        self.assertEqual((lines[0]["client"], lines[0]["port"]),
                         ("192.0.2.77", 40077))

    def test_v1_followed_by_data_in_one_packet(self):
        self.start()
        sock = self.connect()
        sock.sendall(v1(("198.51.100.9", 5000), (harness.LOCAL, self.port))
                     + b"hello")
        self.assertEqual(sock.recv(5), b"hello")
        sock.close()
        harness.wait_until(lambda: self.backend.count() == 1 and
                           self.backend.received[0] == b"hello", 5, 0.05,
                           "the backend to have exactly the client's bytes")

    def test_header_on_a_bind_without_accept_proxy_is_data(self):
        """Without `accept-proxy` a header is the client's data: relayed as
        it is, and the log names the real client, not the forged one."""
        self.start(accept_proxy=False)
        sock = self.connect()
        forged = v1(("192.0.2.1", 1), (harness.LOCAL, self.port))
        sock.sendall(forged)
        self.assertEqual(sock.recv(len(forged)), forged)
        sock.close()
        lines = harness.wait_until(
            lambda: harness.tcplog_lines(self.proxy.log(), "fe"), 10, 0.05,
            "a log line")
        self.assertEqual(lines[0]["client"], harness.host(3))

    def test_truncated_garbage_and_slow_headers_are_closed(self):
        """Each closed, none reaches the backend: a header cut short by the
        client's close, bytes that are no header, and a header that does
        not complete within `timeout client` (closed neither before it nor
        long after)."""
        self.start(timeout_client="1s")
        sock = self.connect()
        sock.sendall(b"PROXY TCP4 192.0.2.1 ")
        sock.shutdown(socket.SHUT_WR)
        self.assertIn(read_all(sock), (b"", "reset"))
        sock.close()
        self.assert_logged(r"fe: connection closed: connection closed before "
                           r"the PROXY header ended")
        # Another source each time: refusal lines are rate-limited per source.
        sock = self.connect(harness.host(6))
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        self.assertEqual(read_all(sock), "reset")
        sock.close()
        self.assert_logged(r"fe: connection closed: not a PROXY protocol "
                           r"header")
        if harness.is_haproxy():
            return  # HAProxy resets an incomplete header at once
        sock = self.connect(harness.host(4))
        started = time.monotonic()
        sock.sendall(b"PROXY TCP4 ")
        self.assertIn(read_all(sock), (b"", "reset"))
        waited = time.monotonic() - started
        sock.close()
        self.assertGreaterEqual(waited, 0.9, "closed before timeout client")
        self.assertLess(waited, 6.0, "not closed after timeout client")
        self.assert_logged(r"fe: connection closed: no complete PROXY header "
                           r"within the client timeout")
        self.assertEqual(self.backend.count(), 0,
                         "a broken header reached the backend")


if __name__ == "__main__":
    unittest.main()
