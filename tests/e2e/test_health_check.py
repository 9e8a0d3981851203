"""TCP health checks: a stopped server is marked DOWN, a restarted one UP."""

import unittest

import harness


class HealthCheckTest(harness.E2ETestCase):

    def test_down_then_up(self):
        db = self.start_mariadb(host=harness.host(2), name="A")
        listen = harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {db.host}:{db.port} check inter 500ms fall 2 rise 2
"""
        proxy = self.start_proxy(config, wait=(harness.LOCAL, listen))
        self.assertEqual(harness.cli_marker(harness.LOCAL, listen), "A")

        offset = proxy.log_offset()
        db.stop()
        # HAProxy-compatible wording: "Server be/db is DOWN, reason: ..."
        proxy.wait_for_log(r"be/db is DOWN", 15, offset)
        rc, _, _ = harness.mariadb_cli(harness.LOCAL, listen, "SELECT 1")
        self.assertNotEqual(rc, 0)

        offset = proxy.log_offset()
        db.start()
        # HAProxy-compatible wording: "Server be/db is UP, reason: ..."
        proxy.wait_for_log(r"be/db is UP", 15, offset)
        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, listen) == "A",
            15, 0.2, "connections to work again")


if __name__ == "__main__":
    unittest.main()
