"""Source allowlists: `acl NAME src ...` and `tcp-request connection|session
accept|reject [if|unless COND]`, judged on real connections from several
loopback source addresses (and ::1), against borealis and against HAProxy 2.6
with the same configuration (the verdicts must be the same).

A refused connection must be refused before anything else happens: the
backend is never contacted (the banner server counts its connections), a
paused serverless database is not woken, and borealis writes at most one
line per source per second about it.
"""

import re
import socket
import threading
import time
import unittest

import harness


class BannerServer:
    """A TCP server on `host` that greets every connection with a line and
    counts the connections it accepted."""

    def __init__(self, host):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.accepted = 0
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.accepted += 1
            try:
                conn.sendall(b"hello\n")
                conn.settimeout(5)
                conn.recv(1)  # until the client (or borealis) closes
            except OSError:
                pass
            finally:
                conn.close()

    def count(self):
        with self._lock:
            return self.accepted

    def close(self):
        self._stop = True
        self.sock.close()


def attempt(host, port, source, timeout=5):
    """Connect from `source` and read the banner: "hello" when served,
    "refused" when the connection was reset or closed without a byte."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.connect((host, port))
        data = sock.recv(16)
    except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError):
        return "refused"
    finally:
        sock.close()
    return "hello" if data == b"hello\n" else ("refused" if not data else
                                               repr(data))


class AccessRulesTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        self.backend = BannerServer(harness.host(2))
        self.addCleanup(self.backend.close)
        self.listen = harness.free_port((harness.LOCAL, "::1"))

    def start(self, frontend_lines, extra_binds=()):
        rules = "".join(f"    {line}\n" for line in frontend_lines)
        binds = "".join(f"    bind {b}\n" for b in extra_binds)
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
{binds}{rules}    default_backend be

backend be
    server s {self.backend.host}:{self.backend.port}
"""
        self.proxy = self.start_proxy(config)
        harness.wait_until(lambda: self.proxy.running() and harness.tcp_listening(
            harness.LOCAL, self.listen), 20, 0.05, "proxy listening")

    def verdicts(self, sources, host=None):
        host = host or harness.LOCAL
        return {source: attempt(host, self.listen, source) for source in sources}

    def test_allowlist_admits_listed_sources_only(self):
        """`tcp-request connection reject unless allowed`: listed sources get
        the backend's banner, others are refused and the backend never sees
        them.  Defect: the rule ignored, inverted, or judged after
        connecting to the backend."""
        self.start([f"acl allowed src {harness.host(3)} {harness.host(5)}/32",
                    "tcp-request connection reject unless allowed"])
        before = self.backend.count()
        got = self.verdicts([harness.host(4), harness.host(6), harness.LOCAL])
        self.assertEqual(set(got.values()), {"refused"}, got)
        # Wait a moment for anything that leaked through to reach the
        # backend: nothing may.
        time.sleep(0.3)
        self.assertEqual(self.backend.count(), before,
                         "a refused connection reached the backend")
        got = self.verdicts([harness.host(3), harness.host(5)])
        self.assertEqual(set(got.values()), {"hello"}, got)
        harness.wait_until(lambda: self.backend.count() == before + 2, 5,
                           message="two connections at the backend")

    def test_negation_or_and_order(self):
        """A network with one address carved out (`a !b`), an alternative
        (`|| c`), and first-match order: the same verdicts as HAProxy's."""
        net = harness.LOCAL.rsplit(".", 1)[0]
        self.start([f"acl net src {net}.0/24",
                    f"acl carved src {harness.host(4)}",
                    f"acl extra src {harness.host(9)}",
                    f"tcp-request connection reject if {{ src {harness.host(7)} }}",
                    "tcp-request connection accept if net !carved || extra",
                    "tcp-request connection reject"])
        got = self.verdicts([harness.host(3), harness.host(4), harness.host(7),
                             harness.host(9), harness.host(10)])
        self.assertEqual(got, {harness.host(3): "hello",
                               harness.host(4): "refused",
                               harness.host(7): "refused",
                               harness.host(9): "hello",
                               harness.host(10): "hello"})

    def test_session_rules_also_judge_the_source(self):
        """Without a PROXY header, `tcp-request session` rules see the
        connection's own source too; a session refused after the connection
        rules accepted it never reaches the backend."""
        self.start(["tcp-request connection accept",
                    f"tcp-request session reject if {{ src {harness.host(4)} }}"])
        before = self.backend.count()
        self.assertEqual(self.verdicts([harness.host(4)]),
                         {harness.host(4): "refused"})
        time.sleep(0.3)
        self.assertEqual(self.backend.count(), before)
        self.assertEqual(self.verdicts([harness.host(3)]),
                         {harness.host(3): "hello"})

    def test_list_file_of_100000_entries_and_ipv6(self):
        """`acl ... src -f FILE` with 100,000 networks, comments and blank
        lines, IPv4 and IPv6 (::1 on an IPv6 bind): listed sources are
        admitted, a neighbour of a listed one is not."""
        path = self.tmp.join("allow.lst")
        with open(path, "w", encoding="ascii") as f:
            f.write("# 100,000 entries: 10.0.0.0 upwards in steps of 4\n\n")
            for i in range(99998):
                value = 0x0A000000 + 4 * i
                f.write(f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}."
                        f"{value & 255}/31\n")
            f.write(f"  {harness.host(3)}\n")  # leading spaces are skipped
            f.write("::1\n")
        self.start([f"acl allowed src -f {path}",
                    "tcp-request connection reject if !allowed"],
                   extra_binds=[f"[::1]:{self.listen}"])
        got = self.verdicts([harness.host(3), harness.host(4)])
        self.assertEqual(got, {harness.host(3): "hello",
                               harness.host(4): "refused"})
        self.assertEqual(attempt("::1", self.listen, "::1"), "hello")

    def test_refusals_are_logged_at_most_once_per_source_per_second(self):
        """Thirty refused connections from one source in well under a
        second, then one from another: one line for the first source (two if
        a second boundary falls between), one for the second, and the next
        line for the first source, a second later, counts those not logged.
        HAProxy logs none of them (borealis's addition)."""
        if harness.is_haproxy():
            self.skipTest("HAProxy does not log tcp-request connection "
                          "refusals")
        self.start([f"tcp-request connection reject if {{ src {harness.host(4)} {harness.host(6)} }}"])
        started = time.monotonic()
        for _ in range(30):
            self.assertEqual(attempt(harness.LOCAL, self.listen,
                                     harness.host(4)), "refused")
        elapsed = time.monotonic() - started
        self.assertEqual(attempt(harness.LOCAL, self.listen, harness.host(6)),
                         "refused")
        pattern = (r"{}:\d+ fe: connection refused by 'tcp-request connection "
                   r"reject' at \S+:\d+")
        harness.wait_until(lambda: self.proxy.log().count(
            f"{harness.host(6)}:") >= 1, 5, message="the second source's line")
        first = re.findall(pattern.format(re.escape(harness.host(4))),
                           self.proxy.log())
        self.assertGreaterEqual(len(first), 1)
        self.assertLessEqual(len(first), 1 + int(elapsed) + 1, first)
        time.sleep(1.1)
        self.assertEqual(attempt(harness.LOCAL, self.listen, harness.host(4)),
                         "refused")
        harness.wait_until(
            lambda: re.search(
                re.escape(harness.host(4)) +
                r":\d+ fe: connection refused .* \((\d+) more from this "
                r"address not logged\)", self.proxy.log()),
            5, message="a line counting the unlogged refusals")


