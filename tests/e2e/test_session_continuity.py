"""Session continuity (docs/session-continuity.md): in `mode mysql` in
front of a database borealis runs, a client session whose server
connection ends while the session is at a safe point goes on, on a new
connection, at its next command: borealis logs in for the client again
(with what it derived when it checked the password) and restores the
session's schema and variables. A session that holds what a new
connection cannot be given (a transaction, user variables, ...) is not
continued.

The client is mysqlclient (MySQLdb, libmariadb), which asks for
CLIENT_SESSION_TRACK. Server connections are ended from the server's side:
`KILL CONNECTION` run as borealis's own account on the control socket, and
mariadbd killed with SIGKILL (borealis starts it again).

Real programs: mariadbd, mysqlclient, the `mariadb` client. borealis only.
"""

import os
import signal
import subprocess
import time
import unittest

import MySQLdb

import harness


class ContinuityBase(harness.ServerlessTestCase):
    """A database borealis runs, behind `mode mysql`, with a table."""

    AUTO_PAUSE = "300s"

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")
        self.datadir = self.new_datadir()
        self.listen = harness.free_port()
        config = harness.base_config(timeout_client="60s",
                                     timeout_server="60s") + \
            harness.database_section(datadir=self.datadir,
                                     auto_pause=self.AUTO_PAUSE) + f"""\
frontend fe
    mode mysql
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    mode mysql
    server app database@app
"""
        proxy = self.start_proxy(config)
        harness.wait_serverless_listening(proxy, self.listen)
        self.db = harness.Serverless(proxy, self.listen, self.datadir)
        self.db.query("CREATE DATABASE IF NOT EXISTS app_shop", timeout=60)
        self.db.query("CREATE TABLE IF NOT EXISTS app_shop.t (a INT)")
        # borealis proves passwords from the accounts it reads while the
        # database runs; until the first read, logins go to the server.
        harness.wait_until(lambda: os.path.exists(
            os.path.join(self.datadir, "borealis-accounts")), 30, 0.1,
            "accounts read")

    def connect(self):
        conn = MySQLdb.connect(host=harness.LOCAL, port=self.listen,
                               user=harness.APP_USER, password=self.db.password(),
                               database="app_shop", connect_timeout=30)
        self.addCleanup(harness.close_quietly, conn)
        return conn

    def as_administrator(self, sql):
        subprocess.run(
            ["mariadb", "--no-defaults", "-u", "root", "-S",
             os.path.join(self.datadir, "borealis-control.sock"), "-e", sql],
            check=True, timeout=30, capture_output=True)

    def one(self, conn, sql):
        cur = conn.cursor()
        cur.execute(sql)
        row = cur.fetchone()
        cur.close()
        return row

    def kill_server_connection(self, conn):
        thread = self.one(conn, "SELECT CONNECTION_ID()")[0]
        self.as_administrator(f"KILL CONNECTION {thread}")
        return thread


