"""Serverless database: bad configurations fail at start (exit 1, a clear
message on stderr), and `-c -q -f` exit codes for database sections."""

import os
import re
import subprocess

import harness


class ServerlessConfigErrorsTest(harness.ServerlessTestCase):

    def _config(self, **section):
        section.setdefault("datadir", self.tmp.join("data"))
        return harness.serverless_config(
            harness.free_port(), harness.database_section(**section))

    def _run_fails(self, config_text, name="bad"):
        """Start borealis with `config_text`; it must exit 1 by itself.
        Returns its output."""
        proxy = harness.Proxy(self.tmp, name=name, expect_exit=1)
        self.addCleanup(proxy.stop)
        proxy.start(config_text)
        rc = proxy.wait(30)
        self.assertIsNotNone(rc, "borealis still running with a bad config:"
                             f"\n{proxy.log()}")
        self.assertEqual(rc, 1, proxy.log())
        return proxy.log()

    # parse errors ----------------------------------------------------------
    def test_capacity_max_below_min(self):
        text = self._config(capacity="4 2")
        out = self._run_fails(text)
        self.assertRegex(out, r"bad\.cfg:\d+\] : 'capacity' : maximum 2 "
                              r"is below minimum 4\.")
        rc, check_out, _ = harness.Proxy(self.tmp).check_config(text)
        self.assertEqual(rc, 1)
        self.assertIn("maximum 2 is below minimum 4", check_out)

    def test_unknown_engine(self):
        text = self._config(engine="postgres")
        out = self._run_fails(text)
        self.assertIn("'engine' expects 'mariadb' or 'exec', got "
                      "'postgres'.", out)
        rc, _, _ = harness.Proxy(self.tmp).check_config(text)
        self.assertEqual(rc, 1)

    # start-up errors (the file itself is valid) ------------------------------
    def test_datadir_cannot_be_created(self):
        afile = self.tmp.write("afile", "not a directory\n")
        datadir = os.path.join(afile, "data")
        text = self._config(datadir=datadir)
        out = self._run_fails(text)
        self.assertIn(f"database app: cannot create data directory "
                      f"'{datadir}'", out)
        # -c checks the file, not the machine: valid.
        rc, _, _ = harness.Proxy(self.tmp).check_config(text)
        self.assertEqual(rc, 0)

    def test_datadir_not_writable(self):
        # We run as root, which writes anywhere except on a read-only
        # mount: run borealis in a mount namespace where the data
        # directory is bind-mounted read-only.
        datadir = self.tmp.join("ro-data")
        os.makedirs(datadir)
        cfg = self.tmp.write("ro.cfg", self._config(datadir=datadir))
        script = ('mount --bind "$1" "$1" && '
                  'mount -o remount,bind,ro "$1" && shift && exec "$@"')
        out = subprocess.run(
            [harness.UNSHARE, "--mount", "--propagation", "private", "--",
             "/bin/sh", "-c", script, "sh", datadir]
            + harness.proxy_command(cfg),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=30, check=False)
        text = out.stdout.decode(errors="replace")
        self.assertEqual(out.returncode, 1, text)
        self.assertIn(f"database app: data directory '{datadir}' is not "
                      "writable: Read-only file system", text)

    def test_missing_mariadbd(self):
        text = self._config(extra=["mariadbd /nonexistent/mariadbd"])
        out = self._run_fails(text)
        self.assertIn("database app: cannot run mariadbd "
                      "'/nonexistent/mariadbd'", out)

    def test_datadir_in_use_by_another_borealis(self):
        datadir = self.new_datadir()
        first = self.start_serverless(harness.database_section(datadir),
                                      datadir, proxy_name="first")
        first.wait_for_log(r"database app: paused until the first")
        out = self._run_fails(harness.serverless_config(
            harness.free_port(), harness.database_section(datadir)),
            name="second")
        self.assertIn(f"database app: data directory '{datadir}' is in use "
                      f"by another borealis (pid {first.proxy.pid})", out)
        # The first one is unharmed and still serves.
        self.assertTrue(first.proxy.running())
        self.assertEqual(first.query("SELECT 1"), ((1,),))

    # borealis -c -q -f ---------------------------------------------------------
    def test_check_mode_exit_codes(self):
        checker = harness.Proxy(self.tmp, name="checker")
        datadir = self.tmp.join("data")
        cases = [
            ("valid mariadb", 0, None, self._config()),
            ("valid exec", 0, None, self._config(
                datadir=None, engine="exec", extra=[
                    "start-command 'true'", "stop-command 'true'",
                    "scale-command 'echo \"$BOREALIS_ACU\"'",
                    f"address {harness.LOCAL}:3307"])),
            ("auto-pause with min > 0 is only a warning", 0,
             r"'auto-pause' has no effect: capacity minimum is above 0\.",
             self._config(capacity="1 2", auto_pause="3s")),
            ("capacity not a multiple of 0.5", 1,
             r"'capacity' : '0\.3' is not a multiple of 0\.5\.",
             self._config(capacity="0.3 2")),
            ("capacity above 256", 1, r"'capacity' : '300' is above the "
             r"limit of 256 ACU\.", self._config(capacity="0 300")),
            ("unknown engine", 1, r"got 'postgres'",
             self._config(engine="postgres")),
            ("unknown keyword", 1,
             r"unknown keyword 'frobnicate' in 'database' section",
             self._config(extra=["frobnicate 1"])),
            ("mariadb without datadir", 1,
             r"database 'app' : engine 'mariadb' requires 'datadir'\.",
             self._config(datadir=None)),
            ("exec without start-command", 1,
             r"engine 'exec' requires 'start-command'",
             self._config(datadir=None, engine="exec", extra=[
                 "stop-command 'true'", f"address {harness.LOCAL}:3307"])),
            ("exec keyword with engine mariadb", 1,
             r"'start-command' is only valid with 'engine exec'",
             self._config(extra=["start-command 'true'"])),
            ("server naming no database", 1,
             r"no database named 'app'",
             harness.base_config() + "frontend fe\n"
             f"    bind {harness.LOCAL}:{harness.free_port()}\n"
             "    default_backend be\n"
             "backend be\n    server app database@app\n"),
        ]
        for label, expected_rc, message, text in cases:
            with self.subTest(label):
                rc, out, _ = checker.check_config(text)
                self.assertEqual(rc, expected_rc, f"{label}: {out}")
                if expected_rc == 0:
                    self.assertEqual(out.strip(), "", f"{label}: -q output")
                if message:
                    # -q keeps errors; check the text without -q too.
                    rc2, out2, _ = checker.check_config(text, quiet=False)
                    self.assertEqual(rc2, expected_rc)
                    self.assertTrue(re.search(message, out2),
                                    f"{label}: {out2}")
        self.assertFalse(os.path.exists(datadir),
                         "-c created the data directory")


if __name__ == "__main__":
    import unittest
    unittest.main()
