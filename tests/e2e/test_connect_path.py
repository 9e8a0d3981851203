"""The connect path: `timeout connect`, `retries`, `option redispatch`,
server `maxconn` with `timeout queue`, `<NOSRV>`, and `option mysql-check
user` against real login and greeting errors.

What the server side sees is counted on the wire (netprobe.SynCapture: the
SYNs that reach a server's port), what the client sees on a raw socket
(greeting or close, and when), and what borealis says in its tcplog line
(`%Tw/%Tc/%Tt`, `%B`, `%ts`, `%rc`), found by the client's own port.

A server that never answers is a listening socket whose accept queue is
full (netprobe.SynBlackhole): the kernel drops the SYNs, as a firewall
would.  A server that refuses is a loopback port nothing listens on (RST).

Timing rules are checked both ways: not before the configured time (tight,
the point of each test), and not long after it: the upper bounds allow
LATE seconds of lateness for a loaded machine (2 cores running other test
files and sanitizer builds), but stay below what the defect each test
names would take.
"""

import re
import socket
import threading
import time
import unittest

import harness
import netprobe

# Lateness allowed on top of a configured time before "not long after"
# fails: a loaded 2-core machine, sanitizer builds.
LATE = 2.5


def silent_port():
    """A port on LOCAL where nothing listens: a connect gets RST."""
    return harness.free_port()


class ConnectPathTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        self.listen = harness.free_port()

    def proxy_with(self, backend_lines, defaults_lines=(), global_lines=(),
                   timeout_connect="3s"):
        body = "".join(f"    {line}\n" for line in backend_lines)
        config = harness.base_config(
            global_lines=global_lines, defaults_lines=defaults_lines,
            timeout_connect=timeout_connect) + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
{body}"""
        proxy = self.start_proxy(config)
        # Not port_accepts(): a probe connection would be a session that
        # connects to the servers and would be counted on their side.
        harness.wait_until(
            lambda: proxy.running() and harness.tcp_listening(
                harness.LOCAL, self.listen), 20, 0.05, "proxy listening")
        return proxy

    def capture(self, port, host=harness.LOCAL):
        # Only this process's address: another test file running at the
        # same time may use the same port number on its own addresses.
        cap = netprobe.SynCapture(port, host)
        self.addCleanup(cap.stop)
        return cap

    def blackhole(self, host=harness.LOCAL):
        hole = netprobe.SynBlackhole(host)
        self.addCleanup(hole.close)
        return hole

    def client(self):
        sock = socket.create_connection((harness.LOCAL, self.listen),
                                        timeout=5)
        self.addCleanup(sock.close)
        return sock, sock.getsockname()[1]

    def assert_between(self, value, low, high, what):
        self.assertTrue(low <= value <= high,
                        f"{what}: {value} not in [{low}, {high}]")

    # -- timeout connect -------------------------------------------------

    def test_timeout_connect_to_silent_server(self):
        """Defect: the connect attempt is not bounded (the client hangs for
        the kernel's SYN retries, ~2 min), is cut early, or is logged as a
        refusal (SC) or without the `-1` connect time."""
        hole = self.blackhole()
        cap = self.capture(hole.port, hole.host)
        proxy = self.proxy_with([f"server dead {hole.host}:{hole.port}",
                                 "retries 0"], timeout_connect="800ms")
        sock, port = self.client()
        took = netprobe.wait_closed(sock, 15)
        # Not before `timeout connect`, not long after (the kernel's SYN
        # retries would take about 2 minutes).
        self.assert_between(took, 0.75, 0.8 + LATE, "client closed after")
        log = netprobe.tcplog_for_port(proxy, port)
        self.assertEqual((log["srv"], log["ts"], log["tc"], log["bytes"],
                          log["rc"]), ("dead", "sC", -1, 0, 0), log["line"])
        self.assert_between(log["tt"], 780, 800 + LATE * 1000, "Tt (ms)")
        # Not queued: Tw is about 0 (a few ms on a busy machine), not -1.
        self.assert_between(log["tw"], 0, 100, "Tw (ms)")
        # One attempt reached the server's port (one SYN, no retry).
        attempts = cap.settled_attempts()
        self.assertEqual(len(attempts), 1, attempts)

    def test_retries_after_timeouts_are_immediate(self):
        """`retries 2` after connect timeouts: exactly 3 attempts on the
        wire, back to back (no turn-around pause after a timeout), each cut
        at `timeout connect`; logged sC with retries 2.  Defect: a retry
        count off by one, attempts that overlap or pause, Tt that ignores
        the retries."""
        hole = self.blackhole()
        cap = self.capture(hole.port, hole.host)
        proxy = self.proxy_with([f"server dead {hole.host}:{hole.port}",
                                 "retries 2"], timeout_connect="600ms")
        sock, port = self.client()
        took = netprobe.wait_closed(sock, 20)
        self.assert_between(took, 3 * 0.6 - 0.05, 3 * 0.6 + LATE,
                            "client closed after")
        attempts = cap.settled_attempts()
        self.assertEqual(len(attempts), 3, attempts)
        starts = [a[0] for a in attempts]
        # The upper bound is the point, not slack: a turn-around pause
        # after a timeout (min(1s, timeout connect) = 0.6 s) would make
        # the gap 1.2 s.
        for gap in (b - a for a, b in zip(starts, starts[1:])):
            self.assert_between(gap, 0.58, 0.6 + 0.6, "gap between attempts")
        log = netprobe.tcplog_for_port(proxy, port)
        self.assertEqual((log["srv"], log["ts"], log["tc"], log["rc"]),
                         ("dead", "sC", -1, 2), log["line"])
        self.assert_between(log["tt"], 1780, 1800 + LATE * 1000, "Tt (ms)")

    def test_refusals_are_retried_until_the_connect_budget_is_spent(self):
        """A refused connect (a restarting server) is tried again after
        pauses that grow from 50 ms to min(1s, timeout connect), until
        `timeout connect` x (retries + 1) is spent; logged SC with the
        retries made.  Defect: retries hammering the port with no pause,
        giving up after `retries` refusals (a client failed within a second
        while a server restarts), or waiting past the budget."""
        port = silent_port()
        cap = self.capture(port)
        proxy = self.proxy_with([f"server gone {harness.LOCAL}:{port}",
                                 "retries 3"], timeout_connect="400ms")
        sock, client_port = self.client()
        took = netprobe.wait_closed(sock, 20)
        budget = 4 * 0.4
        self.assert_between(took, budget - 0.45, budget + LATE,
                            "client closed after")
        attempts = cap.settled_attempts()
        starts = [a[0] for a in attempts]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        # Pauses of 50, 100, 200, 400, 400 and 400 ms fit in 1.6 s: seven
        # attempts (fewer on a late machine), more than `retries` + 1.
        self.assertGreaterEqual(len(attempts), 5, attempts)
        self.assertLessEqual(len(attempts), 7, attempts)
        self.assertGreaterEqual(gaps[0], 0.045, gaps)
        for gap in gaps[2:]:
            self.assert_between(gap, 0.19, 0.4 + 0.6, "pause after a refusal")
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"], log["tc"], log["bytes"]),
                         ("gone", "SC", -1, 0), log["line"])
        self.assertEqual(log["rc"], len(attempts) - 1, log["line"])

    def test_a_server_back_within_the_budget_serves_the_waiting_client(self):
        """The only server refuses (restarting), then listens again 1.5 s
        later: a client that arrived meanwhile is served by it, within
        `timeout connect 1s` x (`retries 3` + 1).  HAProxy fails it after
        three one-second turn-arounds unless the server is back by then.
        Defect: the client refused while the server restarts."""
        port = harness.free_port((harness.host(3),))
        proxy = self.proxy_with([f"server s {harness.host(3)}:{port}",
                                 "retries 3"], timeout_connect="1s")
        sock, client_port = self.client()
        time.sleep(1.5)  # deliberately: the outage the client waits through
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(server.close)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((harness.host(3), port))
        server.listen(8)
        server.settimeout(10)
        accepted, _ = server.accept()
        self.addCleanup(accepted.close)
        accepted.sendall(b"hello")
        sock.settimeout(10)
        self.assertEqual(sock.recv(5), b"hello")
        accepted.close()
        sock.close()
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"]), ("s", "--"), log["line"])
        self.assertGreaterEqual(log["rc"], 3, log["line"])

    def test_clients_are_held_through_a_database_restart(self):
        """The post's settings (`timeout connect 3s`, default `retries 3`,
        `check inter 10s`): the only mariadbd is stopped and started again
        about 3 s later, and every client that connected meanwhile is
        served once it is back.  Defect: new clients failed during the
        restart (HAProxy fails those whose retries end before it is back)."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        self.proxy_with([f"server db {db.host}:{db.port} check inter 10s"])
        self.assertEqual(harness.marker(harness.LOCAL, self.listen), "A")
        db.stop()
        results = []

        def client():
            try:
                results.append(harness.marker(harness.LOCAL, self.listen,
                                              timeout=30))
            except Exception as error:  # noqa: BLE001 - reported below
                results.append(repr(error))

        threads = []
        for _ in range(10):
            threads.append(threading.Thread(target=client))
            threads[-1].start()
            time.sleep(0.3)  # deliberately: clients arrive through the outage
        db.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(results, ["A"] * 10)

    # -- option redispatch -----------------------------------------------

    def test_redispatch_moves_the_last_retry(self):
        """`option redispatch`, `retries 2`, `balance first`: two attempts on
        the refusing first server, the last one on the second server, which
        serves the client.  Defect: redispatch ignored, done on the wrong
        attempt, or the session logged against the wrong server, with wrong
        timers, or without HAProxy's redispatch mark.

        This is the documented rule (the last retry goes elsewhere).
        HAProxy 2.6's code redispatches already at the first failure when
        the balance is not a hash and several servers are up, so the
        reference fails the attempt counts here."""
        db = self.start_mariadb(host=harness.host(2), name="B")
        port = silent_port()
        cap_bad = self.capture(port)
        cap_good = self.capture(db.port, db.host)
        proxy = self.proxy_with([
            "balance first", "retries 2", "option redispatch",
            f"server bad {harness.LOCAL}:{port}",
            f"server good {db.host}:{db.port}"], timeout_connect="300ms")
        conn = harness.connect(harness.LOCAL, self.listen)
        client_port = conn._sock.getsockname()[1]
        self.assertEqual(harness.session_marker(conn), "B")
        conn.close()
        bad, good = cap_bad.settled_attempts(), cap_good.settled_attempts()
        self.assertEqual(len(bad), 2, bad)
        self.assertEqual(len(good), 1, good)
        # The good server is tried after the two refusals, each followed by
        # a pause (50 then 100 ms; 1 s turn-arounds would give 2 s).
        self.assert_between(good[0][0] - bad[0][0], 0.15 - 0.02,
                            0.15 + 1.2,
                            "first attempt to redispatched attempt")
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"], log["rc"]),
                         ("good", "--", 2), log["line"])
        # As HAProxy: a redispatched session's Tw runs until the server it
        # ends on is assigned (here after the failed attempts), Tc is that
        # server's connect alone.
        self.assert_between(log["tw"], 130, 150 + 1200, "Tw (ms)")
        self.assert_between(log["tc"], 0, 500, "Tc (ms)")
        # HAProxy marks a redispatched session with '+' before the retries
        # ("1/1/0/0/+2"), which log parsers use to count redispatches.
        self.assertTrue(log["redispatched"],
                        f"retries field lacks HAProxy's '+': {log['line']}")

    def test_without_redispatch_every_retry_stays(self):
        """Without `option redispatch`, every attempt of the connect budget
        (300 ms x 3) goes to the refusing first server, none to the second."""
        db = self.start_mariadb(host=harness.host(2), name="B")
        port = silent_port()
        cap_bad = self.capture(port)
        cap_good = self.capture(db.port, db.host)
        proxy = self.proxy_with([
            "balance first", "retries 2",
            f"server bad {harness.LOCAL}:{port}",
            f"server good {db.host}:{db.port}"], timeout_connect="300ms")
        sock, client_port = self.client()
        netprobe.wait_closed(sock, 10)
        bad, good = cap_bad.settled_attempts(), cap_good.settled_attempts()
        # Pauses of 50, 100, 200 and 300 ms fit in 0.9 s: five attempts.
        self.assertGreaterEqual(len(bad), 4, bad)
        self.assertEqual(good, [])
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"], log["rc"]),
                         ("bad", "SC", len(bad) - 1), log["line"])

    # -- server maxconn and timeout queue --------------------------------

    def test_server_maxconn_queue_then_served(self):
        """`maxconn 1` on the server: a second client waits (no greeting,
        no connection to the server) and is served right after the first
        ends; its tcplog Tw is the time it waited.  Defect: the limit not
        applied, a queued client never woken, or woken late."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        proxy = self.proxy_with([f"server db {db.host}:{db.port} maxconn 1",
                                 "timeout queue 10s"])
        first = harness.connect(harness.LOCAL, self.listen)
        self.assertEqual(harness.session_marker(first), "A")
        self.assertEqual(netprobe.established_to(db.port, db.host, proxy.pid), 1)

        sock, port = self.client()
        queued_at = time.monotonic()
        self.assertIsNone(netprobe.read_greeting(sock, 1.0),
                          "second client served past the server's maxconn")
        self.assertEqual(netprobe.established_to(db.port, db.host, proxy.pid), 1)
        closed_at = time.monotonic()
        first.close()
        greeting = netprobe.read_greeting(sock, 5)
        served_after = time.monotonic() - closed_at
        self.assertTrue(netprobe.is_handshake(greeting), greeting)
        # Woken by the freed slot, not at `timeout queue` (10 s).
        self.assertLess(served_after, LATE, "queued client woken late")
        sock.close()
        log = netprobe.tcplog_for_port(proxy, port)
        waited_ms = (closed_at - queued_at) * 1000
        self.assertEqual((log["srv"], log["ts"]), ("db", "--"), log["line"])
        # Tw starts at borealis's accept, which a busy machine may delay a
        # little after the client's connect returned.
        self.assert_between(log["tw"], waited_ms - 300,
                            waited_ms + LATE * 1000, "Tw (ms)")

    def test_server_maxconn_simultaneous_clients(self):
        """Four clients at once against `maxconn 1`: the server never sees
        more than one connection from the proxy.  Defect: the slot counted
        only once connected, so clients that pick the server during each
        other's connect all get through."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        proxy = self.proxy_with([f"server db {db.host}:{db.port} maxconn 1",
                                 "timeout queue 10s"], global_lines=["nbthread 1"])
        # Only the proxy's own connections to the server are counted.
        pid = proxy.pid
        socks = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((harness.LOCAL, self.listen))
            socks.append(s)
            self.addCleanup(s.close)
        # Watch the server side for 1.5 s (deliberately a window: what is
        # checked is something that must not happen).
        deadline = time.monotonic() + 1.5
        peak = 0
        while time.monotonic() < deadline:
            peak = max(peak, netprobe.established_to(db.port, db.host, pid))
            time.sleep(0.01)
        for s in socks:
            s.setblocking(True)
        # One client is served, however slow the machine (well within
        # `timeout queue 10s`), and one only.
        greeted = []

        def poll():
            for s in socks:
                if s not in greeted and \
                        netprobe.read_greeting(s, 0.01) is not None:
                    greeted.append(s)
            return greeted

        harness.wait_until(poll, 5, 0.05, "a client served")
        poll()
        peak = max(peak, netprobe.established_to(db.port, db.host, pid))
        self.assertEqual((len(greeted), peak), (1, 1),
                         "clients served at once past server maxconn 1")

    def test_timeout_queue_expires_with_sQ(self):
        """A client waiting for a full server longer than `timeout queue` is
        closed at that time, with nothing sent, logged `sQ` with Tw the time
        it queued and Tc -1.  Defect: no queue timeout (the client waits
        forever), the wrong timeout (`timeout connect`), or a wrong state."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        proxy = self.proxy_with([f"server db {db.host}:{db.port} maxconn 1",
                                 "timeout queue 1500ms"],
                                timeout_connect="5s")
        first = harness.connect(harness.LOCAL, self.listen)
        self.addCleanup(harness.close_quietly, first)
        self.assertEqual(harness.session_marker(first), "A")
        sock, port = self.client()
        took = netprobe.wait_closed(sock, 10)
        # Upper bounds stay below `timeout connect` (5 s), the wrong timer.
        self.assert_between(took, 1.45, 1.5 + LATE, "closed after")
        log = netprobe.tcplog_for_port(proxy, port)
        self.assertEqual((log["ts"], log["tc"], log["bytes"]),
                         ("sQ", -1, 0), log["line"])
        self.assert_between(log["tt"], 1480, 1500 + LATE * 1000, "Tt (ms)")
        # HAProxy: Tw is the time spent in the queue.
        self.assert_between(log["tw"], 1480, 1500 + LATE * 1000, "Tw (ms)")
        # The first session is untouched.
        self.assertEqual(harness.session_marker(first), "A")

    # -- no usable server ------------------------------------------------

    def test_nosrv_when_every_server_is_down(self):
        """Every server DOWN (checks refused): a client is closed at once,
        nothing sent, logged `<NOSRV>` with SC and -1/-1 timers.  Defect:
        clients sent to a DOWN server, held until `timeout connect`, or
        logged against a server."""
        port = silent_port()
        proxy = self.proxy_with([
            f"server gone {harness.LOCAL}:{port} check inter 200ms fall 1"])
        proxy.wait_for_log(r"Server be/gone is DOWN", 10)
        sock, client_port = self.client()
        took = netprobe.wait_closed(sock, 5)
        # "At once": well below `timeout connect` (3 s), the defect's time.
        self.assertLess(took, 1.5, "client with no usable server not "
                        "closed at once")
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"], log["tw"], log["tc"],
                          log["bytes"]), ("<NOSRV>", "SC", -1, -1, 0),
                         log["line"])
        self.assertLess(log["tt"], 1500, log["line"])

    def test_nosrv_when_the_only_server_is_disabled(self):
        """A `disabled` server (maintenance from the start, no checks): no
        connection attempt reaches it, the client is closed at once and
        logged `<NOSRV>`.  Defect: a disabled server still used."""
        port = silent_port()
        cap = self.capture(port)
        proxy = self.proxy_with(
            [f"server off {harness.LOCAL}:{port} disabled"])
        sock, client_port = self.client()
        self.assertLess(netprobe.wait_closed(sock, 5), 1.5)
        log = netprobe.tcplog_for_port(proxy, client_port)
        self.assertEqual((log["srv"], log["ts"]), ("<NOSRV>", "SC"),
                         log["line"])
        # Deliberately let time pass: no attempt may reach the port later.
        time.sleep(0.1)
        self.assertEqual(cap.settled_attempts(), [])


    def test_failed_connects_give_their_slot_back(self):
        """Server `maxconn 1`, nothing listening yet, `retries 1`: each
        client's first attempt is refused, and its retries must find the
        slot the attempt before gave back (the log says `SC` with retries,
        not `sQ`: a slot kept by a failed attempt would leave the retry
        queued behind the session's own slot). Then a listener comes up: the next
        client is served at once."""
        port = harness.free_port((harness.host(3),))
        proxy = self.proxy_with([f"server s {harness.host(3)}:{port} maxconn 1",
                                 "retries 1", "timeout queue 3s"],
                                timeout_connect="500ms")
        for _ in range(2):
            sock = socket.create_connection((harness.LOCAL, self.listen), 10)
            sock.settimeout(10)
            try:
                self.assertEqual(sock.recv(16), b"")
            except ConnectionResetError:
                pass
            sock.close()
        lines = harness.wait_until(
            lambda: len(harness.tcplog_lines(proxy.log(), "fe")) >= 2 and
            harness.tcplog_lines(proxy.log(), "fe"), 10, 0.05, "two log lines")
        for line in lines:
            self.assertEqual(line["state"], "SC", line)
            self.assertGreaterEqual(line["retries"], 1, line)
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(server.close)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((harness.host(3), port))
        server.listen(8)
        client = socket.create_connection((harness.LOCAL, self.listen), 5)
        self.addCleanup(client.close)
        server.settimeout(2.5)  # under `timeout queue`
        try:
            accepted, _ = server.accept()
        except socket.timeout:
            self.fail("the server's only slot was not given back by the "
                      "failed connections: the client waits in the queue")
        accepted.close()


class MysqlCheckFailuresTest(harness.E2ETestCase):
    """`option mysql-check user probe` against a real mariadbd."""

    INTER = 0.3

    def start_all(self, db):
        self.listen = harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    option mysql-check user probe post-41
    timeout check 2s
    server db {db.host}:{db.port} check inter {int(self.INTER * 1000)}ms fall 2 rise 2
"""
        proxy = self.start_proxy(config)
        harness.wait_until(
            lambda: harness.tcp_listening(harness.LOCAL, self.listen), 20,
            0.05, "proxy listening")
        return proxy

    def test_login_denied_marks_down_then_up(self):
        """A healthy server whose check user disappears: each check's login
        gets ERR 1045; the server goes DOWN after `fall` denied logins
        (counted by mariadbd), clients then get <NOSRV>; once the user
        exists again it comes back UP after `rise` good checks.  Defect: a
        check that only reads the greeting (never DOWN), DOWN before `fall`
        failures, UP before `rise` successes."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        db.execute("CREATE USER 'probe'@'%'")
        proxy = self.start_all(db)
        # Healthy: checks log in (each one a connection) and clients pass.
        connections = db.foreign_connections()
        harness.wait_until(lambda: db.foreign_connections() >= connections + 3,
                           10, 0.05, "three good checks")
        self.assertEqual(harness.cli_marker(harness.LOCAL, self.listen), "A")

        denied_before = db.status("Access_denied_errors")
        offset = proxy.log_offset()
        broken_at = time.monotonic()
        db.execute("DROP USER 'probe'@'%'")
        match = proxy.wait_for_log(
            r"Server be/db is DOWN, reason: Layer7 wrong status, "
            # borealis: info: "1045: ..."; HAProxy: code: 1045, info: "...
            r"(info: \"1045: |code: 1045, info: \"#28000)"
            r"Access denied for user 'probe'[^\n]*", 10, offset)
        took = time.monotonic() - broken_at
        denied = db.status("Access_denied_errors") - denied_before
        self.assertGreaterEqual(denied, 2, "DOWN before `fall 2` failures: "
                                + match.group(0))
        self.assertTrue(self.INTER - 0.05 <= took <= 2 * self.INTER + LATE,
                        f"DOWN {took:.2f}s after the user was dropped")
        sock = socket.create_connection((harness.LOCAL, self.listen), 5)
        self.addCleanup(sock.close)
        netprobe.wait_closed(sock, 2)
        port = sock.getsockname()[1]
        self.assertEqual(netprobe.tcplog_for_port(proxy, port)["srv"],
                         "<NOSRV>")

        offset = proxy.log_offset()
        fixed_at = time.monotonic()
        db.execute("CREATE USER 'probe'@'%'")
        proxy.wait_for_log(r"Server be/db is UP, reason: Layer7 check "
                           r"passed", 10, offset)
        took = time.monotonic() - fixed_at
        # rise 2: two good checks, `inter` apart.
        self.assertTrue(self.INTER - 0.05 <= took <= 2 * self.INTER + LATE,
                        f"UP {took:.2f}s after the fix")
        self.assertEqual(harness.cli_marker(harness.LOCAL, self.listen), "A")

    def test_error_greeting_marks_down_then_up(self):
        """mariadbd answers the connection with an error packet instead of
        a greeting (ERR 1130, host not allowed: no account matches the
        address the proxy connects from): DOWN with that error; back UP
        when an account allows the host.  Defect: an error packet taken for
        a greeting."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        # The proxy (and this test) connect to db.host from the address
        # the kernel picks, not from one they bind: mariadb-install-db's
        # root account for that address must go.
        source = harness.source_address(db.host)
        db.execute(f"DROP USER 'root'@'{source}', 'root'@'::1'",
                   "RENAME USER 'app'@'%' TO 'app'@'10.9.9.9'",
                   "CREATE USER 'probe'@'10.9.9.9'", "FLUSH PRIVILEGES")
        probe = socket.create_connection((db.host, db.port), 5)
        greeting = netprobe.read_greeting(probe, 5)
        probe.close()
        self.assertEqual(greeting[:3], b"\xff\x6a\x04", greeting)  # 1130
        proxy = self.start_all(db)
        proxy.wait_for_log(
            r"Server be/db is DOWN, reason: Layer7 wrong status, "
            r"(info: \"1130: |code: 1130, info: \")"
            rf"Host '{re.escape(source)}' is not allowed", 10)
        offset = proxy.log_offset()
        db.execute("RENAME USER 'probe'@'10.9.9.9' TO 'probe'@'%'",
                   "RENAME USER 'app'@'10.9.9.9' TO 'app'@'%'")
        proxy.wait_for_log(r"Server be/db is UP", 10, offset)
        self.assertEqual(harness.cli_marker(harness.LOCAL, self.listen), "A")


if __name__ == "__main__":
    unittest.main()
