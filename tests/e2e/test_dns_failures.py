"""DNS failures other than NXDOMAIN, each with its own `hold`, and
`server-template` slots sharing the addresses of one name.

borealis's nameserver is a UDP address the test owns (netprobe.DnsRelay):
it forwards to dnsmasq and back, records every query and answer with its
time, and can stop answering (a dead nameserver), unbind its port (nothing
listens: ICMP port unreachable) or answer SERVFAIL itself.  REFUSED comes
from dnsmasq itself: a name outside `.test` that leaves dnsmasq's hosts file
has no upstream server to go to.

For every failure kind the hold under test is short and every other hold
long, so a status mapped to the wrong hold shows as a late maintenance; the
maintenance time is measured from the last valid answer the relay passed
on, and must come neither before the hold nor long after it.
"""

import socket
import time
import unittest

import harness
import netprobe

TEST_NAME = "db.cluster.test"
EXAMPLE_NAME = "db.cluster.example"   # outside .test: REFUSED when unknown
INTERVAL = 0.5      # timeout resolve
RETRY = 0.3         # timeout retry
RETRIES = 3         # resolve_retries
LONG = 60           # the holds that must not apply
LATE = 2.5          # lateness allowed for a loaded machine (seconds)


class DnsFailuresTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        self.db = self.start_mariadb(host=harness.host(2), name="A")
        self.dns = self.start_dnsmasq(hosts={TEST_NAME: self.db.host,
                                             EXAMPLE_NAME: self.db.host})
        self.relay = netprobe.DnsRelay((self.dns.host, self.dns.port))
        self.addCleanup(self.relay.stop)
        self.listen = harness.free_port()

    def start(self, name, holds):
        h = {"nx": LONG, "timeout": LONG, "refused": LONG, "other": LONG}
        h.update(holds)
        lines = "".join(f"    hold {k} {int(v * 1000)}ms\n"
                        for k, v in h.items())
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 {self.relay.host}:{self.relay.port}
    hold valid 1s
{lines}    resolve_retries {RETRIES}
    timeout resolve {int(INTERVAL * 1000)}ms
    timeout retry {int(RETRY * 1000)}ms

frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    server db {name}:{self.db.port} resolvers dns resolve-prefer ipv4 init-addr none
"""
        self.name = name
        self.proxy = self.start_proxy(config, etc_hosts={name: self.db.host})
        self.proxy_log = netprobe.LogWatcher(self.proxy.log_path)
        self.addCleanup(self.proxy_log.stop)
        harness.wait_until(
            lambda: harness.marker(harness.LOCAL, self.listen, timeout=2)
            == "A", 20, 0.1, "the server to be resolved and reachable")
        # Valid answers keep flowing through the relay.
        since = time.monotonic()
        harness.wait_until(
            lambda: len(self.valid_answers(since)) >= 2, 10, 0.02,
            "two valid answers through the relay")

    def valid_answers(self, since=0.0):
        return [a for a in self.relay.answers_for(self.name, "A", since)
                if a["rcode"] == "NOERROR" and a["answers"] > 0]

    def last_valid_before(self, moment):
        valid = [a["t"] for a in self.valid_answers() if a["t"] < moment]
        self.assertTrue(valid, "no valid answer before the failure")
        return valid[-1]

    def resolutions(self, since):
        """A queries since `since`, one group per resolution, in order: a
        resolution's tries follow each other `timeout retry` apart, the
        next resolution comes `timeout resolve` after the last try.  (Not
        grouped by query id: a retry may go out under a new id.)"""
        split = RETRY + INTERVAL / 2
        groups = []
        for q in self.relay.queries_for(self.name, qtype="A", since=since):
            if groups and q["t"] - groups[-1][-1] < split:
                groups[-1].append(q["t"])
            else:
                groups.append([q["t"]])
        return groups

    def still_served(self):
        self.assertEqual(harness.marker(harness.LOCAL, self.listen, timeout=5),
                         "A", "server not usable during the hold")
        self.assertEqual(
            self.proxy_log.matching("going DOWN for maintenance"), [])

    def wait_maintenance(self, reason_regex, since, timeout=20):
        (down_at, line), = self.proxy_log.wait_for(
            rf"be/db is going DOWN for maintenance \({reason_regex}\)",
            timeout, since)
        return down_at, line

    def assert_held(self, held, hold, resolution_time, what):
        # Not before the hold; not long after it (the other holds, LONG,
        # stay far out of reach).
        low = hold - 0.15
        high = hold + resolution_time + INTERVAL + LATE
        print(f"\n  {what}: maintenance {held:.2f}s after the last valid "
              f"answer (hold {hold}s)")
        self.assertTrue(low <= held <= high,
                        f"{what}: maintenance {held:.2f}s after the last "
                        f"valid answer, expected within [{low:.2f}, "
                        f"{high:.2f}]")

    def assert_unusable_then_back(self, restore):
        sock = socket.create_connection((harness.LOCAL, self.listen), 5)
        self.addCleanup(sock.close)
        # Closed at once: well before `timeout connect` (3 s).
        self.assertLess(netprobe.wait_closed(sock, 5), 1.5)
        log = netprobe.tcplog_for_port(self.proxy, sock.getsockname()[1])
        self.assertEqual((log["srv"], log["ts"]), ("<NOSRV>", "SC"),
                         log["line"])
        back = time.monotonic()
        restore()
        (up_at, _), = self.proxy_log.wait_for(
            rf"Server be/db \('{self.name}'\) is UP/READY \(resolves again\)",
            15, back)
        self.assertLess(up_at - back,
                        INTERVAL + RETRIES * RETRY + INTERVAL + LATE)
        self.assertEqual(harness.marker(harness.LOCAL, self.listen), "A")

    # -- no answer -------------------------------------------------------

    def test_timeout_hold_with_silent_nameserver(self):
        """The nameserver stops answering: the address is held for `hold
        timeout`, the server stays usable meanwhile, then goes to
        maintenance (DNS timeout status), and back when answers return.
        Defect: a timeout taken as another status (wrong hold), no hold,
        a hold counted from the wrong moment."""
        hold = 5.0
        self.start(TEST_NAME, {"timeout": hold})
        switched = self.relay.set_mode("drop")
        last_valid = self.last_valid_before(switched + 0.001)
        # A first resolution fails (its retries exhausted) and a second
        # one starts: the failure has been seen and applied.
        harness.wait_until(lambda: len(self.resolutions(switched)) >= 3, 10,
                           0.02, "a second resolution after a timeout")
        self.assertLess(time.monotonic(), last_valid + hold - 0.7,
                        "machine too slow to look inside the hold")
        self.still_served()
        down_at, _ = self.wait_maintenance("DNS timeout status", switched)
        self.assert_held(down_at - last_valid, hold, RETRIES * RETRY,
                         "silent nameserver")
        self.assert_unusable_then_back(
            lambda: self.relay.set_mode("forward"))

    def test_timeout_queries_spaced_by_timeout_retry(self):
        """A resolution that gets no answer sends `resolve_retries` queries
        spaced by `timeout retry` (HAProxy's definition, and borealis's
        documentation), then the next resolution `timeout resolve` later.
        Defect: exponential back-off between tries (c-ares's default),
        which stretches a failed resolution and every hold decision."""
        self.start(TEST_NAME, {})
        switched = self.relay.set_mode("drop")
        harness.wait_until(lambda: len(self.resolutions(switched)) >= 3, 15,
                           0.02, "two resolutions without an answer")
        first = self.resolutions(switched)[0]
        self.assertEqual(len(first), RETRIES,
                         f"tries of one query: {first}")
        gaps = [round(b - a, 3) for a, b in zip(first, first[1:])]
        # Upper bound below 2 * RETRY, the doubled timeout of the defect.
        for gap in gaps:
            self.assertTrue(RETRY - 0.05 <= gap <= RETRY + 0.25,
                            f"tries {gaps} s apart, `timeout retry` is "
                            f"{RETRY}s")
        # The next resolution: after the last try's `timeout retry` and
        # one `timeout resolve`.
        later = [g[0] for g in self.resolutions(switched) if g[0] > first[-1]]
        self.assertTrue(later)
        pause = later[0] - first[-1]
        self.assertTrue(RETRY + INTERVAL - 0.05 <= pause
                        <= RETRY + INTERVAL + 1.0,
                        f"next resolution {pause:.2f}s after the last try")

    def test_timeout_hold_when_nothing_listens(self):
        """The nameserver's port is closed (ICMP port unreachable): as a
        timeout, held for `hold timeout`.  Defect: the refusal of the UDP
        port taken for another status, or no hold at all."""
        hold = 3.0
        self.start(TEST_NAME, {"timeout": hold})
        switched = self.relay.set_mode("closed")
        last_valid = self.last_valid_before(switched + 0.001)
        # A deliberate wait: look 1.5 s into the 3 s hold.
        time.sleep(max(0.0, last_valid + 1.5 - time.monotonic()))
        self.still_served()
        down_at, _ = self.wait_maintenance("DNS timeout status", switched)
        self.assert_held(down_at - last_valid, hold, RETRIES * RETRY,
                         "closed nameserver port")
        self.assert_unusable_then_back(
            lambda: self.relay.set_mode("forward"))

    # -- error answers ---------------------------------------------------

    def test_refused_hold(self):
        """dnsmasq answers REFUSED once the name leaves its hosts file (no
        upstream for it): held for `hold refused`, then maintenance (DNS
        refused status).  Defect: REFUSED taken as NX/other, or retried
        elsewhere instead of reported."""
        hold = 3.0
        self.start(EXAMPLE_NAME, {"refused": hold})
        switched = time.monotonic()
        self.dns.set_hosts({TEST_NAME: self.db.host})
        harness.wait_until(
            lambda: self.relay.answers_for(EXAMPLE_NAME, "A", switched,
                                           "REFUSED"), 10, 0.01,
            "dnsmasq to answer REFUSED")
        first = self.relay.answers_for(EXAMPLE_NAME, "A", switched,
                                       "REFUSED")[0]["t"]
        last_valid = self.last_valid_before(first)
        harness.wait_until(
            lambda: len(self.relay.answers_for(EXAMPLE_NAME, "A", switched,
                                               "REFUSED")) >= 2, 10, 0.01,
            "a second REFUSED answer")
        self.assertLess(time.monotonic(), last_valid + hold - 0.7,
                        "machine too slow to look inside the hold")
        self.still_served()
        down_at, _ = self.wait_maintenance("DNS refused status", switched)
        self.assert_held(down_at - last_valid, hold, 0.0, "REFUSED")
        self.assert_unusable_then_back(
            lambda: self.dns.set_hosts({TEST_NAME: self.db.host,
                                        EXAMPLE_NAME: self.db.host}))

    def test_servfail_hold(self):
        """SERVFAIL answers: held for `hold other`, then maintenance, logged
        in HAProxy's words ("unspecified DNS error").  Defect: SERVFAIL
        taken as NX/refused/timeout (wrong hold)."""
        hold = 3.0
        self.start(TEST_NAME, {"other": hold})
        switched = self.relay.set_mode("SERVFAIL")
        last_valid = self.last_valid_before(switched + 0.001)
        harness.wait_until(
            lambda: len(self.relay.answers_for(TEST_NAME, "A", switched,
                                               "SERVFAIL")) >= 2, 10, 0.01,
            "two SERVFAIL answers")
        self.assertLess(time.monotonic(), last_valid + hold - 0.7,
                        "machine too slow to look inside the hold")
        self.still_served()
        down_at, line = self.wait_maintenance(
            "unspecified DNS error|DNS unspecified status", switched)
        self.assert_held(down_at - last_valid, hold, 0.0, "SERVFAIL")
        self.assert_unusable_then_back(
            lambda: self.relay.set_mode("forward"))
        # HAProxy 2.6 logs "Server be/db is going DOWN for maintenance
        # (unspecified DNS error)" (srv_adm_st_chg_cause_str).
        self.assertIn("(unspecified DNS error)", line,
                      "maintenance reason not in HAProxy's words")


class ServerTemplateTest(harness.E2ETestCase):
    """`server-template` slots share one name's A records, one per slot."""

    def test_addresses_spread_over_slots(self):
        """Three A records over four slots: each record serves exactly one
        slot, the fourth slot gets none (and no connection); a record that
        leaves the answer takes only its slot to maintenance, the others
        keep their address; when it returns a slot serves it again.
        Defect: two slots on one address, a slot without address used,
        addresses reshuffled between slots on a change."""
        port = harness.free_port((harness.host(2), harness.host(3),
                                  harness.host(4)))
        dbs = {m: self.start_mariadb(host=h, port=port, name=m)
               for m, h in (("A", harness.host(2)), ("B", harness.host(3)),
                            ("C", harness.host(4)))}
        name = "pool.cluster.test"
        all_hosts = [db.host for db in dbs.values()]
        dns = self.start_dnsmasq(hosts={name: all_hosts})
        listen = harness.free_port()
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 {dns.host}:{dns.port}
    hold valid 1s
    timeout resolve {int(INTERVAL * 1000)}ms
    timeout retry 300ms

frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    balance roundrobin
    server-template srv 4 {name}:{port} resolvers dns resolve-prefer ipv4 init-addr none
"""
        proxy = self.start_proxy(config, etc_hosts={name: all_hosts[0]})

        def slot_map(count):
            """marker -> set of slots that served it, over `count`
            connections (each session's slot read from its tcplog line)."""
            seen = {}
            for _ in range(count):
                conn = harness.connect(harness.LOCAL, listen)
                client_port = conn._sock.getsockname()[1]
                marker = harness.session_marker(conn)
                conn.close()
                log = netprobe.tcplog_for_port(proxy, client_port)
                seen.setdefault(marker, set()).add(log["srv"])
            return seen

        harness.wait_until(
            lambda: set(slot_map(6)) == {"A", "B", "C"}, 20, 0.2,
            "every address to be served")
        seen = slot_map(12)
        self.assertEqual(set(seen), {"A", "B", "C"}, seen)
        for marker, slots in seen.items():
            self.assertEqual(len(slots), 1,
                             f"address of {marker} on several slots: {seen}")
        slots = {marker: next(iter(s)) for marker, s in seen.items()}
        self.assertEqual(len(set(slots.values())), 3, seen)
        self.assertNotIn("srv4", slots.values())

        # B leaves the answer: only its slot goes to maintenance.
        offset = proxy.log_offset()
        dns.set_hosts({name: [dbs["A"].host, dbs["C"].host]})
        proxy.wait_for_log(
            rf"be/{slots['B']} is going DOWN for maintenance", 10, offset)
        # Deliberately let two polls pass: the other slots must not move.
        time.sleep(2 * INTERVAL)
        changes = proxy.log()[offset:]
        self.assertNotRegex(changes, r"changed its IP",
                            "addresses moved between slots")
        for marker in ("A", "C"):
            self.assertNotRegex(
                changes, rf"be/{slots[marker]} is going DOWN",
                f"slot of {marker} disturbed by B leaving")
        seen = slot_map(6)
        self.assertEqual({m: s for m, s in seen.items()},
                         {"A": {slots["A"]}, "C": {slots["C"]}}, seen)

        # B returns: a slot without address takes it and serves it.
        offset = proxy.log_offset()
        dns.set_hosts({name: all_hosts})
        proxy.wait_for_log(r"is UP/READY \(resolves again\)", 10, offset)
        harness.wait_until(lambda: "B" in slot_map(3), 10, 0.1,
                           "B served again")
        seen = slot_map(9)
        self.assertEqual(set(seen), {"A", "B", "C"}, seen)
        self.assertEqual(seen["A"], {slots["A"]})
        self.assertEqual(seen["C"], {slots["C"]})
        self.assertEqual(len(seen["B"]), 1)
        self.assertNotIn(next(iter(seen["B"])), (slots["A"], slots["C"]))


if __name__ == "__main__":
    unittest.main()
