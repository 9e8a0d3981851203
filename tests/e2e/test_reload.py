"""Hitless reload: `borealis -f CFG -sf OLDPID -x SOCKET` takes the old
process's listening sockets over its runtime API socket (`_getsocks`),
listens, then tells the old one to finish its sessions and exit. A reload
that fails leaves the old process serving. Runs against HAProxy as well
(BOREALIS_BIN=/usr/sbin/haproxy), but for the `database` section."""

import re
import socket
import subprocess
import unittest

import harness
import reload_support

from reload_support import CONNECT_WORKLOAD, RELOADS, SYSBENCH_SECONDS
# The old process's line once the new one has told it to go: borealis's
# soft stop, HAProxy's "Proxy fe stopped" (its listeners closed).
LET_GO = r"soft stop|Proxy fe stopped"


class ReloadTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        self.db = self.start_mariadb()
        self.listen = harness.free_port()
        self.socket = self.tmp.join("admin.sock")
        self.config = harness.base_config(global_lines=(
            f"stats socket {self.socket} mode 600 level admin expose-fd listeners",
            "nbthread 2")) + f"""\
frontend fe
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    server db {self.db.host}:{self.db.port}
"""
        self.generations = [self.start_proxy(self.config, wait=(harness.LOCAL, self.listen),
                                             name="gen0")]

    def reload(self, config=None):
        """Starts the next generation with -sf the current one and waits
        until the current one was told to go; returns the new one."""
        old = self.generations[-1]
        offset = old.log_offset()
        new = self.start_proxy(config or self.config, name=f"gen{len(self.generations)}",
                               extra_args=("-sf", str(old.pid), "-x", self.socket))
        old.wait_for_log(LET_GO, 20, offset)
        self.generations.append(new)
        return new

    def failed_reload(self, config_text, name):
        return reload_support.failed_reload(self, self.generations[-1], config_text, name,
                                            self.socket, timeout=30)

    def sysbench(self, *workload):
        return reload_support.start_sysbench(self, self.listen, harness.APP_PASSWORD, "sbtest",
                                             *workload, seconds=SYSBENCH_SECONDS)

    @staticmethod
    def finished(process, log):
        return reload_support.sysbench_result(process, log, SYSBENCH_SECONDS + 60)

    def test_twenty_reloads_under_sysbench_refuse_nothing(self):
        """Defect: a connection refused or reset while the listening
        sockets change hands, a query failed on a session the old process
        holds, or an old process that never exits."""
        self.db.execute("CREATE DATABASE sbtest")
        subprocess.run(["sysbench", "oltp_point_select", f"--mysql-host={self.db.host}",
                        f"--mysql-port={self.db.port}", f"--mysql-user={harness.APP_USER}",
                        f"--mysql-password={harness.APP_PASSWORD}", "--mysql-db=sbtest",
                        "--db-driver=mysql", "--tables=1", "--table-size=1000", "prepare"],
                       check=True, capture_output=True, timeout=120)
        # Sessions held from start to end (on the first process), and new
        # connections all along (on whichever process listens).
        queries = self.sysbench("oltp_point_select", "--tables=1", "--table-size=1000")
        connects = self.sysbench(CONNECT_WORKLOAD)
        for _ in range(RELOADS):
            self.reload()
            self.assertIsNone(queries[0].poll(), "sysbench ended before the reloads did")
        for old in self.generations[1:-1]:
            self.assertEqual(old.wait(20), 0, old.log()[-2000:])
        code, output = self.finished(*queries)
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"errors:\s+0 ")
        self.assertGreater(int(re.search(r"read:\s+(\d+)", output)[1]), 0, output)
        code, output = self.finished(*connects)
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"errors:\s+0 ")
        self.assertGreater(float(re.search(r"events \(avg/stddev\):\s+([\d.]+)", output)[1]), 0)
        # The first process held the point-select sessions to their end.
        self.assertEqual(self.generations[0].wait(20), 0)
        if not harness.is_haproxy():
            self.assertRegex(self.generations[-1].log(), r"took over 2 listening sockets")
        self.assertEqual(harness.cli_marker(harness.LOCAL, self.listen), "db")

    def test_a_session_finishes_on_the_old_process(self):
        """Defect: a reload that cuts an established session, or an old
        process that lingers after its last session ends."""
        held = harness.connect(harness.LOCAL, self.listen)
        try:
            self.reload()
            self.assertEqual(harness.marker(harness.LOCAL, self.listen), "db")
            self.assertEqual(harness.session_marker(held), "db")
            self.assertTrue(self.generations[0].running())
        finally:
            harness.close_quietly(held)
        self.assertEqual(self.generations[0].wait(20), 0)
        self.assertTrue(self.generations[1].running())

    def test_a_failed_reload_leaves_the_old_process_serving(self):
        """Defect: an invalid configuration, or one that fails to start,
        stopping the old process or taking its runtime API socket."""
        code, output = self.failed_reload(self.config + "    frobnicate\n", "invalid")
        self.assertEqual(code, 1, output)
        self.assertRegex(output, r"invalid\.cfg:\d+")
        taken = harness.free_port()
        blocker = socket.create_server((harness.LOCAL, taken))  # no SO_REUSEPORT
        self.addCleanup(blocker.close)
        code, output = self.failed_reload(self.config + f"""\

frontend other
    bind {harness.LOCAL}:{taken}
    default_backend be
""", "unbindable")
        self.assertNotEqual(code, 0, output)
        self.assertIn("ddress already in use", output)
        old = self.generations[0]
        self.assertTrue(old.running())
        self.assertNotRegex(old.log(), LET_GO)
        self.assertEqual(harness.marker(harness.LOCAL, self.listen), "db")
        self.assertIn(f"Pid: {old.pid}\n", harness.socat(self.socket, "show info\n"))
        self.reload()  # and a good one after them
        self.assertEqual(harness.marker(harness.LOCAL, self.listen), "db")

    def test_a_database_added_by_a_reload_is_run_by_the_new_process(self):
        """Defect: a reload that asks the old process for a database it
        does not run, and fails instead of preparing it. (Databases the old
        process runs are handed over: test_reload_database.py.)"""
        if harness.is_haproxy():
            self.skipTest("`database` sections are borealis's")
        config = self.config + harness.database_section(datadir=self.tmp.join("data"))
        new = self.reload(config)
        new.wait_for_log(r"database app: paused until the first connection")
        self.assertEqual(self.generations[0].wait(20), 0)
        self.assertEqual(harness.marker(harness.LOCAL, self.listen), "db")


if __name__ == "__main__":
    unittest.main()
