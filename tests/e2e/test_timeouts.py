"""`timeout client`: a silent client is closed; an active one is not."""

import socket
import time
import unittest

import harness


class TimeoutsTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        self.db = self.start_mariadb(host=harness.host(2), name="A")
        self.listen = harness.free_port()
        config = harness.base_config(timeout_client="1s",
                                     timeout_server="30s") + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    server db {self.db.host}:{self.db.port}
"""
        self.proxy = self.start_proxy(config,
                                      wait=(harness.LOCAL, self.listen))

    def test_silent_client_is_closed(self):
        connecting = time.monotonic()
        sock = socket.create_connection((harness.LOCAL, self.listen),
                                        timeout=10)
        self.addCleanup(sock.close)
        # Read the server greeting (MySQL packet header + protocol 10).
        greeting = b""
        while len(greeting) < 5:
            chunk = sock.recv(4096)
            self.assertTrue(chunk, "closed before the greeting arrived")
            greeting += chunk
        self.assertEqual(greeting[4], 10, "not a MySQL v10 handshake")

        # Stay silent.  The proxy must close the connection: recv returns
        # EOF (or the connection is reset).  Generous bound: 20 s.
        sock.settimeout(0.5)
        deadline = time.monotonic() + 20
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                data = sock.recv(4096)
                closed = data == b""
            except socket.timeout:
                continue
            except ConnectionResetError:
                closed = True
        self.assertTrue(closed, "silent client not closed within 20 s")
        # ... and not before `timeout client` (1 s of silence since the
        # connection, which borealis accepted after `connecting`).
        silent_for = time.monotonic() - connecting
        self.assertGreaterEqual(silent_for, 0.95,
                                f"closed after {silent_for:.2f}s of silence, "
                                "timeout client is 1s")
        # HAProxy tcplog termination state "cD": client-side timeout
        # during the data phase (HAProxy-specific tcplog format).
        self.proxy.wait_for_log(r" cD ", 10)

    def test_active_client_is_not_closed(self):
        # Queries every 0.3 s for ~3 s: longer than `timeout client 1s` in
        # total, but never idle for 1 s, so the session must survive.
        conn = harness.connect(harness.LOCAL, self.listen)
        self.addCleanup(harness.close_quietly, conn)
        end = time.monotonic() + 3
        n = 0
        while time.monotonic() < end:
            with conn.cursor() as cur:
                cur.execute("SELECT %s + 1", (n,))
                self.assertEqual(cur.fetchone()[0], n + 1)
            n += 1
            time.sleep(0.3)  # deliberate pacing: active, never 1 s idle
        self.assertGreater(n, 5)


if __name__ == "__main__":
    unittest.main()
