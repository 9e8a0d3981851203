"""Serverless database, every stop is clean: signals in each database state
(a slow-starting engine wrapper catches it while starting), a soft stop
turned into a hard one, a double Ctrl-C, a borealis killed with SIGKILL, an
initialisation cut short; plus what a held client sees when borealis gives
up on it, and idle time that counts from the last session's end."""

import os
import signal
import socket
import threading
import time
import unittest

import pymysql

import harness
import netprobe


def processes_on(datadir):
    """PIDs of every live process whose command line names the datadir
    (mariadbd, or a wrapper script that will exec it)."""
    wanted = f"--datadir={datadir}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and wanted in argv:
            pids.append(int(entry))
    return pids


def socket_inodes_on_port(port):
    """Inodes of TCP sockets (IPv4) whose local port is `port`."""
    inodes = set()
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def socket_inodes_of(pid):
    """The sockets `pid` itself holds (not its children's)."""
    return netprobe.socket_inodes(pid, children=False)


class LifecycleTest(harness.ServerlessTestCase):

    def _slow_wrapper(self, seconds):
        path = self.tmp.write(f"slow-mariadbd-{seconds}",
                              f"#!/bin/sh\nsleep {seconds}\n"
                              "exec /usr/sbin/mariadbd \"$@\"\n")
        os.chmod(path, 0o755)
        return path

    def _expect_clean_exit(self, db, datadir, within=60):
        rc = db.proxy.wait(within)
        self.assertEqual(rc, 0, f"borealis: {harness.describe_exit(rc)}\n"
                         + db.log()[-3000:])
        self.assertEqual(processes_on(datadir), [])
        with open(os.path.join(datadir, "borealis.lock"), encoding="ascii") as f:
            self.assertEqual(f.read(), "", "lock file not cleaned")

    def _held_client(self, db):
        """A raw TCP client held by borealis; returns the socket."""
        client = socket.create_connection((harness.LOCAL, db.listen),
                                          timeout=5)
        self.addCleanup(client.close)
        return client

    def test_sigterm_while_starting(self):
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(
            datadir, extra=[f"mariadbd {self._slow_wrapper(5)}"]), datadir)
        db.wait_for_log(r"database app: paused until the first connection")
        self._held_client(db)
        harness.wait_until(lambda: processes_on(datadir), 10, 0.05,
                           "the engine to be starting")
        db.proxy.signal(signal.SIGTERM)
        self._expect_clean_exit(db, datadir)
        self.assertNotIn("resumed in", db.log())

    def test_soft_stop_then_hard_stop_with_an_open_session(self):
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(
            datadir, auto_pause="60s"), datadir)
        session = db.connect()
        self.addCleanup(harness.close_quietly, session)
        db.proxy.signal(signal.SIGUSR1)
        db.wait_for_log(r"soft stop")
        # The soft stop waits for the session; SIGTERM stops now, cleanly.
        self.assertIsNone(db.proxy.wait(1))
        db.proxy.signal(signal.SIGTERM)
        self._expect_clean_exit(db, datadir)
        self.assertIn("database app: stopped;", db.log())

    def test_repeated_ctrl_c_while_stopping(self):
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(
            datadir, auto_pause="60s"), datadir)
        self.assertEqual(db.query("SELECT 1"), ((1,),))
        # Ctrl-C, then Ctrl-C again and again until borealis has exited:
        # whatever stage of its stop a signal lands in (stopping the
        # database, releasing listeners, returning from main), it never
        # kills borealis. (Two sent at once would merge into one.)
        db.proxy.signal(signal.SIGINT)
        db.wait_for_log(r"stopping on signal SIGINT")
        deadline = time.monotonic() + 60
        while db.proxy.running() and time.monotonic() < deadline:
            try:
                db.proxy.signal(signal.SIGINT)
            except ProcessLookupError:
                break
            time.sleep(0.002)
        self._expect_clean_exit(db, datadir)
        self.assertIn("database app: stopped;", db.log())

    def test_sigkill_of_borealis_leaves_no_engine_and_never_two(self):
        datadir = self.new_datadir()
        section = harness.database_section(datadir, auto_pause="60s")
        db = self.start_serverless(section, datadir)
        with db.connect(database="app") as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
            cur.execute("INSERT INTO t VALUES (1), (2), (3)")
        self.assertEqual(len(db.mariadbd_pids()), 1)

        most = [0]
        stop_watching = threading.Event()

        def watch():
            while not stop_watching.is_set():
                most[0] = max(most[0], len(harness.mariadbd_pids(datadir)))
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        self.addCleanup(stop_watching.set)
        db.proxy.expect_exit = None  # killed on purpose
        db.proxy.signal(signal.SIGKILL)
        db.proxy.wait(10)
        # The next borealis at once, while the orphan may still be stopping.
        again = self.start_serverless(section, datadir, proxy_name="again")
        self.assertEqual(again.query("SELECT COUNT(*) FROM app.t", timeout=60),
                         ((3,),))
        stop_watching.set()
        watcher.join(5)
        self.assertEqual(most[0], 1, "two engines ran on one data directory")
        # The orphan got SIGTERM from the kernel and shut down cleanly.
        with open(os.path.join(datadir, "borealis-mariadbd.err"),
                  encoding="utf-8", errors="replace") as f:
            err = f.read()
        self.assertNotIn("crash recovery", err.split("ready for connections")[-1])

    def test_interrupted_initialisation_is_done_again(self):
        """An initialisation cut by `timeout command` (mariadb-install-db
        made slow by a wrapper first in borealis's PATH, so the cut does
        not depend on this machine's speed) is cleaned and done again at
        the next start."""
        datadir = self.new_datadir(template=False)
        wrappers = self.tmp.join("slow-install")
        os.makedirs(wrappers)
        wrapper = os.path.join(wrappers, "mariadb-install-db")
        with open(wrapper, "w", encoding="ascii") as f:
            f.write("#!/bin/sh\n/usr/bin/mariadb-install-db \"$@\"\nexec sleep 60\n")
        os.chmod(wrapper, 0o755)
        saved_path = os.environ["PATH"]
        os.environ["PATH"] = wrappers + os.pathsep + saved_path
        try:
            first = self.start_serverless(harness.database_section(
                datadir, extra=["timeout command 1s"]), datadir)
        finally:
            os.environ["PATH"] = saved_path
        # The first connection starts the initialisation, which is cut at 1 s.
        with self.assertRaises(pymysql.err.OperationalError) as lost:
            first.query("SELECT 1", timeout=30)
        self.assertEqual(lost.exception.args[0], 2013)
        first.wait_for_log(r"mariadb-install-db failed \(timed out")
        first.proxy.signal(signal.SIGTERM)
        self._expect_clean_exit(first, datadir)
        self.assertTrue(os.path.exists(
            os.path.join(datadir, "borealis-initialising")))

        again = self.start_serverless(harness.database_section(datadir),
                                      datadir, proxy_name="again")
        self.assertEqual(again.query("SELECT CURRENT_USER()", timeout=90),
                         (("app@%",),))
        self.assertIn("was interrupted; starting it again", again.log())
        self.assertFalse(os.path.exists(
            os.path.join(datadir, "borealis-initialising")))

    def test_held_client_gets_its_fin_and_no_descriptor_leaks(self):
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(
            datadir, timeout_resume="3s",
            extra=[f"mariadbd {self._slow_wrapper(8)}"]), datadir)
        db.wait_for_log(r"database app: paused until the first connection")
        connecting = time.monotonic()
        client = self._held_client(db)
        engines = harness.wait_until(lambda: processes_on(datadir), 10, 0.05,
                                     "the engine to be starting")
        # The engine was started while this client was held: it must not
        # have inherited the client's socket (nor any of borealis's).
        clients = socket_inodes_on_port(db.listen)
        self.assertTrue(clients)
        for pid in engines:
            self.assertEqual(socket_inodes_of(pid) & clients, set(),
                             f"engine {pid} holds a client socket")
        # At `timeout resume` borealis gives up: the client sees a FIN,
        # not before (the resume started after `connecting`).
        client.settimeout(20)
        self.assertEqual(client.recv(100), b"")
        held = time.monotonic() - connecting
        self.assertGreaterEqual(held, 3.0 - 0.1,
                                f"held client closed after {held:.2f}s, "
                                "timeout resume is 3s")
        # Logged as HAProxy would: no server connection, timed out ('sC').
        db.wait_for_log(r"fe be/app \d+/-1/\d+ 0 sC ")

    def test_short_connections_keep_the_database_awake(self):
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(
            datadir, auto_pause="4s"), datadir)
        self.assertEqual(db.query("SELECT 1"), ((1,),))
        pids = db.mariadbd_pids()
        offset = db.log_offset()
        # A short connection every 1.5 s for 12 s: never 4 s idle (a
        # deliberate pace).
        for _ in range(8):
            time.sleep(1.5)
            self.assertEqual(db.query("SELECT 1"), ((1,),))
        quiet_from = time.monotonic()
        self.assertNotIn("paused after", db.log()[offset:])
        self.assertEqual(db.mariadbd_pids(), pids)
        # And once they stop, it pauses: not before 4 s after the last.
        db.wait_paused(start=offset)
        self.assertGreaterEqual(time.monotonic() - quiet_from, 3.0)


if __name__ == "__main__":
    unittest.main()
