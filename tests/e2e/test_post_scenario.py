"""The blog post's scenario, with the post's configuration unchanged.

The configuration from the post (/work/shared/seed/haproxy.cfg, or the
byte-identical copy in data/post-haproxy.cfg) is used with only addresses,
the server's DNS name and ports replaced.  A client reaches database A; the
DNS name then moves to database B; new connections must reach B while an
established session keeps working against A.
"""

import os
import re
import unittest

import harness

POST_NAME = ("sjkim-test.cluster-ckgbznranfhe.ap-northeast-2"
             ".rds.amazonaws.com")
DB_NAME = "db.cluster.test"


def post_config_text():
    source_dir = os.environ.get("BOREALIS_SOURCE_DIR")
    candidates = []
    if source_dir:
        candidates.append(os.path.join(source_dir, "..", "shared", "seed",
                                       "haproxy.cfg"))
    candidates.append(os.path.join(harness.HERE, "data", "post-haproxy.cfg"))
    for path in candidates:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    raise FileNotFoundError(candidates)


def adapt_post_config(text, dns_port, listen_port, server_port,
                      name=DB_NAME, dns_host=harness.LOCAL,
                      listen_host=harness.LOCAL):
    """Replace only addresses, the DNS name and ports in the post's config."""
    def sub_once(pattern, repl, s):
        out, n = re.subn(pattern, repl, s)
        if n != 1:
            raise AssertionError(f"pattern {pattern!r} matched {n} times")
        return out

    text = sub_once(r"nameserver public-0 10\.10\.0\.2:53",
                    f"nameserver public-0 {dns_host}:{dns_port}", text)
    # The post binds *:3306; tests only ever listen on their own loopback
    # address.
    text = sub_once(r"bind \*:3306", f"bind {listen_host}:{listen_port}",
                    text)
    text = sub_once(re.escape(POST_NAME) + r":3306",
                    f"{name}:{server_port}", text)
    # /dev/log does not exist on test machines: ADD a stderr log target to
    # `global` so the harness can read the log.  The post's own
    # `log /dev/log syslog info` line stays as it is.
    text = sub_once(r"(?m)^(log /dev/log syslog info)$",
                    r"\1\n" + harness.GLOBAL_LOG, text)
    return text


class PostScenarioTest(harness.E2ETestCase):

    def test_config_is_the_posts(self):
        text = post_config_text()
        adapted = adapt_post_config(text, 5353, 13306, 3307)
        # Everything except the replaced tokens and the added log line is
        # identical, including `check inter 10s` and `hold valid 3s`.
        self.assertIn("hold valid 3s", adapted)
        self.assertIn("resolvers mydns check inter 10s", adapted)
        self.assertEqual(len(text.splitlines()) + 1,
                         len(adapted.splitlines()))

    def test_name_moves_established_session_survives(self):
        port = harness.free_port((harness.host(2), harness.host(3)))
        db_a = self.start_mariadb(host=harness.host(2), port=port, name="A")
        db_b = self.start_mariadb(host=harness.host(3), port=port, name="B")
        dns = self.start_dnsmasq(hosts={DB_NAME: db_a.host})
        listen = harness.free_port()
        config = adapt_post_config(post_config_text(), dns.port, listen, port,
                                   dns_host=dns.host)
        proxy = self.start_proxy(config, wait=(harness.LOCAL, listen),
                                 etc_hosts={DB_NAME: db_a.host})

        # The command-line client reaches A through the proxy.
        rc, out, err = harness.mariadb_cli(harness.LOCAL, listen,
                                           "SELECT name FROM marker.m")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "A")

        # An established session, kept open across the move.
        session = harness.connect(harness.LOCAL, listen)
        self.addCleanup(harness.close_quietly, session)
        self.assertEqual(harness.session_marker(session), "A")

        # Move the name to B.
        offset = proxy.log_offset()
        dns.set_hosts({DB_NAME: db_b.host})

        # New connections reach B within a bounded time (resolution every
        # `hold valid 3s`, queries time out after the default 1s).
        harness.wait_until(
            lambda: harness.cli_marker(harness.LOCAL, listen) == "B",
            30, 0.3, "new connections to reach B")

        # The established session still works, still on A.
        self.assertEqual(harness.session_marker(session), "A")
        with session.cursor() as cur:
            cur.execute("SELECT 6 * 7")
            self.assertEqual(cur.fetchone()[0], 42)

        # HAProxy-compatible wording (borealis prints the same fragment).
        proxy.wait_for_log(
            rf"changed its IP from {re.escape(db_a.host)} to "
            rf"{re.escape(db_b.host)}", 10, offset)

        # And B really served a client through the proxy.
        self.assertGreaterEqual(db_b.foreign_connections(), 1)

        # The post's `log /dev/log` target: on a machine without a syslog
        # socket, borealis says so once and keeps running (borealis wording).
        if not harness.is_haproxy() and not os.path.exists("/dev/log"):
            self.assertEqual(
                proxy.log().count("cannot send logs to '/dev/log'"), 1,
                proxy.log())


if __name__ == "__main__":
    unittest.main()
