"""Serverless database: mariadbd killed with SIGKILL is restarted.

The crash is logged (`compute exited unexpectedly (signal 9 (Killed));
restarting`), a new mariadbd is started (`started in N ms`), committed data
is there and the next connection works.  Sessions open at the crash get an
error instead of hanging, and connections made while it restarts end
(succeed or are closed) within `timeout resume`.
"""

import os
import signal
import threading
import time

import pymysql

import harness

TIMEOUT_RESUME = 10


class ServerlessCrashTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        self.datadir = self.new_datadir()
        self.db = self.start_serverless(
            harness.database_section(
                self.datadir, capacity="0 2", auto_pause="60s",
                timeout_resume=f"{TIMEOUT_RESUME}s"), self.datadir)

    def _kill_mariadbd(self):
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1, f"mariadbd processes: {pids}")
        os.kill(pids[0], signal.SIGKILL)
        return pids[0]

    def _wait_restarted(self, offset, old_pid):
        self.db.wait_for_log(
            r"database app: compute exited unexpectedly \(signal 9 "
            r"\(Killed\)\); restarting", start=offset)
        self.db.wait_for_log(r"database app: started in \d+ ms at "
                             r"[\d.]+ ACU", start=offset)
        pids = harness.wait_until(self.db.mariadbd_pids, 10, 0.05,
                                  "the new mariadbd")
        self.assertNotIn(old_pid, pids)

    def test_sigkill_restart_keeps_committed_data(self):
        with self.db.connect(database="app") as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
            cur.execute("INSERT INTO t SELECT seq FROM seq_1_to_500")
        # A session that is open when mariadbd dies.
        victim = self.db.connect(timeout=15)
        self.addCleanup(harness.close_quietly, victim)

        offset = self.db.log_offset()
        old_pid = self._kill_mariadbd()
        started = time.monotonic()
        with self.assertRaises(pymysql.err.MySQLError):
            with victim.cursor() as cur:
                cur.execute("SELECT 1")
        self.assertLess(time.monotonic() - started, 15)

        self._wait_restarted(offset, old_pid)
        rows = self.db.query("SELECT COUNT(*), SUM(id) FROM app.t")
        self.assertEqual(rows, ((500, 500 * 501 // 2),))

    def test_connections_during_restart_do_not_hang(self):
        self.assertEqual(self.db.query("SELECT 1"), ((1,),))
        password = self.db.password()
        outcomes = []
        lock = threading.Lock()

        def client(delay):
            time.sleep(delay)
            t0 = time.monotonic()
            try:
                conn = harness.connect("127.0.0.1", self.db.listen,
                                       password=password,
                                       timeout=TIMEOUT_RESUME + 20)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT 7")
                        result = ("ok", cur.fetchone()[0])
                finally:
                    harness.close_quietly(conn)
            except Exception as exc:  # noqa: BLE001 - outcome recorded
                result = ("error", repr(exc))
            with lock:
                outcomes.append((delay, time.monotonic() - t0, result))

        offset = self.db.log_offset()
        old_pid = self._kill_mariadbd()
        # Connections spread over the crash detection and the restart.
        threads = [threading.Thread(target=client, args=(i * 0.05,),
                                    daemon=True) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT_RESUME + 30)
        self.assertFalse(any(t.is_alive() for t in threads),
                         f"connections hung across the restart: {outcomes}")
        for delay, took, result in outcomes:
            # A clear outcome, no later than timeout resume (plus slack).
            self.assertLess(took, TIMEOUT_RESUME + 5, (delay, took, result))
            self.assertIn(result[0], ("ok", "error"))
            if result[0] == "ok":
                self.assertEqual(result[1], 7)
        self._wait_restarted(offset, old_pid)
        # After the restart every new connection works.
        for _ in range(5):
            self.assertEqual(self.db.query("SELECT 8"), ((8,),))
        ok = sum(1 for *_, r in outcomes if r[0] == "ok")
        print(f"\n  connections during restart: {ok} of {len(outcomes)} "
              "succeeded, the others were closed:")
        for delay, took, result in sorted(outcomes):
            if result[0] != "ok":
                print(f"    +{delay:.2f}s after kill, {took:.2f}s: "
                      f"{result[1][:100]}")


if __name__ == "__main__":
    import unittest
    unittest.main()
