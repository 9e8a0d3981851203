"""Memory given back after a burst of sessions, by the program as shipped.

Run against the optimised build (scripts/test.sh runs it after the release
build): the sanitizer builds keep freed memory in their own quarantine, so
this cannot hold there. borealis's build links jemalloc, which keeps
objects of one size together, and purges its arenas once load has clearly
fallen (core/memory_return): with glibc's heap the process stayed at its
peak, its pages pinned by asio's pooled per-socket states.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402

SESSIONS = 4000


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class MemoryReturnTest(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.db = harness.Mariadb(self.tmp, max_connections=SESSIONS + 50).start()
        self.addCleanup(self.db.stop)
        self.port = harness.free_port()
        self.proxy = harness.Proxy(self.tmp)
        self.proxy.start(f"""global
    maxconn {SESSIONS + 100}
    nbthread 2
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend fe
    bind {harness.LOCAL}:{self.port}
    default_backend be
backend be
    server db {self.db.host}:{self.db.port}
""", wait=(harness.LOCAL, self.port))
        self.addCleanup(self.proxy.stop)

    def open_sessions(self):
        sockets = []
        self.addCleanup(lambda: [s.close() for s in sockets])
        for _ in range(SESSIONS):
            sockets.append(socket.create_connection((harness.LOCAL, self.port), timeout=20))
        for s in sockets:  # each has its server's greeting: relayed both ways
            self.assertTrue(s.recv(1024))
        return sockets

    def test_memory_of_a_burst_goes_back_once_it_closes(self):
        pid = self.proxy.pid
        time.sleep(1)
        before = rss_kib(pid)
        sockets = self.open_sessions()
        peak = rss_kib(pid)
        grown = peak - before
        self.assertGreater(grown, SESSIONS, "4,000 sessions should cost over 1 KiB each")
        for s in sockets:
            s.close()
        # At most half the growth stays: asio's per-socket states, kept for
        # reuse (about 0.4 KiB a session), and the allocator's own caches
        # and bookkeeping (about 1 MiB). glibc's heap kept over nine tenths.
        bound = before + grown // 2
        harness.wait_until(lambda: rss_kib(pid) <= bound, 30, 0.5,
                           f"RSS back to {bound} KiB (was {before} KiB, {peak} KiB "
                           f"with {SESSIONS} sessions)")
        # And the next burst reuses what stayed rather than growing past it.
        sockets = self.open_sessions()
        self.assertLess(rss_kib(pid), peak + grown // 4)


if __name__ == "__main__":
    unittest.main()
