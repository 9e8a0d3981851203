"""Session continuity (docs/session-continuity.md): in `mode mysql` in
front of a database borealis runs, a client session whose server
connection ends while the session is at a safe point goes on, on a new
connection, at its next command: borealis logs in for the client again
(with what it derived when it checked the password) and restores the
session's schema and variables. A session that holds what a new
connection cannot be given (a transaction, user variables, ...) is not
continued.

The clients are mysqlclient (MySQLdb, libmariadb), which asks for
CLIENT_SESSION_TRACK, and PyMySQL and Node's mysql2, which do not (borealis
asks the server for tracking itself and hides it from them). Server connections are ended from the server's side:
`KILL CONNECTION` run as borealis's own account on the control socket, and
mariadbd killed with SIGKILL (borealis starts it again).

Real programs: mariadbd, mysqlclient, the `mariadb` client. borealis only.
"""

import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import threading
import time
import unittest

import MySQLdb
import pymysql

import harness
from test_mysql_clients import node_modules


TOTALS = re.compile(
    r"backend '(?P<backend>[^']+)' session continuity: (?P<released>\d+) server connection\(s\) "
    r"given back while idle, (?P<restored>\d+) session\(s\) restored, (?P<not_restored>\d+) "
    r"not restored, (?P<refused>\d+) command\(s\) refused \(what the session held was "
    r"lost\), (?P<fate_unknown>\d+) command\(s\) of unknown fate, (?P<busy_retries>\d+) "
    r"login\(s\) asked again after 'Too many connections'")


def continuity_totals(proxy):
    """Stops borealis and returns the counts of its last line about
    session continuity (all 0 without one)."""
    proxy.stop(60)
    found = list(TOTALS.finditer(proxy.log()))
    if not found:
        return {key: 0 for key in TOTALS.groupindex if key != "backend"}
    return {key: int(value) for key, value in found[-1].groupdict().items()
            if key != "backend"}


