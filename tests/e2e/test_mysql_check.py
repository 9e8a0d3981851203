"""`option mysql-check`: health checks that log in cleanly.

With `user haproxy_check post-41` the check performs a real (password-less)
login followed by QUIT, so mariadbd never counts an aborted connection and
never blocks the proxy's address (`--max-connect-errors=10` would block it
after 10 aborted handshakes, and then real clients would fail too).
"""

import unittest

import harness

CHECKS = 1000


class MysqlCheckTest(harness.E2ETestCase):

    def start_all(self, check_option):
        db = self.start_mariadb(host=harness.host(2), name="A",
                                extra_args=["--max-connect-errors=10"])
        # HAProxy's documented requirement: a user without password.
        db.execute("CREATE USER 'haproxy_check'@'%'")
        listen = harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    {check_option}
    # Checks every 10 ms; `timeout check` lets a slow login finish instead
    # of being cut at `inter` (which would abort it on the server's side).
    timeout check 2s
    server db {db.host}:{db.port} check inter 10ms
"""
        # No wait on the frontend port here: a TCP probe of the frontend
        # would itself open (and abort) a backend connection.  Readiness is
        # seen on the database side instead: checks arrive.
        before = db.foreign_connections()
        proxy = self.start_proxy(config)
        harness.wait_until(lambda: db.foreign_connections() >= before + 3,
                           20, 0.1, "health checks to reach mariadbd")
        return db, proxy, listen

    def test_mysql_check_with_user_logs_in_cleanly(self):
        db, proxy, listen = self.start_all(
            "option mysql-check user haproxy_check post-41")
        aborted = db.status("Aborted_connects")
        connections = db.foreign_connections()
        # Let at least CHECKS checks happen (bounded: 10 ms apart, plus
        # generous slack for a busy machine).
        harness.wait_until(
            lambda: db.foreign_connections() >= connections + CHECKS,
            120, 0.5, f"{CHECKS} health checks")
        self.assertEqual(db.status("Aborted_connects"), aborted,
                         "health checks left aborted connections")
        self.assertTrue(proxy.running())
        # A normal client still gets in, directly and through the proxy.
        self.assertEqual(harness.cli_marker(db.host, db.port), "A")
        harness.wait_port(harness.LOCAL, listen)
        self.assertEqual(harness.cli_marker(harness.LOCAL, listen), "A")
        # HAProxy's wording when the check fails would be "is DOWN".
        self.assertNotRegex(proxy.log(), r"be/db is DOWN")

    def test_mysql_check_greeting_only(self):
        # Without `user`, HAProxy only reads the server greeting and closes:
        # mariadbd counts those as aborted connects (not asserted), but the
        # server must stay UP and real clients must keep working.
        db, proxy, listen = self.start_all("option mysql-check")
        connections = db.foreign_connections()
        harness.wait_until(
            lambda: db.foreign_connections() >= connections + 50,
            60, 0.5, "50 health checks")
        self.assertEqual(harness.cli_marker(db.host, db.port), "A")
        harness.wait_port(harness.LOCAL, listen)
        self.assertEqual(harness.cli_marker(harness.LOCAL, listen), "A")
        self.assertNotRegex(proxy.log(), r"be/db is DOWN")


if __name__ == "__main__":
    unittest.main()
