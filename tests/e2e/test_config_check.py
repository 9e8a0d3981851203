"""Configuration checking: `$BOREALIS_BIN -c -q -f CONFIG`."""

import unittest

import harness
import test_post_scenario

# A .format template ({port}); the addresses are this process's.
VALID = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{{port}}
    default_backend be

backend be
    server db {harness.host(2)}:3306 check
"""


class ConfigCheckTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        # -c may resolve server names through libc (HAProxy does): the
        # proxy's private /etc/hosts answers for the post's name locally.
        self.proxy = harness.Proxy(
            self.tmp,
            etc_hosts={test_post_scenario.POST_NAME: harness.host(2)})

    def test_posts_config_unchanged_is_valid(self):
        text = test_post_scenario.post_config_text()
        rc, out, _ = self.proxy.check_config(text, "post.cfg")
        self.assertEqual(rc, 0, out)

    def test_valid_config(self):
        rc, out, _ = self.proxy.check_config(VALID.format(port=3306))
        self.assertEqual(rc, 0, out)

    def unknown_keyword_config(self):
        text = VALID.format(port=3306).replace(
            "    server db", "    frobnicate 12\n    server db")
        line = text.splitlines().index("    frobnicate 12") + 1
        return text, line

    def test_unknown_keyword_exit_code(self):
        text, _ = self.unknown_keyword_config()
        rc, out, _ = self.proxy.check_config(text, "unknown.cfg")
        self.assertEqual(rc, 1, out)

    def test_unknown_keyword_message(self):
        # HAProxy 2.6's -q also silences the error messages, so the message
        # is checked without -q:  "parsing [FILE:LINE] : unknown keyword
        # 'frobnicate' in 'backend' section" (HAProxy's wording).
        text, line = self.unknown_keyword_config()
        rc, out, _ = self.proxy.check_config(text, "unknown.cfg",
                                             quiet=False)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"\[[^\]]*cfg:\d+\]")
        self.assertRegex(out, r"\[[^\]]*unknown\.cfg:%d\]" % line)
        self.assertIn("frobnicate", out)
        self.assertRegex(out, r"unknown keyword 'frobnicate' in 'backend'"
                              r" section")

    def test_missing_default_backend(self):
        text = VALID.format(port=3306).replace(
            "default_backend be", "default_backend nosuchbackend")
        rc, out, _ = self.proxy.check_config(text, "nobackend.cfg")
        self.assertEqual(rc, 1, out)
        rc, out, _ = self.proxy.check_config(text, "nobackend.cfg",
                                             quiet=False)
        self.assertEqual(rc, 1, out)
        self.assertIn("nosuchbackend", out)

    def test_check_does_not_start_listening(self):
        port = harness.free_port()
        rc, out, _ = self.proxy.check_config(VALID.format(port=port))
        self.assertEqual(rc, 0, out)
        self.assertFalse(harness.port_accepts(harness.LOCAL, port))


if __name__ == "__main__":
    unittest.main()
