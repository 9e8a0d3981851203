"""A server name reached through a chain of CNAMEs ending in an A record.

db.cluster.test -> CNAME alias.cluster.test -> CNAME node.cluster.test -> A.
Changing the final A record moves new connections to the new address.
"""

import unittest

import harness

NAME = "db.cluster.test"


class CnameChainTest(harness.E2ETestCase):

    def test_cname_chain_followed_and_final_target_moves(self):
        port = harness.free_port(("127.0.0.2", "127.0.0.3"))
        db_a = self.start_mariadb(host="127.0.0.2", port=port, name="A")
        db_b = self.start_mariadb(host="127.0.0.3", port=port, name="B")
        dns = self.start_dnsmasq(
            hosts={"node.cluster.test": db_a.host},
            cnames=[(NAME, "alias.cluster.test"),
                    ("alias.cluster.test", "node.cluster.test")])
        listen = harness.free_port()
        config = harness.base_config() + f"""\
resolvers dns
    nameserver ns1 127.0.0.1:{dns.port}
    hold valid 1s
    timeout resolve 500ms
    timeout retry 500ms

frontend fe
    bind 127.0.0.1:{listen}
    default_backend be

backend be
    server db {NAME}:{port} resolvers dns check inter 1s
"""
        # The proxy's private /etc/hosts deliberately points the name at B:
        # reaching A first proves that the CNAME chain in DNS was followed
        # (HAProxy resolves once through libc at start-up, then via DNS).
        proxy = self.start_proxy(config, wait=("127.0.0.1", listen),
                                 etc_hosts={NAME: db_b.host})

        harness.wait_until(
            lambda: harness.cli_marker("127.0.0.1", listen) == "A",
            20, 0.3, "connections through the CNAME chain to reach A")

        offset = proxy.log_offset()
        dns.set_hosts({"node.cluster.test": db_b.host})
        harness.wait_until(
            lambda: harness.cli_marker("127.0.0.1", listen) == "B",
            20, 0.3, "connections to reach B after the A record moved")
        # HAProxy-compatible wording.
        proxy.wait_for_log(
            r"changed its IP from 127\.0\.0\.2 to 127\.0\.0\.3", 10, offset)


if __name__ == "__main__":
    unittest.main()
