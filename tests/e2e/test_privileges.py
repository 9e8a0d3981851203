"""`global` `user` / `group` / `pidfile` / `maxconn`: privileges are dropped
after the listening sockets are bound, the pid file names the process, and
connections over `maxconn` wait in the kernel's queue instead of failing."""

import socket
import time
import unittest

import harness
import netprobe


def process_ids(pid):
    """(uid, gid) of a running process, from /proc."""
    uid = gid = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
            if line.startswith("Gid:"):
                gid = int(line.split()[1])
    return uid, gid


class PrivilegesTest(harness.E2ETestCase):

    def test_user_group_and_pidfile(self):
        db = self.start_mariadb(host=harness.host(2), name="A")
        listen = harness.free_port()
        pidfile = self.tmp.join("proxy.pid")
        config = harness.base_config(global_lines=(
            "user nobody", "group nogroup", f"pidfile {pidfile}")) + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        proxy = self.start_proxy(config, wait=(harness.LOCAL, listen))
        self.assertEqual(harness.marker(harness.LOCAL, listen), "A")
        self.assertEqual(process_ids(proxy.pid), (65534, 65534))
        with open(pidfile) as f:
            self.assertEqual(int(f.read().strip()), proxy.pid)

    def _maxconn_proxy(self, global_lines, frontend_lines):
        db = self.start_mariadb(host=harness.host(2), name="A")
        listen = harness.free_port()
        g = "".join(f"    {line}\n" for line in frontend_lines)
        config = harness.base_config(global_lines=global_lines) + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
{g}    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        proxy = self.start_proxy(config)
        # No probe connection: it would be a session of its own.
        harness.wait_until(
            lambda: proxy.running() and harness.tcp_listening(
                harness.LOCAL, listen), 20, 0.05, "proxy listening")
        return db, proxy, listen

    def _greeted_client(self, listen):
        sock = socket.create_connection((harness.LOCAL, listen), timeout=5)
        self.addCleanup(sock.close)
        self.assertTrue(netprobe.is_handshake(netprobe.read_greeting(sock, 5)),
                        "a client under maxconn got no MySQL greeting")
        return sock

    def _waiting_client(self, listen):
        sock = socket.create_connection((harness.LOCAL, listen), timeout=5)
        self.addCleanup(sock.close)
        return sock

    def test_maxconn_holds_excess_connections(self):
        """`maxconn 2` on the frontend (one worker): with two sessions open
        the third client's connection completes in the kernel and waits in
        the accept queue (nothing is sent to it, borealis opens nothing to
        the server for it); it is served as soon as one session ends.
        Defect: maxconn not applied, excess connections refused or reset,
        a freed slot that never lets the waiting client in, or late."""
        db, proxy, listen = self._maxconn_proxy(["nbthread 1"],
                                                ["maxconn 2"])
        first = self._greeted_client(listen)
        self._greeted_client(listen)
        server_side = db.foreign_connections()

        third = self._waiting_client(listen)
        harness.wait_until(
            lambda: netprobe.listen_queue(listen, harness.LOCAL) == 1, 10,
            0.02, "the third connection in the accept queue")
        # Deliberately 1.5 s: what is checked must not happen.
        self.assertIsNone(netprobe.read_greeting(third, 1.5),
                          "third client served past maxconn 2")
        self.assertEqual(netprobe.listen_queue(listen, harness.LOCAL), 1)
        self.assertEqual(db.foreign_connections(), server_side,
                         "borealis connected to the server for a client "
                         "over maxconn")

        closed_at = time.monotonic()
        first.close()
        greeting = netprobe.read_greeting(third, 5)
        waited = time.monotonic() - closed_at
        self.assertTrue(netprobe.is_handshake(greeting),
                        "third client not served after a slot freed")
        # Served when the slot frees (generous for a loaded machine).
        self.assertLess(waited, 2.5, "third client served late")
        self.assertEqual(netprobe.listen_queue(listen, harness.LOCAL), 0)
        self.assertTrue(proxy.running())

    def test_global_maxconn_serves_one_client_per_freed_slot(self):
        """Global `maxconn 2`, two workers, three clients over the limit:
        none is served while two sessions are open; each session that ends
        lets exactly one more in.  Defect: a freed slot admitting every
        waiting client, or a slot leaked so that nobody gets in."""
        _, proxy, listen = self._maxconn_proxy(["nbthread 2", "maxconn 2"],
                                               [])
        sessions = [self._greeted_client(listen) for _ in range(2)]
        waiting = [self._waiting_client(listen) for _ in range(3)]
        deadline = time.monotonic() + 1.5
        for sock in waiting:
            left = max(0.05, deadline - time.monotonic())
            self.assertIsNone(netprobe.read_greeting(sock, left),
                              "a client over the global maxconn was served")

        for round_number in range(2):
            sessions.pop(0).close()
            served = harness.wait_until(
                lambda: [s for s in waiting
                         if netprobe.read_greeting(s, 0.02) is not None],
                10, 0.01, f"a waiting client served (round {round_number})")
            self.assertEqual(len(served), 1)
            sessions.append(served[0])
            waiting.remove(served[0])
            # ... and only that one, for a while.
            deadline = time.monotonic() + 1.0
            for sock in waiting:
                left = max(0.05, deadline - time.monotonic())
                self.assertIsNone(netprobe.read_greeting(sock, left),
                                  "a freed slot let in two clients")
        self.assertTrue(proxy.running())


if __name__ == "__main__":
    unittest.main()
