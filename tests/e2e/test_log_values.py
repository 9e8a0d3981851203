"""The values of the tcplog line against what the client really saw.

A PyMySQL client runs over a socket that counts every byte it receives
(CountingSocket, handed to PyMySQL with connect(sock=...)), and after COM_QUIT
reads until the end, so the count is every byte borealis relayed from the
server to that client.  HAProxy's `%B` is exactly that number: it must match
to the byte, however large the result (5 MB) and however much the client sent
the other way.  The timers (`%Tw/%Tc/%Tt`) must match what the test did,
measured on its own clock; `timeout server` must end a silent server's
session (`sD`) neither before its time nor long after.
"""

import socket
import time
import unittest

import pymysql

import harness
import netprobe

COM_QUIT = b"\x01\x00\x00\x00\x01"


class CountingSocket(socket.socket):
    """A socket that counts the bytes it receives (PyMySQL reads through
    makefile(), which calls recv_into)."""

    received = 0

    def recv_into(self, buffer, nbytes=0, flags=0):
        count = super().recv_into(buffer, nbytes, flags)
        self.received += count
        return count

    def recv(self, bufsize, flags=0):
        data = super().recv(bufsize, flags)
        self.received += len(data)
        return data


def counted_session(port, **kwargs):
    """(PyMySQL connection, its CountingSocket, time before connect)."""
    sock = CountingSocket(socket.AF_INET, socket.SOCK_STREAM)
    started = time.monotonic()
    sock.settimeout(30)
    sock.connect((harness.LOCAL, port))
    conn = pymysql.connect(host=harness.LOCAL, port=port,
                           user=harness.APP_USER,
                           password=harness.APP_PASSWORD, autocommit=True,
                           defer_connect=True, read_timeout=30,
                           write_timeout=30, **kwargs)
    conn.connect(sock)
    return conn, sock, started


def quit_and_drain(sock):
    """Send COM_QUIT, read to the end (counting), close our side; return
    the time it was closed.  (shutdown(): PyMySQL's file object still holds
    the descriptor, so close() alone would not end the connection.)"""
    sock.sendall(COM_QUIT)
    sock.settimeout(10)
    while True:
        try:
            if not sock.recv(65536):
                break
        except ConnectionResetError:
            break
    sock.shutdown(socket.SHUT_RDWR)
    return time.monotonic()


class LogValuesTest(harness.E2ETestCase):

    def start_all(self, timeout_server="30s"):
        self.db = self.start_mariadb(host=harness.host(2), name="A")
        self.listen = harness.free_port()
        config = harness.base_config(timeout_server=timeout_server) + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    server db {self.db.host}:{self.db.port}
"""
        self.proxy = self.start_proxy(config)
        harness.wait_until(
            lambda: self.proxy.running() and harness.tcp_listening(
                harness.LOCAL, self.listen), 20, 0.05, "proxy listening")

    def test_bytes_and_timers_of_a_5mb_session(self):
        """5 MB result, a 1 MB query the other way, 1.2 s idle in between:
        `%B` equals the bytes the client received, `%Tt` the session's
        length on the client's clock, `%Tw` 0, `%Tc` a loopback connect.
        Defect: bytes lost or counted twice in the relay, the client's
        bytes counted in `%B`, a counter that stops at 32 bits or at a
        buffer size, timers in the wrong unit or from the wrong moment."""
        self.start_all()
        conn, sock, started = counted_session(self.listen)
        client_port = sock.getsockname()[1]
        with conn.cursor() as cur:
            cur.execute("SELECT REPEAT('x', 5000000)")
            value = cur.fetchone()[0]
            self.assertEqual(len(value), 5_000_000)
            self.assertEqual(value.count("x"), 5_000_000)
            time.sleep(1.2)  # deliberate idle time, seen in Tt
            big = "y" * 1_000_000
            cur.execute("SELECT LENGTH(%s)", (big,))
            self.assertEqual(cur.fetchone()[0], 1_000_000)
        ended = quit_and_drain(sock)
        sock.close()
        session_ms = (ended - started) * 1000

        log = netprobe.tcplog_for_port(self.proxy, client_port)
        self.assertEqual(log["bytes"], sock.received,
                         f"%B {log['bytes']} but the client received "
                         f"{sock.received}: {log['line']}")
        self.assertGreater(sock.received, 5_000_000)
        self.assertEqual((log["srv"], log["ts"], log["rc"]),
                         ("db", "--", 0), log["line"])
        # Not queued (Tw about 0, not -1), a loopback connect: a few ms,
        # with room for a loaded machine.
        self.assertTrue(0 <= log["tw"] <= 100, log["line"])
        self.assertTrue(0 <= log["tc"] <= 500, log["line"])
        # Tt: from accept to the end; the client's span encloses it.
        self.assertTrue(1200 <= log["tt"] <= session_ms + 20,
                        f"Tt {log['tt']} ms, client session "
                        f"{session_ms:.0f} ms: {log['line']}")
        # ... and is not much shorter: the client's connect before the
        # accept and its close after borealis's are quick, but a loaded
        # machine may stretch them.
        self.assertGreaterEqual(log["tt"], session_ms - 1000,
                                f"Tt {log['tt']} ms, client session "
                                f"{session_ms:.0f} ms: {log['line']}")

    def test_bytes_of_many_small_results(self):
        """2000 small queries: `%B` still equals the client's count (each
        result is its own read and write in the relay)."""
        self.start_all()
        conn, sock, _ = counted_session(self.listen)
        client_port = sock.getsockname()[1]
        with conn.cursor() as cur:
            for i in range(2000):
                cur.execute("SELECT %s", (i,))
                self.assertEqual(cur.fetchone()[0], i)
        quit_and_drain(sock)
        sock.close()
        log = netprobe.tcplog_for_port(self.proxy, client_port)
        self.assertEqual(log["bytes"], sock.received, log["line"])

    def test_server_timeout_ends_a_silent_server(self):
        """`timeout server 1s`, the server sleeps 3 s in a query: the session
        ends 1 s after the query was relayed (client gets 2013), logged `sD`
        with `%B` the bytes the client got.  Defect: no server timeout, a
        timeout counted from the session start or from the last client
        byte, the wrong side blamed (cD)."""
        self.start_all(timeout_server="1s")
        conn, sock, started = counted_session(self.listen)
        client_port = sock.getsockname()[1]
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            time.sleep(0.5)  # idle on both sides, under the limit
            cur.execute("SELECT 2")
            sent = time.monotonic()
            with self.assertRaises(pymysql.err.OperationalError) as caught:
                cur.execute("SELECT SLEEP(3)")
            cut = time.monotonic() - sent
        self.assertEqual(caught.exception.args[0], 2013, caught.exception)
        # Not before `timeout server`; not long after (the query alone
        # takes 3 s).
        self.assertTrue(0.95 <= cut <= 1.0 + 1.5,
                        f"server-silent session ended {cut:.2f}s after the "
                        "query, timeout server is 1s")
        log = netprobe.tcplog_for_port(self.proxy, client_port)
        self.assertEqual((log["ts"], log["bytes"]), ("sD", sock.received),
                         log["line"])
        session_ms = (time.monotonic() - started) * 1000
        self.assertTrue(1450 <= log["tt"] <= session_ms + 20, log["line"])


if __name__ == "__main__":
    unittest.main()
