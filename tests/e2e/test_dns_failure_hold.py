"""DNS failure: the last good address is held, then the server goes to
maintenance, and comes back when the name resolves again.

HAProxy semantics (`hold nx <period>` in a resolvers section): when the
name server answers NXDOMAIN, the server keeps its last resolved address
while the last valid answer is younger than `hold nx`; the first resolution
after that puts it in maintenance ("is going DOWN for maintenance (DNS NX
status)") and new connections fail.  When the name resolves again the server
leaves maintenance and connections work again.

Timing is taken from both programs' own records: dnsmasq's query log (it
runs with --log-queries; netprobe.LogWatcher stamps each line when it
appears) gives when borealis last got a valid answer and when it got NX
answers; borealis's log gives when it went to maintenance.  The other holds
are set far longer, so a failure status mapped to the wrong hold shows.
"""

import re
import socket
import time
import unittest

import harness
import netprobe

NAME = "db.cluster.test"
HOLD_NX = 4.0         # seconds
INTERVAL = 0.5        # timeout resolve
OTHER_HOLDS = 60      # hold timeout / refused / other: never reached here
LATE = 2.5            # lateness allowed for a loaded machine (seconds)


class DnsFailureHoldTest(harness.E2ETestCase):

    def test_nxdomain_hold_then_maintenance_then_back(self):
        """Defects caught: no hold (maintenance at the first NX), a hold
        shorter or much longer than `hold nx`, the hold of another status
        used for NX, a server unusable during the hold, connections still
        sent to it in maintenance, no way back when the name returns."""
        db = self.start_mariadb(host=harness.host(2), name="A")
        dns = self.start_dnsmasq(hosts={NAME: db.host})
        dns_log = netprobe.LogWatcher(dns.process.log_path)
        self.addCleanup(dns_log.stop)
        listen = harness.free_port()
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 {dns.host}:{dns.port}
    hold valid 1s
    hold nx {int(HOLD_NX * 1000)}ms
    hold timeout {OTHER_HOLDS}s
    hold refused {OTHER_HOLDS}s
    hold other {OTHER_HOLDS}s
    timeout resolve {int(INTERVAL * 1000)}ms
    timeout retry 500ms

frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {NAME}:{db.port} resolvers dns init-addr none
"""
        proxy = self.start_proxy(config, etc_hosts={NAME: db.host})
        proxy_log = netprobe.LogWatcher(proxy.log_path)
        self.addCleanup(proxy_log.stop)
        harness.wait_until(
            lambda: harness.marker(harness.LOCAL, listen, timeout=2) == "A",
            20, 0.1, "the server to be resolved and reachable")
        # borealis polls the name: valid answers keep coming.
        dns_log.wait_for(rf"{NAME} is {re.escape(db.host)}", 10,
                         time.monotonic(), 2)

        # The name disappears: dnsmasq now answers NXDOMAIN.
        switched = time.monotonic()
        dns.set_hosts({})
        (first_nx, _), = dns_log.wait_for(rf"config {NAME} is NXDOMAIN", 10,
                                          switched)
        # The last valid answer borealis got: dnsmasq's last answer line
        # for the name before the first NX (A, or AAAA's NODATA).
        valid = [t for t, line in dns_log.matching(
            rf"({NAME} is {re.escape(db.host)}|config {NAME} is NODATA)")
            if t < first_nx]
        self.assertTrue(valid, "no valid answer logged before the NX")
        last_valid = valid[-1]

        # borealis keeps asking (A queries of two more resolutions) ...
        dns_log.wait_for(rf"query\[A\] {NAME} ", 10, first_nx + 0.01, 2)
        self.assertLess(time.monotonic(), last_valid + HOLD_NX - 1.0,
                        "machine too slow to look inside the hold")
        # ... and within `hold nx` new connections still reach the server:
        # early in the hold,
        self.assertEqual(harness.marker(harness.LOCAL, listen, timeout=5), "A")
        # and late in it (HOLD_NX - 0.6 s after the last valid answer: a
        # deliberate wait for that moment).
        time.sleep(max(0.0, last_valid + HOLD_NX - 0.6 - time.monotonic()))
        self.assertEqual(harness.marker(harness.LOCAL, listen, timeout=5), "A")
        self.assertEqual(proxy_log.matching("going DOWN for maintenance"), [])

        # HAProxy 2.6 wording: "Server be/db is going DOWN for maintenance
        # (DNS NX status). 0 active and 0 backup servers left. ..."
        (down_at, _), = proxy_log.wait_for(
            r"be/db is going DOWN for maintenance \(DNS NX status\)",
            HOLD_NX + 10, switched)
        held = down_at - last_valid
        print(f"\n  maintenance {held:.2f}s after the last valid answer "
              f"(hold nx {HOLD_NX}s, first NX {first_nx - last_valid:.2f}s "
              "after it)")
        # Not before `hold nx`, and at the first poll after it (one
        # `timeout resolve`, plus LATE for a busy machine; the other holds,
        # 60 s, stay far out of reach).
        self.assertGreaterEqual(held, HOLD_NX - 0.15,
                                f"maintenance {held:.2f}s after the last "
                                f"valid answer, hold nx is {HOLD_NX}s")
        self.assertLessEqual(held, HOLD_NX + INTERVAL + LATE,
                             f"maintenance {held:.2f}s after the last "
                             f"valid answer, hold nx is {HOLD_NX}s")

        # In maintenance: a new client is closed at once (well before
        # `timeout connect`, 3 s), nothing sent, and nothing reaches the
        # server.
        sock = socket.create_connection((harness.LOCAL, listen), timeout=5)
        self.addCleanup(sock.close)
        self.assertLess(netprobe.wait_closed(sock, 5), 1.5)
        port = sock.getsockname()[1]
        log = netprobe.tcplog_for_port(proxy, port)
        self.assertEqual((log["srv"], log["ts"]), ("<NOSRV>", "SC"),
                         log["line"])
        rc, _, _ = harness.mariadb_cli(harness.LOCAL, listen, "SELECT 1")
        self.assertNotEqual(rc, 0)

        # The name comes back: the server leaves maintenance at the next
        # poll, and connections work again.
        back = time.monotonic()
        dns.set_hosts({NAME: db.host})
        # HAProxy 2.6 wording: "Server be/db ('db.cluster.test') is
        # UP/READY (resolves again)."
        (up_at, _), = proxy_log.wait_for(
            rf"Server be/db \('{NAME}'\) is UP/READY \(resolves again\)",
            10, back)
        self.assertLess(up_at - back, INTERVAL + LATE)
        self.assertEqual(harness.cli_marker(harness.LOCAL, listen), "A")


if __name__ == "__main__":
    unittest.main()
