"""DNS failure: the last good address is held, then the server goes to
maintenance, and comes back when the name resolves again.

HAProxy semantics (`hold nx <period>` in a resolvers section): when the
name server answers NXDOMAIN, the server keeps its last resolved address for
`hold nx`; after that the server is put in maintenance ("is going DOWN for
maintenance") and new connections fail.  When the name resolves again the
server leaves maintenance and connections work again.
"""

import unittest

import pymysql

import harness

NAME = "db.cluster.test"
HOLD_NX = 10  # seconds; generous so the "still held" check is not racy


class DnsFailureHoldTest(harness.E2ETestCase):

    def test_nxdomain_hold_then_maintenance_then_back(self):
        db = self.start_mariadb(host="127.0.0.2", name="A")
        dns = self.start_dnsmasq(hosts={NAME: db.host})
        listen = harness.free_port()
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 127.0.0.1:{dns.port}
    hold valid 1s
    hold nx {HOLD_NX}s
    timeout resolve 500ms
    timeout retry 500ms

frontend fe
    bind 127.0.0.1:{listen}
    default_backend be

backend be
    server db {NAME}:{db.port} resolvers dns check inter 1s
"""
        proxy = self.start_proxy(config, wait=("127.0.0.1", listen),
                                 etc_hosts={NAME: db.host})
        self.assertEqual(harness.marker("127.0.0.1", listen), "A")

        # The name disappears: dnsmasq now answers NXDOMAIN (rcode 3).
        offset = proxy.log_offset()
        dns.set_hosts({})
        harness.wait_until(
            lambda: harness.dns_query("127.0.0.1", dns.port, NAME) == 3,
            10, 0.1, "dnsmasq to answer NXDOMAIN")

        # Within `hold nx` the last good address is still used.
        self.assertEqual(harness.marker("127.0.0.1", listen), "A")

        # After the hold the server goes to maintenance.
        # HAProxy 2.6 wording: "Server be/db is going DOWN for maintenance
        # (DNS NX status). 0 active and 0 backup servers left. ..."
        proxy.wait_for_log(
            r"be/db is going DOWN for maintenance \(DNS NX status\)",
            HOLD_NX + 20, offset)

        # Connections through the proxy now fail, promptly (bounded by the
        # client's own timeout, not by a timed assertion).
        def connection_fails():
            try:
                harness.marker("127.0.0.1", listen, timeout=10)
            except pymysql.err.OperationalError:
                return True
            return False
        harness.wait_until(connection_fails, 10, 0.2,
                           "connections to fail while in maintenance")
        rc, _, _ = harness.mariadb_cli("127.0.0.1", listen, "SELECT 1")
        self.assertNotEqual(rc, 0)

        # The name comes back: the server leaves maintenance.
        offset = proxy.log_offset()
        dns.set_hosts({NAME: db.host})
        harness.wait_until(
            lambda: harness.cli_marker("127.0.0.1", listen) == "A",
            20, 0.3, "connections to work again once the name resolves")
        # HAProxy 2.6 wording: "Server be/db ('db.cluster.test') is
        # UP/READY (resolves again)."; only the "is UP" fragment is asserted.
        proxy.wait_for_log(r"be/db .*is UP", 10, offset)


if __name__ == "__main__":
    unittest.main()
