"""Reloading a borealis that runs a serverless database: the new process
takes the running mariadbd over (its keeper's lifeline, the data
directory's lock, the listeners mariadbd serves on) through `_getdatabases`
on the runtime API socket, and the old one lets go without stopping it.
The same mariadbd serves before, through and after the reloads; a reload
that fails gives the database back to the old process."""

import re
import socket
import time
import unittest

import harness
import reload_support

from reload_support import CONNECT_WORKLOAD, RELOADS, SYSBENCH_SECONDS
LET_GO = r"soft stop"


class ReloadDatabaseTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("`database` sections are borealis's")
        self.listen = harness.free_port()
        self.socket = self.tmp.join("admin.sock")
        self.datadir = self.new_datadir()

    def config(self, auto_pause="60s", auto_pause_deep="0s", extra=""):
        return harness.serverless_config(
            self.listen, harness.database_section(self.datadir, auto_pause=auto_pause,
                                                  auto_pause_deep=auto_pause_deep),
            global_lines=(f"stats socket {self.socket} mode 600 level admin",
                          "nbthread 2")) + extra

    def start_first(self, auto_pause="60s", auto_pause_deep="0s"):
        self.config_text = self.config(auto_pause, auto_pause_deep)
        proxy = self.start_proxy(self.config_text, name="gen0")
        harness.wait_serverless_listening(proxy, self.listen)
        self.generations = [proxy]
        self.db = harness.Serverless(proxy, self.listen, self.datadir)
        return proxy

    def reload(self):
        """The next generation with -sf the current one; returns it once
        the current one was told to go."""
        old = self.generations[-1]
        offset = old.log_offset()
        new = self.start_proxy(self.config_text, name=f"gen{len(self.generations)}",
                               extra_args=("-sf", str(old.pid), "-x", self.socket))
        old.wait_for_log(LET_GO, 30, offset)
        self.generations.append(new)
        self.db.proxy = new
        return new

    def failed_reload(self, config_text, name):
        return reload_support.failed_reload(self, self.generations[-1], config_text, name,
                                            self.socket)

    def one_mariadbd(self):
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1, pids)
        return pids[0]

    def sysbench(self, *workload, command="run"):
        return reload_support.start_sysbench(self, self.listen, self.db.password(), "app",
                                             *workload, command=command,
                                             seconds=SYSBENCH_SECONDS)

    @staticmethod
    def finished(process, log):
        return reload_support.sysbench_result(process, log, SYSBENCH_SECONDS + 90)

    def show_databases(self):
        return harness.socat(self.socket, "show databases\n")

    def test_twenty_reloads_under_sysbench_keep_the_same_mariadbd(self):
        """Defect: a reload that stops or restarts the database, fails a
        query or a connection, or starts a second mariadbd on its data
        directory."""
        self.start_first()
        code, output = self.finished(*self.sysbench(
            "oltp_point_select", "--tables=1", "--table-size=1000", command="prepare"))
        self.assertEqual(code, 0, output)
        engine = self.one_mariadbd()
        queries = self.sysbench("oltp_point_select", "--tables=1", "--table-size=1000")
        connects = self.sysbench(CONNECT_WORKLOAD)
        for _ in range(RELOADS):
            self.reload()
            self.assertIsNone(queries[0].poll(), "sysbench ended before the reloads did")
            self.assertEqual(self.one_mariadbd(), engine)
        for old in self.generations[1:-1]:
            self.assertEqual(old.wait(30), 0, old.log()[-2000:])
        code, output = self.finished(*queries)
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"errors:\s+0 ")
        self.assertGreater(int(re.search(r"read:\s+(\d+)", output)[1]), 0, output)
        code, output = self.finished(*connects)
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"errors:\s+0 ")
        self.assertEqual(self.generations[0].wait(30), 0)
        self.assertEqual(self.one_mariadbd(), engine)
        last = self.generations[-1]
        self.assertRegex(last.log(), r"database app: taken over from the previous process: "
                                     r"running at [\d.]+ ACU")
        self.assertRegex(self.generations[0].log(),
                         r"database app: handed over to the new process while running")
        # Only the first process started compute (for sysbench's prepare).
        for generation in self.generations[1:]:
            restart = re.search(r"database app: (initialising|resumed in|started in).*",
                                generation.log())
            self.assertIsNone(restart, restart and restart[0])
        self.assertRegex(self.show_databases(), r"\brunning\b")
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.sbtest1"), ((1000,),))

    def test_a_paused_database_is_handed_over_paused_and_the_new_process_resumes_it(self):
        """Defect: a reload that wakes a paused database, or a new process
        that does not know it paused."""
        self.start_first(auto_pause="2s")
        self.db.query("SELECT 1")
        self.db.wait_paused(timeout=30)
        self.db.wait_no_mariadbd()
        self.reload()
        self.assertEqual(self.generations[0].wait(30), 0)
        new = self.generations[-1]
        new.wait_for_log(r"taken over from the previous process: paused \(deep\)")
        self.assertEqual(self.db.mariadbd_pids(), [])
        offset = new.log_offset()
        self.assertEqual(self.db.query("SELECT 7"), ((7,),))
        new.wait_for_log(r"database app: resumed in \d+ ms", start=offset)
        self.one_mariadbd()

    def test_a_frozen_database_is_handed_over_frozen_and_thawed_by_the_new_process(self):
        """Defect: a reload that stops a warm-paused (frozen) mariadbd, or a
        new process that starts a second one instead of thawing it."""
        self.start_first(auto_pause="2s", auto_pause_deep="600s")
        self.db.query("SELECT 1")
        engine = self.one_mariadbd()
        self.db.wait_for_log(r"database app: paused \(warm\) after", timeout=30)
        self.reload()
        self.assertEqual(self.generations[0].wait(30), 0)
        new = self.generations[-1]
        new.wait_for_log(r"taken over from the previous process: paused \(warm\)")
        self.assertEqual(self.one_mariadbd(), engine)
        offset = new.log_offset()
        self.assertEqual(self.db.query("SELECT 8"), ((8,),))
        new.wait_for_log(r"database app: resumed from a warm pause in \d+ ms", start=offset)
        self.assertEqual(self.one_mariadbd(), engine)

    def test_the_old_processs_session_keeps_the_database_from_pausing(self):
        """Defect: the new process pauses compute (stops mariadbd) under a
        session the old process still relays."""
        self.start_first(auto_pause="2s")
        held = self.db.connect(database="app")
        try:
            engine = self.one_mariadbd()
            self.reload()
            new = self.generations[-1]
            new.wait_for_log(r"taken over from the previous process: running")
            # Longer than auto-pause and a few load samples.
            time.sleep(6)
            with held.cursor() as cur:
                cur.execute("SELECT 42")
                self.assertEqual(cur.fetchone(), (42,))
            self.assertEqual(self.one_mariadbd(), engine)
            self.assertNotRegex(new.log(), r"paused after")
            self.assertTrue(self.generations[0].running())
        finally:
            harness.close_quietly(held)
        self.assertEqual(self.generations[0].wait(30), 0)
        self.db.wait_paused(timeout=30)

    def test_a_failed_reload_gives_the_database_back(self):
        """Defect: a reload that fails after the handover leaves the
        database without a supervisor, or stopped, or run twice."""
        self.start_first(auto_pause="3s")
        self.db.query("SELECT 1")
        engine = self.one_mariadbd()
        taken = harness.free_port()
        blocker = socket.create_server((harness.LOCAL, taken))  # no SO_REUSEPORT
        self.addCleanup(blocker.close)
        old = self.generations[0]
        offset = old.log_offset()
        code, output = self.failed_reload(self.config_text + f"""\

frontend other
    bind {harness.LOCAL}:{taken}
    default_backend be
""", "unbindable")
        self.assertNotEqual(code, 0, output)
        self.assertIn("ddress already in use", output)
        self.assertEqual(self.one_mariadbd(), engine)
        self.assertTrue(old.running())
        self.assertNotRegex(old.log()[offset:], LET_GO)
        old.wait_for_log(r"did not take the databases over; this process supervises them again",
                         start=offset)
        # Supervised again: it pauses, then resumes for the next client.
        self.db.wait_paused(start=offset, timeout=30)
        self.assertEqual(self.db.query("SELECT 3"), ((3,),))
        self.reload()  # and a good reload after it
        self.assertEqual(self.db.query("SELECT 4"), ((4,),))

    def test_a_moved_data_directory_is_refused(self):
        """Defect: a reload that starts a second engine, or adopts the
        running one under another data directory."""
        self.start_first()
        self.db.query("SELECT 1")
        engine = self.one_mariadbd()
        other = self.new_datadir("other")
        code, output = self.failed_reload(
            self.config_text.replace(self.datadir, other), "moved")
        self.assertEqual(code, 1, output)
        self.assertIn(f"is not '{other}'", output)
        self.assertEqual(self.one_mariadbd(), engine)
        self.assertEqual(harness.mariadbd_pids(other), [])
        self.assertEqual(self.db.query("SELECT 5"), ((5,),))


if __name__ == "__main__":
    unittest.main()