class AccessRulesServerlessTest(harness.ServerlessTestCase):

    def test_refused_connection_does_not_wake_a_paused_database(self):
        """A connection refused by `tcp-request connection` to a paused
        `database@` server: the database stays paused (no mariadbd
        starts); an admitted one then wakes it.  Defect: the judgement
        made after the wake-up request, so any scanner keeps the database
        awake and billed."""
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = harness.base_config(timeout_client="60s",
                                     timeout_server="60s") + \
            harness.database_section(datadir=datadir, auto_pause="1s") + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    tcp-request connection reject unless {{ src {harness.host(3)} }}
    default_backend be

backend be
    server app database@app
"""
        proxy = self.start_proxy(config)
        harness.wait_serverless_listening(proxy, listen)
        db = harness.Serverless(proxy, listen, datadir)
        db.wait_for_log(r"database app: paused until the first connection")
        db.wait_no_mariadbd()
        offset = db.log_offset()
        for _ in range(5):
            self.assertEqual(attempt(harness.LOCAL, listen, harness.host(4)),
                             "refused")
        time.sleep(1.0)  # long enough for a wake-up to have begun
        self.assertEqual(db.mariadbd_pids(), [],
                         "a refused connection woke the database")
        self.assertNotIn("resum", db.log()[offset:])
        conn = db.connect(timeout=60, bind_address=harness.host(3))
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                self.assertEqual(cur.fetchone()[0], 1)
        finally:
            harness.close_quietly(conn)


if __name__ == "__main__":
    unittest.main()