class ContinuityBase(harness.ServerlessTestCase):
    """A database borealis runs, behind `mode mysql`, with a table."""

    AUTO_PAUSE = "300s"
    ACU = "memory 128m cpu 0.5 connections 20"
    BACKEND_LINES = ""

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")
        self.datadir = self.new_datadir()
        self.listen = harness.free_port()
        # (Restores and releases are logged at debug.)
        config = harness.base_config(timeout_client="60s", timeout_server="60s",
                                     log_level="debug") + \
            harness.database_section(datadir=self.datadir, acu=self.ACU,
                                     auto_pause=self.AUTO_PAUSE) + f"""\
frontend fe
    mode mysql
    bind {harness.LOCAL}:{self.listen}
    default_backend be

backend be
    mode mysql
    server app database@app
{self.BACKEND_LINES}"""
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
        """`sql` run as root on the control socket; its output (batch)."""
        return subprocess.run(
            ["mariadb", "--no-defaults", "-u", "root", "-S",
             os.path.join(self.datadir, "borealis-control.sock"), "-N", "-B",
             "-e", sql],
            check=True, timeout=30, capture_output=True, text=True).stdout

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

    def test_twenty_sessions_continue_across_an_engine_crash(self):
        """mariadbd killed with SIGKILL while 20 sessions are idle at a safe
        point, each with its own schema and variable: borealis starts the
        engine again and every session's next query runs on it with its own
        state. Defect: a session lost, or given another's state."""
        self.db.query("CREATE DATABASE IF NOT EXISTS app_other")
        sessions = []
        for n in range(20):
            conn = self.connect()
            schema = "app_other" if n % 2 else "app_shop"
            self.one(conn, f"USE {schema}")
            self.one(conn, f"SET SESSION wait_timeout = {1000 + n}")
            sessions.append((conn, schema, 1000 + n))
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1, pids)
        os.kill(pids[0], signal.SIGKILL)
        harness.wait_until(lambda: self.db.mariadbd_pids() and
                           self.db.mariadbd_pids() != pids, 30, 0.05,
                           "mariadbd started again")
        for conn, schema, timeout in sessions:
            row = self.one(conn, "SELECT DATABASE(), @@session.wait_timeout, "
                                 "COUNT(*) FROM app_shop.t")
            self.assertEqual(row, (schema, timeout, 0))
        totals = continuity_totals(self.db.proxy)
        self.assertGreaterEqual(totals["restored"], 20, totals)
        self.assertEqual((totals["refused"], totals["fate_unknown"]), (0, 0), totals)

    def test_a_query_running_when_the_engine_crashes_fails_then_it_goes_on(self):
        """mariadbd killed with SIGKILL while the session's query runs (no
        answer yet): whether the query took effect is unknown, so it is
        not run again; the client gets ERROR 1927 for it, and its next
        query runs on the restarted engine with the session's state.
        Defect: the client's connection dropped (2013, then 2006), or the
        query silently run again."""
        conn = self.connect()
        self.one(conn, "SET SESSION wait_timeout = 3333")
        failure = {}

        def run_long_query():
            try:
                self.one(conn, "SELECT SLEEP(30)")
            except MySQLdb.OperationalError as error:
                failure["args"] = error.args

        thread = threading.Thread(target=run_long_query)
        thread.start()
        harness.wait_until(lambda: self.as_administrator(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
            "WHERE INFO = 'SELECT SLEEP(30)'").strip() == "1", 30, 0.05,
            "the query running")
        before = self.db.log_offset()
        pids = self.db.mariadbd_pids()
        os.kill(pids[0], signal.SIGKILL)
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertEqual(failure.get("args", (None,))[0], 1927, failure)
        self.assertIn("whether it took effect is unknown", failure["args"][1])
        row = self.one(conn, "SELECT @@session.wait_timeout, DATABASE()")
        self.assertEqual(row, (3333, "app_shop"))
        self.assertIn("lost its server connection before the answer to its command",
                      self.db.log()[before:])
        totals = continuity_totals(self.db.proxy)
        self.assertEqual((totals["fate_unknown"], totals["refused"]), (1, 0), totals)

    PHP_CHANGE_USER = r"""<?php
$db = new mysqli(getenv("DB_HOST"), "app", getenv("DB_PASSWORD"), "app_shop",
                 (int)getenv("DB_PORT"));
$db->query("SET SESSION wait_timeout = 1234");
$db->change_user("app", getenv("DB_PASSWORD"), "app_other");
$db->query("SET SESSION lock_wait_timeout = 77");
echo $db->query("SELECT CONNECTION_ID()")->fetch_row()[0], "\n";
fgets(STDIN);
$row = $db->query("SELECT DATABASE(), @@session.wait_timeout, @@session.lock_wait_timeout")
          ->fetch_row();
echo json_encode($row), "\n";
"""

    def test_a_session_continues_after_a_change_of_user_borealis_proved(self):
        """PHP mysqli's change_user() to an account borealis proves (the
        same user, another schema): the session starts afresh there, sets a
        variable, loses its server connection, and its next query runs on
        a new connection logged in as that account, in that schema, with
        that variable (and not the one set before the change). Defect: a
        session not continued after COM_CHANGE_USER (1927 or 2006), or
        restored as it was before the change."""
        self.db.query("CREATE DATABASE IF NOT EXISTS app_other")
        script = self.tmp.write("change_user.php", self.PHP_CHANGE_USER)
        env = dict(os.environ, DB_HOST=harness.LOCAL, DB_PORT=str(self.listen),
                   DB_PASSWORD=self.db.password())
        php = subprocess.Popen(["php", script], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
        self.addCleanup(lambda: php.poll() is None and php.kill())
        thread = php.stdout.readline().strip()
        if not thread.isdigit():
            php.kill()
            self.fail("the PHP script did not start: " + thread + php.stderr.read())
        before = self.db.log_offset()
        self.as_administrator(f"KILL CONNECTION {thread}")
        time.sleep(0.3)  # borealis reads the server's farewell
        out, err = php.communicate("go\n", timeout=60)
        self.assertEqual(php.returncode, 0, err)
        database, wait_timeout, lock_wait_timeout = json.loads(out.strip())
        self.assertEqual((database, lock_wait_timeout), ("app_other", "77"))
        self.assertNotEqual(wait_timeout, "1234")
        self.assertIn("continues on a new connection", self.db.log()[before:])

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
        totals = continuity_totals(self.db.proxy)
        self.assertEqual((totals["refused"], totals["fate_unknown"]), (1, 0), totals)
        self.assertGreaterEqual(totals["restored"], 1, totals)

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

    def test_a_temporary_table_or_a_named_lock_keeps_the_database_awake(self):
        """A session holding a temporary table keeps the database awake
        (a fresh connection could not be given it) until it closes; one
        holding a named lock until RELEASE_ALL_LOCKS(), after which the
        database pauses with that client still connected. Defect: a pause
        that silently drops the table or the lock."""
        for hold, release in (("CREATE TEMPORARY TABLE tmp (a INT)", None),
                              ("SELECT GET_LOCK('job', 1)", "SELECT RELEASE_ALL_LOCKS()")):
            conn = self.connect()
            self.one(conn, hold)
            during = self.db.log_offset()
            time.sleep(4)  # twice auto-pause
            self.assertNotIn("paused", self.db.log()[during:], hold)
            self.assertTrue(self.db.mariadbd_pids(), hold)
            if release:
                self.one(conn, release)
            else:
                conn.close()
            self.db.wait_paused(start=during, timeout=30)
        self.assertEqual(self.one(conn, "SELECT IS_USED_LOCK('job')"), (None,))

    def test_clients_without_session_tracking_keep_their_state_across_a_pause(self):
        """PyMySQL and two connections of a Node mysql2 pool, none asking
        for CLIENT_SESSION_TRACK, each change their session (schema,
        sql_mode, time_zone, character_set_client, autocommit off) and
        stay connected and idle: the database pauses, and each one's next
        query finds its own state on the woken database. Their OKs come
        without the trackers' bytes borealis asked for. Defect: tracking
        only when the client asks (no continuity: 1927 or a reset
        session), or session state leaking into the client's OK (the
        state-changed flag, bytes after the info)."""
        self.db.query("CREATE DATABASE IF NOT EXISTS app_other")
        py = pymysql.connect(host=harness.LOCAL, port=self.listen,
                             user=harness.APP_USER, password=self.db.password(),
                             database="app_shop", connect_timeout=30,
                             read_timeout=60, autocommit=True)
        self.addCleanup(harness.close_quietly, py)
        with py.cursor() as cur:
            cur.execute("USE app_other")
            cur.execute("SET SESSION sql_mode = 'ANSI_QUOTES'")
            cur.execute("SET time_zone = '+03:00'")
            cur.execute("SET character_set_client = 'latin1'")
        py.autocommit(False)
        with py.cursor() as cur:
            cur.execute("UPDATE app_shop.t SET a = a WHERE a < 0")
        ok = py._result  # the UPDATE's OK as PyMySQL read it
        self.assertFalse(ok.server_status & 0x4000, "state-changed flag passed on")
        self.assertTrue(ok.message.endswith(b"Rows matched: 0  Changed: 0  Warnings: 0"),
                        ok.message)
        self.assertLess(len(ok.message), 45, ok.message)
        py.rollback()
        node = self.start_node_pool()
        before = self.db.log_offset()
        self.db.wait_paused(start=before, timeout=30)
        harness.wait_until(lambda: not self.db.mariadbd_pids(), 15, 0.05,
                           "mariadbd stopped")
        with py.cursor() as cur:
            cur.execute("SELECT DATABASE(), @@sql_mode, @@time_zone, "
                        "@@character_set_client, @@autocommit")
            self.assertEqual(cur.fetchone(),
                             ("app_other", "ANSI_QUOTES", "+03:00", "latin1", 0))
        self.assertFalse(py.get_autocommit())
        node.stdin.write("go\n")
        node.stdin.flush()
        try:
            out, err = node.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            node.kill()
            out, err = node.communicate()
            self.fail(f"the mysql2 pool hung: {out}\n{err}")
        self.assertEqual(node.returncode, 0, err)
        rows = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(rows[0], ["app_shop", "ANSI_QUOTES", "-05:00", "utf8mb4", 1])
        self.assertEqual(rows[1][0], "app_other")
        self.assertEqual(rows[1][4], 0)
        self.assertGreaterEqual(
            self.db.log()[before:].count("(the last one was given back while idle"), 3)

    NODE_POOL = r'''// Two connections of a mysql2 pool change their sessions, stay
// open and idle until a line arrives on stdin, then report their state.
const mysql = require('mysql2/promise');
(async () => {
  const pool = mysql.createPool({host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT), user: process.env.DB_USER,
    password: process.env.DB_PASSWORD, database: 'app_shop', connectionLimit: 2});
  const a = await pool.getConnection(), b = await pool.getConnection();
  await a.query("SET SESSION sql_mode = 'ANSI_QUOTES'");
  await a.query("SET time_zone = '-05:00'");
  await a.query("SET NAMES utf8mb4");
  await b.query("USE app_other");
  await b.query("SET autocommit = 0");
  console.log("ready");
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const sql = "SELECT DATABASE() AS d, @@sql_mode AS m, @@time_zone AS z, " +
              "@@character_set_client AS c, @@autocommit AS ac";
  const rows = [];
  for (const c of [a, b]) {
    const [r] = await c.query(sql);
    rows.push([r[0].d, r[0].m, r[0].z, r[0].c, Number(r[0].ac)]);
  }
  a.release(); b.release();
  await pool.end();
  console.log(JSON.stringify(rows));
  process.exit(0);  // stdin, still open, would keep node running
})().catch((e) => { console.error(e); process.exit(1); });
'''

    def start_node_pool(self):
        """The mysql2 pool script, started and past its set-up."""
        script = self.tmp.write("pool.js", self.NODE_POOL)
        env = dict(os.environ, NODE_PATH=node_modules(), DB_HOST=harness.LOCAL,
                   DB_PORT=str(self.listen), DB_USER=harness.APP_USER,
                   DB_PASSWORD=self.db.password())
        node = subprocess.Popen(["node", script], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        self.addCleanup(lambda: node.poll() is None and node.kill())
        line = node.stdout.readline()
        if line.strip() != "ready":
            node.kill()
            self.fail("the mysql2 pool did not start: " + line + node.stderr.read())
        return node


class ReleaseTest(ContinuityBase):
    """`timeout release 1s` on the backend: many connected clients, a few
    busy, need only as many server connections as are busy."""

    CLIENTS, BUSY = 5000, 50
    ACU = "memory 128m cpu 0.5 connections 800"
    BACKEND_LINES = "    timeout release 1s\n"

    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < self.CLIENTS + 1000:
            self.fail(f"{self.CLIENTS} clients need more descriptors than {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        super().setUp()

    def test_mostly_idle_clients_hold_only_the_busy_ones_server_connections(self):
        """5,000 clients connected, each ran a query; 50 of them keep busy.
        After the release period the engine has about 50 client
        connections (Threads_connected counts borealis's own too), every
        idle client's next query works, and the totals at the end count a
        release and a restore for each idle client. Defect: idle sessions
        holding their server connections (about 5,000, refused beyond the
        engine's 800), or a released session that cannot come back."""
        clients = []
        for _ in range(self.CLIENTS):
            conn = self.connect()
            self.one(conn, "SELECT 1")
            clients.append(conn)
        busy, stop = clients[:self.BUSY], threading.Event()
        errors = []

        def keep_busy(conn):
            try:
                while not stop.is_set():
                    self.one(conn, "SELECT SLEEP(0.02)")
            except Exception as failure:  # reported by the test thread
                errors.append(failure)

        threads = [threading.Thread(target=keep_busy, args=(c,)) for c in busy]
        for thread in threads:
            thread.start()
        try:
            def engine_connections():
                return int(self.as_administrator(
                    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                    "WHERE VARIABLE_NAME = 'THREADS_CONNECTED'").strip())
            harness.wait_until(lambda: engine_connections() <= self.BUSY + 5, 60, 0.2,
                               "idle sessions' server connections given back")
            self.assertGreaterEqual(engine_connections(), self.BUSY)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        self.assertEqual(errors, [])
        idle = clients[self.BUSY:]
        for conn in idle:
            self.assertEqual(self.one(conn, "SELECT 2"), (2,))
        for conn in clients:
            harness.close_quietly(conn)
        totals = continuity_totals(self.db.proxy)
        self.assertGreaterEqual(totals["released"], len(idle), totals)
        # Exactly one restore per client: each was given back while the
        # others connected (the busy ones too, before their loop), and a
        # client that quits while released is not logged in again.
        self.assertEqual(totals["restored"], self.CLIENTS, totals)
        failures = [line for line in self.db.log().splitlines()
                    if "could not continue" in line]
        self.assertEqual((totals["not_restored"], totals["refused"], totals["fate_unknown"]),
                         (0, 0, 0), f"{totals}; {failures[:3]}")


class ExternalServerTest(harness.E2ETestCase):
    """Servers borealis does not run, in `mode mysql`: with the account's
    hash declared (`mysql-user`), borealis proves the clients' passwords
    and can log in for them again, on the same server or another."""

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("mode mysql is borealis's")

    def start_borealis(self, backend_lines, head=""):
        """borealis in `mode mysql` with the app account declared, `head`
        (sections) before the proxies and `backend_lines` in the backend;
        returns (proxy, listen port)."""
        listen = harness.free_port()
        stage2 = hashlib.sha1(hashlib.sha1(harness.APP_PASSWORD.encode()).digest())
        config = harness.base_config(log_level="debug") + head + harness.mysql_proxy_sections(
            listen, f"mysql-user {harness.APP_USER} password *{stage2.hexdigest().upper()}\n"
            + backend_lines)
        return self.start_proxy(config, wait=(harness.LOCAL, listen)), listen

    def test_sessions_between_commands_move_to_the_new_primary(self):
        """Ten sessions (PyMySQL and mysqlclient) with their own state are
        connected to A; the name moves to B and A shuts down: every
        session's next query runs on B with its schema and variable, with
        no error. Defect: the sessions dropped with A (2013), or not
        restored on B."""
        port = harness.free_port((harness.host(2), harness.host(3)))
        db_a = self.start_mariadb(host=harness.host(2), port=port, name="A")
        db_b = self.start_mariadb(host=harness.host(3), port=port, name="B")
        dns = self.start_dnsmasq(hosts={"db.cluster.test": db_a.host})
        proxy, listen = self.start_borealis(
            f"    server db db.cluster.test:{port} resolvers mydns check inter 1s\n",
            head=f"resolvers mydns\n    nameserver dns {dns.host}:{dns.port}\n"
                 "    hold valid 1s\n\n")
        sessions = []
        for n in range(10):
            if n % 2:
                conn = MySQLdb.connect(host=harness.LOCAL, port=listen,
                                       user=harness.APP_USER,
                                       password=harness.APP_PASSWORD,
                                       database="marker", connect_timeout=30)
            else:
                conn = pymysql.connect(host=harness.LOCAL, port=listen,
                                       user=harness.APP_USER,
                                       password=harness.APP_PASSWORD,
                                       database="marker", connect_timeout=30,
                                       read_timeout=60, autocommit=True)
            self.addCleanup(harness.close_quietly, conn)
            cur = conn.cursor()
            cur.execute(f"SET SESSION wait_timeout = {2000 + n}")
            cur.execute("SELECT name FROM m")
            self.assertEqual(cur.fetchone()[0], "A")
            cur.close()
            conn.commit()  # mysqlclient runs with autocommit off
            sessions.append(conn)
        dns.set_hosts({"db.cluster.test": db_b.host})
        harness.wait_until(lambda: harness.cli_marker(harness.LOCAL, listen) == "B",
                           30, 0.3, "new connections to reach B")
        before = proxy.log_offset()
        db_a.stop()
        for n, conn in enumerate(sessions):
            cur = conn.cursor()
            cur.execute("SELECT name, DATABASE(), @@session.wait_timeout FROM m")
            self.assertEqual(tuple(cur.fetchone()), ("B", "marker", 2000 + n))
            cur.close()
            conn.commit()
        self.assertEqual(proxy.log()[before:].count("continues on a new connection"), 10)

    def test_a_server_still_full_is_asked_again(self):
        """A server with little room (max_connections at MariaDB's least,
        10), `timeout release 1s`: session A's connection was given back
        and other clients (direct) fill the server. A's next query, and a
        new client's login, find it full ("Too many connections"): borealis
        asks again until a direct client leaves, and both succeed. Defect:
        A gets 1927 with the server's 1040, or the new client gets 1040."""
        db = self.start_mariadb(max_connections=10)
        proxy, listen = self.start_borealis(
            "    timeout release 1s\n    timeout queue 20s\n"
            f"    server db {db.host}:{db.port}\n")

        def connect(port=listen, host=harness.LOCAL):
            conn = pymysql.connect(host=host, port=port, user=harness.APP_USER,
                                   password=harness.APP_PASSWORD, database="marker",
                                   connect_timeout=30, read_timeout=60, autocommit=True)
            self.addCleanup(harness.close_quietly, conn)
            return conn

        def one(conn, sql):
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchone()

        first = connect()
        one(first, "SET SESSION wait_timeout = 999")
        time.sleep(2)  # given back after 1 s idle
        # Fill the server directly (an account with SUPER also gets
        # MariaDB's one extra connection): refused with 1040 when full.
        holders = []
        for _ in range(20):
            try:
                holders.append(connect(db.port, db.host))
            except pymysql.err.OperationalError as refused:
                self.assertEqual(refused.args[0], 1040, refused.args)
                break
        else:
            self.fail("the server never said it was full")
        self.assertGreaterEqual(len(holders), 2)

        def leave_soon():
            timer = threading.Timer(1.0, harness.close_quietly, args=(holders.pop(),))
            timer.start()
            self.addCleanup(timer.cancel)

        before = proxy.log_offset()
        leave_soon()
        self.assertEqual(one(first, "SELECT 2, @@session.wait_timeout"), (2, 999))
        self.assertIn("continues on a new connection", proxy.log()[before:])
        leave_soon()
        late = connect()
        self.assertEqual(one(late, "SELECT 3"), (3,))
        for conn in holders + [first, late]:
            harness.close_quietly(conn)
        totals = continuity_totals(proxy)
        self.assertGreaterEqual(totals["busy_retries"], 2, totals)
        self.assertEqual(totals["not_restored"], 0, totals)


if __name__ == "__main__":
    unittest.main()
