"""Running out of file descriptors: when accept() fails for lack of
descriptors, borealis keeps serving the sessions it has, says so once (not
once per attempt), and accepts again as soon as descriptors free up."""

import shutil
import time
import unittest

import harness

PRLIMIT = shutil.which("prlimit") or "/usr/bin/prlimit"
DESCRIPTORS = 48


class LimitedProxy(harness.Proxy):
    """The proxy under test with a hard descriptor limit of DESCRIPTORS."""

    def _wrapped(self, argv):
        return super()._wrapped([PRLIMIT, f"--nofile={DESCRIPTORS}:{DESCRIPTORS}",
                                 "--"] + list(argv))


class DescriptorLimitTest(harness.E2ETestCase):

    def test_accept_failures_are_survived_and_reported_once(self):
        db = self.start_mariadb(host=harness.host(2))
        listen = harness.free_port()
        config = harness.base_config(timeout_client="60s",
                                     timeout_server="60s") + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        proxy = LimitedProxy(self.tmp)
        self.addCleanup(self._stop_proxy, proxy)
        proxy.start(config, wait=(harness.LOCAL, listen))

        # Each relayed session costs two descriptors: open sessions until
        # borealis runs out (new ones then fail or wait unserved).
        sessions = []
        self.addCleanup(lambda: [harness.close_quietly(c) for c in sessions])
        for _ in range(DESCRIPTORS):
            try:
                sessions.append(harness.connect(harness.LOCAL, listen,
                                                timeout=3))
            except Exception:  # noqa: BLE001 - expected once out of descriptors
                break
        self.assertGreater(len(sessions), 5)
        self.assertLess(len(sessions), DESCRIPTORS, "the limit was never reached")
        proxy.wait_for_log(r"accept failed: Too many open files")
        # A few more attempts while out of descriptors: no new lines.
        for _ in range(3):
            try:
                harness.close_quietly(harness.connect(harness.LOCAL, listen,
                                                      timeout=1))
            except Exception:  # noqa: BLE001 - expected
                pass
        # Deliberately let time pass (several retries of the accept loop,
        # 100 ms each): a line per retry must not appear.
        time.sleep(0.5)
        failures = proxy.log().count("accept failed: Too many open files")
        workers = 2
        self.assertLessEqual(failures, workers,
                             "the accept failure is logged once per episode")

        # The sessions it has keep working.
        for conn in sessions:
            self.assertEqual(harness.session_marker(conn), "db")

        # Descriptors free: new clients are served again.
        for conn in sessions[:10]:
            harness.close_quietly(conn)
        del sessions[:10]
        self.assertEqual(
            harness.wait_until(lambda: harness.marker(harness.LOCAL, listen,
                                                      timeout=3), 20, 0.2,
                               "a new client served after descriptors freed"),
            "db")
        proxy.wait_for_log(r"accepting again")
        self.assertTrue(proxy.running())


if __name__ == "__main__":
    unittest.main()
