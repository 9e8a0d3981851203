"""Serverless database with `engine exec`: user commands start, stop and
scale a real mariadbd.

start-command runs mariadbd in the background (--pid-file) and returns at
once; borealis waits for a MySQL greeting at `address`.  stop-command kills
the PID from the pid file and waits for the process to exit.  scale-command
records its environment.  A failing start-command closes the held
connection and its output is logged.
"""

import os
import re
import shlex
import time

import pymysql

import harness


class ServerlessExecTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        # A data directory with user app and the marker table, made by the
        # harness's own mariadbd, which is then stopped: from here on only
        # the scripts run it.
        self.mariadb = harness.Mariadb(self.tmp, name="exec",
                                       marker="exec-db")
        self.mariadb.start()
        self.mariadb.stop()
        self.pid_file = os.path.join(self.mariadb.dir, "mysqld.pid")
        self.calls = self.tmp.join("calls.log")
        self.addCleanup(self._kill_leftover)

    def _kill_leftover(self):
        harness.kill_mariadbd(self.mariadb.datadir)

    def _scripts(self):
        argv = " ".join(shlex.quote(a) for a in self.mariadb.argv())
        out = os.path.join(self.mariadb.dir, "out.log")
        start = self.tmp.write("start.sh", f"""#!/bin/sh
echo "start acu=$BOREALIS_ACU db=$BOREALIS_DATABASE" >> {self.calls}
rm -f {self.pid_file}
setsid {argv} >> {out} 2>&1 < /dev/null &
exit 0
""")
        stop = self.tmp.write("stop.sh", f"""#!/bin/sh
echo "stop" >> {self.calls}
pid=$(cat {self.pid_file}) || exit 1
kill -TERM "$pid" || exit 1
# Wait for the exit (a zombie counts as gone: init may be slow to reap).
while [ -d /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null
do
    sleep 0.05
done
echo "stopped $pid" >> {self.calls}
""")
        scale = self.tmp.write("scale.sh", """#!/bin/sh
echo "scale acu=$BOREALIS_ACU memory=$BOREALIS_MEMORY_BYTES \
connections=$BOREALIS_MAX_CONNECTIONS cpu=$BOREALIS_CPU \
db=$BOREALIS_DATABASE" >> CALLS
""".replace("CALLS", self.calls))
        for path in (start, stop, scale):
            os.chmod(path, 0o755)
        return start, stop, scale

    def _calls(self):
        try:
            with open(self.calls, encoding="utf-8") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def _connect(self, db, timeout=40):
        return harness.connect(harness.LOCAL, db.listen, timeout=timeout)

    def test_start_stop_scale_commands(self):
        start, stop, scale = self._scripts()
        address = f"{self.mariadb.host}:{self.mariadb.port}"
        db = self.start_serverless(harness.database_section(
            None, name="ext", engine="exec", capacity="0 2",
            acu="memory 128m cpu 0.5 connections 20", auto_pause="3s",
            scale_down_delay="1s",
            extra=[f"start-command '{start}'", f"stop-command '{stop}'",
                   f"scale-command '{scale}'", f"address {address}",
                   "timeout command 30s"]), None, name="ext")
        db.wait_for_log(r"database ext: paused until the first connection")
        self.assertEqual(self._calls(), [])
        self.assertEqual(harness.mariadbd_pids(self.mariadb.datadir), [])

        for cycle in range(2):
            offset = db.log_offset()
            conn = self._connect(db)
            try:
                db.wait_for_log(r"database ext: resumed in \d+ ms for \d+ "
                                r"waiting connections at 0\.5 ACU",
                                start=offset)
                self.assertEqual(harness.session_marker(conn), "exec-db")
                self.assertEqual(
                    len(harness.mariadbd_pids(self.mariadb.datadir)), 1)
            finally:
                harness.close_quietly(conn)
            self.assertIn("start acu=0.5 db=ext", self._calls())

            if cycle == 0:
                # 9 sessions of 10 allowed at 0.5 ACU: the gateway's own
                # session count makes it scale up through scale-command.
                sessions = [self._connect(db) for _ in range(9)]
                try:
                    db.wait_for_log(r"database ext: scaling 0\.5 -> 1 ACU "
                                    r"\(connections 9 of 10\)", start=offset)
                    for s in sessions:
                        self.assertEqual(harness.session_marker(s), "exec-db")
                finally:
                    for s in sessions:
                        harness.close_quietly(s)
                self.assertIn("scale acu=1 memory=134217728 connections=20 "
                              "cpu=0.5 db=ext", self._calls())
                db.wait_for_log(r"database ext: scaling 1 -> 0\.5 ACU",
                                start=offset)

            offset = db.log_offset()
            db.wait_paused(start=offset)
            harness.wait_until(
                lambda: not harness.mariadbd_pids(self.mariadb.datadir),
                10, 0.05, "mariadbd gone after stop-command")
            self.assertTrue(any(c.startswith("stopped ")
                                for c in self._calls()), self._calls())
        calls = self._calls()
        self.assertEqual(sum(c.startswith("start ") for c in calls), 2,
                         calls)
        self.assertEqual(sum(c == "stop" for c in calls), 2, calls)
        # Ready means a greeting: no session needed a retry after a resume.
        harness.assert_clean_sessions(self, db.log())

    def test_failing_start_command(self):
        fail = self.tmp.write("fail.sh", """#!/bin/sh
echo "cluster API says: quota exceeded for db-$BOREALIS_DATABASE"
echo "second line on stderr" >&2
exit 3
""")
        os.chmod(fail, 0o755)
        db = self.start_serverless(harness.database_section(
            None, name="ext", engine="exec", capacity="0 2",
            auto_pause="3s", timeout_resume="10s",
            extra=[f"start-command '{fail}'", "stop-command 'true'",
                   f"address {harness.LOCAL}:{harness.free_port()}",
                   "timeout command 5s"]), None, name="ext")
        offset = db.log_offset()
        started = time.monotonic()
        with self.assertRaises(pymysql.err.OperationalError) as ctx:
            conn = self._connect(db, timeout=30)
            harness.close_quietly(conn)
        took = time.monotonic() - started
        self.assertLess(took, 15, f"held {took:.1f}s for a failed start")
        print(f"\n  failed start: client error after {took:.2f}s: "
              f"{ctx.exception!r}")
        db.wait_for_log(
            r"database ext: (start|resume) failed after \d+ ms: "
            r"start-command '[^']*fail\.sh' failed \(exit code 3\); "
            r"output: (.*)", start=offset)
        self.assertIn("cluster API says: quota exceeded for db-ext",
                      db.log()[offset:])
        self.assertIn("second line on stderr", db.log()[offset:])
        self.assertTrue(re.search(r"next try in \d+ ms", db.log()[offset:]))
        self.assertTrue(db.proxy.running())

    def test_compute_that_dies_is_noticed_and_restarted(self):
        start, stop, _ = self._scripts()
        address = f"{self.mariadb.host}:{self.mariadb.port}"
        db = self.start_serverless(harness.database_section(
            None, name="ext", engine="exec", capacity="0 2",
            auto_pause="60s", timeout_resume="60s",
            extra=[f"start-command '{start}'", f"stop-command '{stop}'",
                   f"address {address}", "timeout command 30s"]),
            None, name="ext")
        self.assertEqual(harness.marker(harness.LOCAL, db.listen, timeout=40),
                         "exec-db")
        # The database dies behind borealis's back (no stop-command).
        offset = db.log_offset()
        harness.kill_mariadbd(self.mariadb.datadir)
        db.wait_for_log(r"database ext: compute exited unexpectedly \(it "
                        r"stopped answering", start=offset, timeout=30)
        db.wait_for_log(r"database ext: started in \d+ ms",
                        start=offset, timeout=60)
        self.assertEqual(harness.marker(harness.LOCAL, db.listen, timeout=40),
                         "exec-db")
        self.assertEqual(sum(c.startswith("start ") for c in self._calls()),
                         2, self._calls())

    def test_a_reload_takes_running_compute_over_and_watches_it(self):
        """Defect: a reload that runs start-command again, or a new process
        that does not notice the compute it took over dying."""
        start, stop, _ = self._scripts()
        address = f"{self.mariadb.host}:{self.mariadb.port}"
        admin = self.tmp.join("admin.sock")
        listen = harness.free_port()
        config = harness.serverless_config(listen, harness.database_section(
            None, name="ext", engine="exec", capacity="0 2",
            auto_pause="60s", timeout_resume="60s",
            extra=[f"start-command '{start}'", f"stop-command '{stop}'",
                   f"address {address}", "timeout command 30s"]),
            name="ext", global_lines=(f"stats socket {admin} mode 600 level admin",))
        old = self.start_proxy(config, name="old")
        harness.wait_serverless_listening(old, listen)
        self.assertEqual(harness.marker(harness.LOCAL, listen, timeout=40), "exec-db")
        offset = old.log_offset()
        new = self.start_proxy(config, name="new",
                               extra_args=("-sf", str(old.pid), "-x", admin))
        old.wait_for_log(r"soft stop", 30, offset)
        new.wait_for_log(r"database ext: taken over from the previous process: running")
        self.assertEqual(old.wait(30), 0)
        self.assertEqual(harness.marker(harness.LOCAL, listen, timeout=40), "exec-db")
        self.assertEqual(sum(c.startswith("start ") for c in self._calls()), 1, self._calls())
        # The new process probes what it took over.
        offset = new.log_offset()
        harness.kill_mariadbd(self.mariadb.datadir)
        new.wait_for_log(r"database ext: compute exited unexpectedly \(it "
                         r"stopped answering", start=offset, timeout=30)

    def test_timed_out_command_is_killed_with_what_it_started(self):
        marker = self.tmp.join("still-running")
        hang = self.tmp.write("hang.sh", f"""#!/bin/sh
# Starts a child that would outlive a kill of the shell alone.
(sleep 300; touch {marker}) &
echo "child $!" >> {self.calls}
sleep 300
""")
        os.chmod(hang, 0o755)
        db = self.start_serverless(harness.database_section(
            None, name="ext", engine="exec", capacity="0 2",
            auto_pause="3s", timeout_resume="10s",
            extra=[f"start-command '{hang}'", "stop-command 'true'",
                   f"address {harness.LOCAL}:{harness.free_port()}",
                   "timeout command 1s"]), None, name="ext")
        offset = db.log_offset()
        with self.assertRaises(pymysql.err.OperationalError) as lost:
            harness.close_quietly(self._connect(db, timeout=30))
        # In mode tcp the client sees its connection closed before a greeting.
        self.assertEqual(lost.exception.args[0], 2013)
        db.wait_for_log(r"start-command '[^']*hang\.sh' failed \(timed out "
                        r"after 1000 ms\)", start=offset)
        child = int(next(c for c in self._calls()
                         if c.startswith("child ")).split()[1])
        harness.wait_until(lambda: not os.path.exists(f"/proc/{child}"), 10,
                           0.05, f"the command's child {child} to be killed")


if __name__ == "__main__":
    import unittest
    unittest.main()