class SessionContinuityTest(ContinuityBase):

    def test_safe_session_continues_after_its_server_connection_is_killed(self):
        """USE, SET NAMES, a session variable, autocommit off and committed:
        the server connection is killed; the next query runs on a new one
        with the same schema and variables, and the log says so. Defect:
        no continuity (the client gets 2013 or 1927), the state not
        restored (default values), or the server's farewell ERR passed to
        the client as the answer to its query."""
        conn = self.connect()
        cur = conn.cursor()
        cur.execute("SET NAMES latin1")
        cur.execute("SET SESSION wait_timeout = 1234")
        cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES,NO_ENGINE_SUBSTITUTION'")
        cur.execute("SET autocommit = 0")
        cur.execute("INSERT INTO t VALUES (1)")
        conn.commit()
        before = self.db.log_offset()
        old = self.kill_server_connection(conn)
        row = self.one(conn, "SELECT DATABASE(), @@session.wait_timeout, "
                             "@@character_set_client, @@sql_mode, @@autocommit, "
                             "CONNECTION_ID()")
        self.assertEqual(row[:5], ("app_shop", 1234, "latin1",
                                   "ANSI_QUOTES,NO_ENGINE_SUBSTITUTION", 0))
        self.assertNotEqual(row[5], old)
        self.db.wait_for_log(r"session of 'app' continues on a new connection to "
                             r"'app' \(the last one ended; schema 'app_shop', \d+ "
                             r"variable\(s\) restored\)", start=before)
        # The session goes on as before: a transaction, committed.
        cur = conn.cursor()
        cur.execute("INSERT INTO t VALUES (2)")
        conn.commit()
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app_shop.t")[0][0], 2)

    def test_session_continues_across_an_engine_crash(self):
        """mariadbd killed with SIGKILL while the session is idle at a safe
        point: borealis starts the engine again and the session's next
        query runs on it, schema kept."""
        conn = self.connect()
        self.one(conn, "SELECT 1")
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1, pids)
        os.kill(pids[0], signal.SIGKILL)
        harness.wait_until(lambda: self.db.mariadbd_pids() and
                           self.db.mariadbd_pids() != pids, 30, 0.05,
                           "mariadbd started again")
        row = self.one(conn, "SELECT DATABASE(), COUNT(*) FROM t")
        self.assertEqual(row, ("app_shop", 0))

    def test_inside_a_transaction_the_next_command_fails_then_it_goes_on(self):
        """An open transaction is not at a safe point: the server connection
        killed mid-transaction is not replaced behind the client's back.
        The client's next statement gets ERROR 1927 (its transaction is
        gone, the uncommitted row with it); the statement after runs on a
        new connection with the session as it was before BEGIN (a variable
        set inside the transaction is gone, one set before it is there).
        Defect: a reconnect that silently drops the transaction's first
        half, or a session that cannot go on."""
        conn = self.connect()
        cur = conn.cursor()
        cur.execute("SET SESSION wait_timeout = 2222")
        cur.execute("BEGIN")
        cur.execute("INSERT INTO t VALUES (10)")
        cur.execute("SET SESSION lock_wait_timeout = 33")
        before = self.db.log_offset()
        self.kill_server_connection(conn)
        with self.assertRaises(MySQLdb.OperationalError) as lost:
            cur.execute("INSERT INTO t VALUES (11)")
        self.assertEqual(lost.exception.args[0], 1927, lost.exception.args)
        self.assertIn("a transaction is open", lost.exception.args[1])
        row = self.one(conn, "SELECT @@session.wait_timeout, "
                             "@@session.lock_wait_timeout, COUNT(*) FROM t")
        self.assertEqual(row[0], 2222)
        self.assertNotEqual(row[1], 33)
        self.assertEqual(row[2], 0)
        log = self.db.log()[before:]
        self.assertIn("lost its server connection while a transaction is open", log)
        self.assertIn("continues on a new connection", log)

    def test_user_variables_and_named_locks_are_not_carried_over(self):
        """A user variable (only the state-change tracker says so) and a
        named lock (no tracker says so: borealis reads GET_LOCK in the
        text) each keep the session from a safe point: after the loss the
        next command gets ERROR 1927, and the session goes on without
        them."""
        for setup, check in (("SET @x = 42", "SELECT @x"),
                             ("SELECT GET_LOCK('job', 1)", "SELECT IS_USED_LOCK('job')")):
            conn = self.connect()
            self.one(conn, setup)
            self.kill_server_connection(conn)
            with self.assertRaises(MySQLdb.OperationalError, msg=setup) as lost:
                self.one(conn, "SELECT 1")
            self.assertEqual(lost.exception.args[0], 1927, setup)
            self.assertEqual(self.one(conn, check), (None,), setup)


class PauseWithClientsConnectedTest(ContinuityBase):
    """`auto-pause 2s`: sessions idle at a safe point give their server
    connections back after 2 s, so the database pauses while its clients
    stay connected; their next command wakes it."""

    AUTO_PAUSE = "2s"

    def test_database_pauses_under_idle_clients_and_wakes_on_their_next_command(self):
        """Two clients with session state stay connected and idle: the
        database pauses (no mariadbd left) with both connections open;
        each one's next query wakes it and finds its own state. A client
        inside a transaction keeps it awake. Defect: open connections
        counted as active (no pause), a pause that drops the clients, or
        state lost across it."""
        first, second = self.connect(), self.connect()
        self.one(first, "SET SESSION wait_timeout = 111")
        self.one(second, "SET NAMES latin1")
        before = self.db.log_offset()
        self.db.wait_paused(start=before, timeout=30)
        harness.wait_until(lambda: not self.db.mariadbd_pids(), 15, 0.05,
                           "mariadbd stopped")
        row = self.one(first, "SELECT @@session.wait_timeout, @@character_set_client, "
                              "DATABASE()")
        self.assertEqual(row[0], 111)
        self.assertNotEqual(row[1], "latin1")
        self.assertEqual(row[2], "app_shop")
        row = self.one(second, "SELECT @@session.wait_timeout, @@character_set_client")
        self.assertEqual(row[1], "latin1")
        self.assertNotEqual(row[0], 111)
        log = self.db.log()[before:]
        self.assertEqual(log.count("(the last one was given back while idle"), 2, log)
        # Inside a transaction: no pause while it stays open.
        cur = first.cursor()
        cur.execute("BEGIN")
        cur.execute("INSERT INTO t VALUES (7)")
        during = self.db.log_offset()
        time.sleep(4)
        self.assertNotIn("paused", self.db.log()[during:])
        first.commit()
        self.db.wait_paused(start=during, timeout=30)
        self.assertEqual(self.one(first, "SELECT COUNT(*) FROM t")[0], 1)


if __name__ == "__main__":
    unittest.main()
