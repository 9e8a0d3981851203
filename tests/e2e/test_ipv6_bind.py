"""Listening on IPv6 loopback: `bind ::1:PORT` (and `bind [::1]:PORT`)."""

import unittest

import harness


class Ipv6BindTest(harness.E2ETestCase):

    def test_client_over_ipv6_loopback(self):
        db = self.start_mariadb(host=harness.host(2), name="A")
        port1 = harness.free_port(("::1",))
        port2 = harness.free_port(("::1",))
        config = harness.base_config() + f"""\
frontend fe6
    bind ::1:{port1}
    default_backend be

frontend fe6b
    bind [::1]:{port2}
    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        proxy = self.start_proxy(config, wait=[("::1", port1),
                                               ("::1", port2)])
        rc, out, err = harness.mariadb_cli("::1", port1,
                                           "SELECT name FROM marker.m")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "A")
        self.assertEqual(harness.marker("::1", port2), "A")
        # Not reachable over IPv4: the listener is IPv6 loopback only.
        # (Asked on this process's own IPv4 address: nothing else of ours
        # listens there on that port.)
        self.assertFalse(harness.port_accepts(harness.LOCAL, port1))
        # The proxy's tcplog names the IPv6 client address (HAProxy's tcplog
        # format starts with "client_ip:client_port [").
        proxy.wait_for_log(r"(?m)^::1:\d+ \[", 10)


if __name__ == "__main__":
    unittest.main()
