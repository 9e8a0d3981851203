"""Load balancing: `balance roundrobin` and a `backup` server."""

import unittest

import harness


class BalanceTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        port = harness.free_port((harness.host(2), harness.host(3)))
        self.db_a = self.start_mariadb(host=harness.host(2), port=port,
                                       name="A")
        self.db_b = self.start_mariadb(host=harness.host(3), port=port,
                                       name="B")
        self.listen = harness.free_port()

    def config(self, backend_lines):
        body = "".join(f"    {line}\n" for line in backend_lines)
        return harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
{body}"""

    def test_roundrobin_alternates(self):
        a, b = self.db_a, self.db_b
        self.start_proxy(self.config([
            "balance roundrobin",
            f"server a {a.host}:{a.port}",
            f"server b {b.host}:{b.port}",
        ]), wait=(harness.LOCAL, self.listen))
        # Sequential connections share the load.  Exact alternation is not
        # asserted from the first turn: the readiness probe may or may not
        # have taken a turn, and HAProxy's weighted round-robin tree may
        # serve the same server twice at start.  No server gets 3 in a row.
        seen = [harness.marker(harness.LOCAL, self.listen) for _ in range(10)]
        self.assertGreaterEqual(seen.count("A"), 4, seen)
        self.assertGreaterEqual(seen.count("B"), 4, seen)
        for i in range(len(seen) - 2):
            self.assertFalse(seen[i] == seen[i + 1] == seen[i + 2],
                             f"same server 3 times in a row: {seen}")

    def test_backup_used_only_when_primary_down(self):
        a, b = self.db_a, self.db_b
        proxy = self.start_proxy(self.config([
            "balance roundrobin",
            f"server a {a.host}:{a.port} check inter 300ms fall 2 rise 2",
            f"server b {b.host}:{b.port} check inter 300ms backup",
        ]), wait=(harness.LOCAL, self.listen))
        seen = [harness.marker(harness.LOCAL, self.listen) for _ in range(4)]
        self.assertEqual(seen, ["A"] * 4)

        offset = proxy.log_offset()
        a.stop()
        proxy.wait_for_log(r"be/a is DOWN", 15, offset)  # HAProxy wording
        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, self.listen) == "B",
            15, 0.2, "the backup server to take over")

        offset = proxy.log_offset()
        a.start()
        proxy.wait_for_log(r"be/a is UP", 15, offset)  # HAProxy wording
        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, self.listen) == "A",
            15, 0.2, "the primary server to be used again")
        seen = [harness.marker(harness.LOCAL, self.listen) for _ in range(3)]
        self.assertEqual(seen, ["A"] * 3)


if __name__ == "__main__":
    unittest.main()
