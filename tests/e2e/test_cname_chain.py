"""A server name reached through a chain of CNAMEs ending in an A record.

db.cluster.test -> CNAME alias.cluster.test -> CNAME node.cluster.test -> A.
Changing the final A record moves new connections to the new address.
"""

import re
import unittest

import harness

NAME = "db.cluster.test"


class CnameChainTest(harness.E2ETestCase):

    def test_cname_chain_followed_and_final_target_moves(self):
        port = harness.free_port((harness.host(2), harness.host(3)))
        db_a = self.start_mariadb(host=harness.host(2), port=port, name="A")
        db_b = self.start_mariadb(host=harness.host(3), port=port, name="B")
        dns = self.start_dnsmasq(
            hosts={"node.cluster.test": db_a.host},
            cnames=[(NAME, "alias.cluster.test"),
                    ("alias.cluster.test", "node.cluster.test")])
        listen = harness.free_port()
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 {dns.host}:{dns.port}
    hold valid 1s
    timeout resolve 500ms
    timeout retry 500ms

frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {NAME}:{port} resolvers dns check inter 1s
"""
        # The proxy's private /etc/hosts deliberately points the name at B:
        # reaching A first proves that the CNAME chain in DNS was followed
        # (HAProxy resolves once through libc at start-up, then via DNS).
        proxy = self.start_proxy(config, wait=(harness.LOCAL, listen),
                                 etc_hosts={NAME: db_b.host})

        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, listen) == "A",
            20, 0.3, "connections through the CNAME chain to reach A")

        offset = proxy.log_offset()
        dns.set_hosts({"node.cluster.test": db_b.host})
        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, listen) == "B",
            20, 0.3, "connections to reach B after the A record moved")
        # HAProxy-compatible wording.
        proxy.wait_for_log(
            rf"changed its IP from {re.escape(db_a.host)} to "
            rf"{re.escape(db_b.host)}", 10, offset)


if __name__ == "__main__":
    unittest.main()
