"""Warm pauses (docs/configuration.md, `auto-pause-deep`): after
`auto-pause` without client sessions mariadbd is frozen in place (SIGSTOP,
its buffer pool shrunk to the least), not stopped; the next client thaws
it (the same process) and gets its answer; after `auto-pause-deep` idle,
or once killed while frozen, the pause is deep (no mariadbd) and the next
client starts it again. Every committed row survives each of them.

Real programs: mariadbd, PyMySQL, the `mariadb` client. borealis only.
"""

import os
import signal
import subprocess
import time
import unittest

import harness


def process_state(pid):
    """The state letter of /proc/PID/stat ("T": stopped), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return None


class WarmPauseTest(harness.ServerlessTestCase):

    AUTO_PAUSE_DEEP = "1h"
    MODE = "tcp"
    EXTRA = ()

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")
        self.datadir = self.new_datadir()
        self.listen = harness.free_port()
        database = harness.database_section(
            self.datadir, auto_pause="2s", auto_pause_deep=self.AUTO_PAUSE_DEEP,
            extra=self.EXTRA)
        proxy = self.start_proxy(harness.serverless_config(self.listen, database,
                                                           mode=self.MODE))
        harness.wait_serverless_listening(proxy, self.listen)
        self.db = harness.Serverless(proxy, self.listen, self.datadir)
        self.db.query("CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY)", timeout=60)
        self.db.query("INSERT INTO app.t VALUES (1), (2), (3)")

    def as_administrator(self, sql):
        return subprocess.run(
            ["mariadb", "--no-defaults", "-u", "root", "-S",
             os.path.join(self.datadir, "borealis-control.sock"), "-N", "-B", "-e", sql],
            check=True, timeout=30, capture_output=True, text=True).stdout.strip()

    def wait_frozen(self, start):
        """Waits for the warm pause's line; returns (pid, resident MiB)."""
        line = self.db.wait_for_log(
            r"database app: paused \(warm\) after \d+s without client sessions: compute "
            r"frozen, (\d+) MiB stays resident", start=start)
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1, pids)
        harness.wait_until(lambda: process_state(pids[0]) == "T", 10, 0.05,
                           "mariadbd stopped by SIGSTOP")
        return pids[0], int(line.group(1))


class WarmPauseAndThawTest(WarmPauseTest):

    def test_idle_compute_is_frozen_and_the_next_client_thaws_it(self):
        """Idle past `auto-pause`: the same mariadbd, frozen, with less
        than its running buffer pool resident; a new client's query is
        answered by that process, thawed, with every row, and the buffer
        pool is back at the capacity's size. Defect: mariadbd stopped
        (a deep pause), restarted to answer, or left with the frozen pool."""
        pool = int(self.as_administrator("SELECT @@innodb_buffer_pool_size"))
        start = self.db.log_offset()
        pid, resident_mib = self.wait_frozen(start)
        self.assertGreater(resident_mib, 0)
        self.assertNotIn("paused after", self.db.log()[start:])  # not deep
        start = self.db.log_offset()
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.t")[0][0], 3)
        self.db.wait_for_log(r"database app: resumed from a warm pause in \d+ ms", start=start)
        self.assertEqual(self.db.mariadbd_pids(), [pid])
        self.assertNotEqual(process_state(pid), "T")
        harness.wait_until(
            lambda: int(self.as_administrator("SELECT @@innodb_buffer_pool_size")) == pool,
            10, 0.05, "the buffer pool grown back")
        # The page cleaner was set back after the freeze's flush.
        self.assertNotEqual(self.as_administrator("SELECT @@innodb_max_dirty_pages_pct"),
                            "0.000000")

    def test_borealis_stopping_while_frozen_stops_mariadbd_cleanly(self):
        """SIGTERM to borealis during a warm pause: mariadbd is continued
        and shut down cleanly (a frozen process ignores SIGTERM), and
        borealis exits 0. Defect: mariadbd left frozen, or killed."""
        pid, _ = self.wait_frozen(self.db.log_offset())
        self.db.proxy.stop(60)
        self.assertIsNone(process_state(pid))
        log = self.db.log()
        self.assertIn("database app: stopped;", log)
        self.assertIn("MiB-seconds held while paused (warm)", log)


class WarmPauseLongerThanWaitTimeoutTest(WarmPauseTest):
    """mariadbd's `wait_timeout` runs on while it is frozen: borealis's
    control session may be closed by the server the moment it runs again."""

    EXTRA = ("mariadbd-option --wait-timeout=1",)

    def test_a_thaw_after_the_control_session_timed_out(self):
        """Frozen for 3 s with `wait_timeout` 1 s: the next client is
        answered by the same mariadbd. Defect: the thaw fails on the dead
        control session and compute is started again (another pid)."""
        pid, _ = self.wait_frozen(self.db.log_offset())
        time.sleep(3)
        start = self.db.log_offset()
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.t")[0][0], 3)
        self.db.wait_for_log(r"database app: resumed from a warm pause", start=start)
        self.assertEqual(self.db.mariadbd_pids(), [pid])


class WarmPauseTurnsDeepTest(WarmPauseTest):
    AUTO_PAUSE_DEEP = "6s"

    def test_a_warm_pause_turns_deep_after_auto_pause_deep(self):
        """auto-pause 2s, auto-pause-deep 6s: frozen first, then stopped
        cleanly (no mariadbd); the next client starts it again and finds
        every row. Defect: frozen forever, or data lost."""
        start = self.db.log_offset()
        self.wait_frozen(start)
        self.db.wait_for_log(r"database app: paused \(deep\) after a warm pause "
                             r"\(\d+s without client sessions\): compute stopped",
                             start=start)
        self.db.wait_no_mariadbd(timeout=30)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.t")[0][0], 3)

    def test_compute_killed_while_frozen_starts_again_for_the_next_client(self):
        """mariadbd killed with SIGKILL while frozen (the kernel's OOM
        killer would): borealis notices, the pause is deep, and the next
        client starts mariadbd again with every committed row. Defect: a
        client held for a dead process, or rows lost."""
        start = self.db.log_offset()
        pid, _ = self.wait_frozen(start)
        os.kill(pid, signal.SIGKILL)
        self.db.wait_for_log(r"database app: compute exited while paused \(warm\)",
                             start=start)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.t")[0][0], 3)
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1)
        self.assertNotEqual(pids[0], pid)
        # The new process is not frozen: its clean stop dumps the buffer
        # pool as any other's does.
        error_log = os.path.join(self.datadir, "borealis-mariadbd.err")
        before = os.path.getsize(error_log)
        self.db.proxy.stop(60)
        with open(error_log, encoding="utf-8", errors="replace") as log:
            log.seek(before)
            self.assertIn("Dumping buffer pool(s)", log.read())


class WarmPauseWithAClientConnectedTest(WarmPauseTest):
    """`mode mysql`: a connected, idle client lets the database pause
    (its server connection is given back) and its next query thaws it."""

    MODE = "mysql"

    def test_a_connected_session_goes_on_after_a_warm_pause(self):
        conn = self.db.connect(database="app")
        self.addCleanup(harness.close_quietly, conn)
        with conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES'")
        pid, _ = self.wait_frozen(self.db.log_offset())
        time.sleep(0.5)  # frozen a while, the client still connected
        with conn.cursor() as cur:
            cur.execute("SELECT DATABASE(), @@session.sql_mode, COUNT(*) FROM t")
            self.assertEqual(cur.fetchone(), ("app", "ANSI_QUOTES", 3))
        self.assertEqual(self.db.mariadbd_pids(), [pid])


if __name__ == "__main__":
    unittest.main()
