"""Serverless database, what borealis starts mariadbd with for a fast start
(docs/configuration.md, "Start-up settings"): a 2 MiB redo log buffer and
transparent huge pages for its heap, each overridden by the operator's own
setting (a `mariadbd-option` line, borealis's own GLIBC_TUNABLES)."""

import os
import unittest

import harness


def environment_of(pid):
    """The environment `pid` was started with, as a dict."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        entries = [e.decode(errors="replace") for e in f.read().split(b"\0") if e]
    # The first of two same names is the one getenv() returns.
    environment = {}
    for entry in entries:
        name, _, value = entry.partition("=")
        environment.setdefault(name, value)
    return environment


class StartupSettingsTest(harness.ServerlessTestCase):
    EXTRA = ()

    def start_database(self):
        datadir = self.new_datadir()
        return self.start_serverless(
            harness.database_section(datadir, auto_pause="off", extra=self.EXTRA), datadir)

    def only_mariadbd(self, db):
        pids = db.mariadbd_pids()
        self.assertEqual(len(pids), 1, pids)
        return pids[0]


class DefaultStartupSettingsTest(StartupSettingsTest):

    def test_a_small_redo_log_buffer_and_huge_pages_for_the_heap(self):
        """Defect: the 16 MiB default log buffer (read from the log file at
        every start), or no GLIBC_TUNABLES for mariadbd."""
        db = self.start_database()
        self.assertEqual(db.query("SELECT @@innodb_log_buffer_size")[0][0], 2 << 20)
        environment = environment_of(self.only_mariadbd(db))
        self.assertEqual(environment.get("GLIBC_TUNABLES"), "glibc.malloc.hugetlb=1")


class OperatorStartupSettingsTest(StartupSettingsTest):
    EXTRA = ("mariadbd-option --innodb-log-buffer-size=4M",)

    def setUp(self):
        super().setUp()
        os.environ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=2"
        self.addCleanup(os.environ.pop, "GLIBC_TUNABLES", None)

    def test_the_operators_settings_win(self):
        """A `mariadbd-option` line comes after borealis's arguments, and a
        GLIBC_TUNABLES in borealis's environment is passed on alone.
        Defect: borealis's choice overrides the operator's."""
        db = self.start_database()
        self.assertEqual(db.query("SELECT @@innodb_log_buffer_size")[0][0], 4 << 20)
        environment = environment_of(self.only_mariadbd(db))
        self.assertEqual(environment.get("GLIBC_TUNABLES"), "glibc.malloc.arena_max=2")
        with open(f"/proc/{self.only_mariadbd(db)}/environ", "rb") as f:
            self.assertEqual(f.read().count(b"GLIBC_TUNABLES="), 1)


del StartupSettingsTest

if __name__ == "__main__":
    unittest.main()
