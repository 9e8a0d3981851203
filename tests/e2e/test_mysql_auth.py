"""`mode mysql` in front of a database borealis runs (`database@`):
borealis checks mysql_native_password logins itself against the accounts'
hashes it keeps (docs/configuration.md, "Authentication"), so a login runs
while a paused database starts, a wrong password on a paused database is
refused by borealis, and borealis logs in for the client with what it
derived (never a password).

What tells borealis's answer from the server's: the server sees borealis's
connections from 127.0.0.1, so its "Access denied" names that host, while
borealis's names the client's own address; and a login borealis verified
gets no auth switch (the pass-through path always sends one).

Real programs: mariadbd, PyMySQL, raw sockets. borealis only.
"""

import hashlib
import os
import socket
import stat
import subprocess
import unittest

import pymysql

import harness
import netprobe


class MysqlAuthTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")

    def start(self, auto_pause="2s"):
        self.datadir = self.new_datadir()
        self.listen = harness.free_port()
        config = harness.base_config(timeout_client="60s",
                                     timeout_server="60s") + \
            harness.database_section(datadir=self.datadir,
                                     auto_pause=auto_pause) + f"""\
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
        return self.db

    def as_administrator(self, sql):
        """Runs `sql` as borealis's own account on the control socket (the
        test runs as the account borealis runs as; the application account
        may not create users)."""
        subprocess.run(
            ["mariadb", "--no-defaults", "-u", "root", "-S",
             os.path.join(self.datadir, "borealis-control.sock"), "-e", sql],
            check=True, timeout=30, capture_output=True)

    def raw(self, user, password):
        sock = socket.create_connection((harness.LOCAL, self.listen), 10,
                                        source_address=(harness.LOCAL, 0))
        self.addCleanup(harness.close_quietly, sock)
        return sock, netprobe.raw_login(sock, user, password, timeout=60)

    def assert_denied_by(self, exc, host):
        code, message = exc.exception.args[0], exc.exception.args[1]
        self.assertEqual(code, 1045, message)
        self.assertIn(f"'app'@'{host}'", message)

    def test_paused_database_checks_the_password_itself(self):
        """Paused with an exact table (read as it paused): the right
        password logs in with no auth switch; a wrong one and an unknown
        user get 1045 naming the client's address (borealis's answer, the
        server's would name 127.0.0.1). Defect: no local check (every login
        gets an auth switch), a check that accepts any answer, or a denial
        the server gave."""
        db = self.start()
        db.wait_for_log(r"database app: paused until the first connection")
        # First run: the table is read while running, then exactly at the pause.
        db.query("SELECT 1", timeout=60)
        db.wait_paused()
        before = db.log_offset()
        sock, answer = self.raw("app", db.password())
        self.assertEqual(answer[0], 0x00, f"not an OK at once: {answer[:40]!r}")
        # The log tells that the login overlapped the start.
        db.wait_for_log(r"database app: resumed in \d+ ms for 1 waiting "
                        r"connections at [\d.]+ ACU \(1 logged in while it "
                        r"started\)", start=before)
        # The session borealis logged in for works: COM_RESET_CONNECTION
        # and COM_PING are answered by the server.
        for command in (b"\x1f", b"\x0e"):
            sock.sendall(b"\x01\x00\x00\x00" + command)
            self.assertEqual(netprobe.read_packet(sock, 30)[1][0], 0x00)
        sock.close()
        db.wait_paused(start=db.log_offset())
        offset = db.log_offset()
        with self.assertRaises(pymysql.err.OperationalError) as denied:
            db.connect(password="wrong-password", timeout=60,
                       bind_address=harness.LOCAL)
        self.assert_denied_by(denied, harness.LOCAL)
        _, answer = self.raw("nobody", "x")
        self.assertEqual(answer[0], 0xFF)
        self.assertIn(f"'nobody'@'{harness.LOCAL}'".encode(), answer)
        # The right password still works, and borealis logged in as the
        # client: the server knows it as app@%.
        conn = db.connect(timeout=60)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT CURRENT_USER()")
                self.assertEqual(cur.fetchone()[0], "app@%")
        finally:
            conn.close()
        self.assertNotIn("login with server", db.log()[offset:])

    def test_a_password_changed_through_the_gateway_takes_effect(self):
        """ALTER USER through borealis: the new password works at once and
        the old one is refused, while running (the table may be behind:
        the server decides) and after a pause (the table read at the pause
        decides). Defect: a table that is never read again, or one read
        while running trusted to deny."""
        db = self.start()
        db.query("SELECT 1", timeout=60)
        old = db.password()
        new = "Changed-Pass-7"
        conn = db.connect(timeout=60)
        with conn.cursor() as cur:
            cur.execute("SET PASSWORD = PASSWORD(%s)", (new,))
        conn.close()
        ok = db.connect(password=new, timeout=60)
        ok.close()
        with self.assertRaises(pymysql.err.OperationalError) as denied:
            db.connect(password=old, timeout=60)
        self.assertEqual(denied.exception.args[0], 1045)
        db.wait_paused()
        sock, answer = self.raw("app", new)
        self.assertEqual(answer[0], 0x00, f"new password not verified: {answer[:40]!r}")
        sock.close()
        db.wait_paused(start=db.log_offset())
        with self.assertRaises(pymysql.err.OperationalError) as denied:
            db.connect(password=old, timeout=60, bind_address=harness.LOCAL)
        self.assert_denied_by(denied, harness.LOCAL)

    def test_accounts_file_is_private_and_holds_no_password(self):
        """The kept table: mode 0600, owned by borealis, the hash of the
        application password and never the password. Defect: a world-
        readable file, or a password written down."""
        db = self.start()
        db.query("SELECT 1", timeout=60)
        db.wait_paused()
        path = os.path.join(self.datadir, "borealis-accounts")
        info = os.stat(path)
        self.assertEqual(stat.S_IMODE(info.st_mode), 0o600)
        self.assertEqual(info.st_uid, os.geteuid())
        with open(path, encoding="ascii") as f:
            text = f.read()
        self.assertNotIn(db.password(), text)
        self.assertNotIn(db.password().encode().hex(), text)
        stage2 = hashlib.sha1(hashlib.sha1(db.password().encode()).digest())
        self.assertIn(stage2.hexdigest(), text)
        self.assertIn("\nexact\n", text)

    def test_other_plugins_and_accounts_created_while_running(self):
        """An account made while the database runs (not in the table yet)
        logs in through the server; one with another plugin (ed25519, if
        the server has it) too. Defect: borealis denying what it does not
        know."""
        db = self.start(auto_pause="60s")
        db.query("SELECT 1", timeout=60)
        self.as_administrator(
            "CREATE USER 'fresh'@'%' IDENTIFIED BY 'Fresh-Pass-1'; "
            "GRANT SELECT ON app.* TO 'fresh'@'%'")
        fresh = db.connect(user="fresh", password="Fresh-Pass-1", timeout=60)
        with fresh.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            self.assertEqual(cur.fetchone()[0], "fresh@%")
        fresh.close()

    def test_change_user_after_a_login_borealis_made(self):
        """COM_CHANGE_USER on a session borealis logged in for (the client
        knows only borealis's scramble): borealis has the server ask the
        client again, so changing to another account works, back too, and a
        wrong password is refused. libmariadb's mysql_change_user, through
        mysqlclient. Defect: the command passed as it is (the server checks
        an answer to a scramble it never sent: 1045)."""
        import MySQLdb
        db = self.start(auto_pause="60s")
        db.query("SELECT 1", timeout=60)
        self.as_administrator(
            "CREATE USER 'second'@'%' IDENTIFIED BY 'Second-Pass-2'; "
            "GRANT SELECT ON app.* TO 'second'@'%'")
        # borealis reads the accounts every 5 s while the database runs.
        accounts = os.path.join(self.datadir, "borealis-accounts")
        def known():
            with open(accounts, encoding="ascii") as f:
                return b"second".hex() in f.read()

        harness.wait_until(known, 20, 0.1, "the new account in borealis's table")
        conn = MySQLdb.connect(host=harness.LOCAL, port=self.listen,
                               user="app", password=db.password(),
                               connect_timeout=60)
        self.addCleanup(conn.close)

        def current_user():
            cur = conn.cursor()
            cur.execute("SELECT CURRENT_USER()")
            return cur.fetchone()[0]

        self.assertEqual(current_user(), "app@%")
        conn.change_user("second", "Second-Pass-2", "app")
        self.assertEqual(current_user(), "second@%")
        conn.change_user("app", db.password(), "app")
        self.assertEqual(current_user(), "app@%")
        with self.assertRaises(MySQLdb.OperationalError) as denied:
            conn.change_user("second", "wrong", "app")
        self.assertEqual(denied.exception.args[0], 1045)
        # The log says borealis logged in for this client (no auth switch).
        self.assertNotIn("login with server", db.log())


if __name__ == "__main__":
    unittest.main()
