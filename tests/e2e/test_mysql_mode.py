"""`mode mysql`: borealis greets MySQL clients itself, has them
authenticate to the server through an auth switch (any plugin, borealis
never sees a password), relays the session, and answers every refusal with
an ERR packet a client library reports (docs/configuration.md, "Errors").

Real programs: mariadbd, the `mariadb` command-line client, PyMySQL.
borealis only (HAProxy has no `mode mysql`).
"""

import hashlib
import os
import signal
import socket
import ssl
import struct
import subprocess
import threading
import time
import unittest

import pymysql

import harness
import netprobe


def err_of(exc):
    """(code, message) of a PyMySQL error."""
    return exc.args[0], exc.args[1]


class MysqlModeBase(harness.E2ETestCase):
    """Starts mariadbd and a borealis frontend/backend in mode mysql."""

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("mode mysql is borealis's")

    def start(self, server_lines=None, frontend_lines=(), backend_lines=(),
              timeout_client="30s"):
        self.db = getattr(self, "db", None) or self.start_mariadb(
            host=harness.host(2), name="A",
            extra_args=["--max-allowed-packet=64M"])
        self.listen = harness.free_port()
        servers = server_lines or [f"server db {self.db.host}:{self.db.port}"]
        config = harness.base_config(timeout_client=timeout_client) + \
            "frontend fe\n    mode mysql\n" + \
            f"    bind {harness.LOCAL}:{self.listen}\n" + \
            "".join(f"    {line}\n" for line in frontend_lines) + \
            "    default_backend be\n\nbackend be\n    mode mysql\n" + \
            "".join(f"    {line}\n" for line in list(backend_lines) + servers)
        self.proxy = self.start_proxy(config)
        harness.wait_until(lambda: self.proxy.running() and harness.tcp_listening(
            harness.LOCAL, self.listen), 20, 0.05, "proxy listening")

    def connect(self, **kwargs):
        kwargs.setdefault("timeout", 15)
        return harness.connect(harness.LOCAL, self.listen, **kwargs)

    def start_and_port(self):
        self.start()
        return self.listen


class MysqlModeTest(MysqlModeBase):

    def test_queries_multi_statements_and_a_large_blob(self):
        """Queries, a multi-statement, COM_INIT_DB, a 20 MiB blob both
        ways; the greeting's id is borealis's (2^31 and up) while
        CONNECTION_ID() is the server's; the log line names the user."""
        self.start()
        self.db.execute("CREATE DATABASE shop",
                        f"GRANT ALL ON shop.* TO '{harness.APP_USER}'@'%'")
        conn = self.connect(database="shop", max_allowed_packet=64 << 20,
                            client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
        try:
            self.assertTrue(2 ** 30 <= conn.thread_id() < 2 ** 31)
            with conn.cursor() as cur:
                cur.execute("SELECT CONNECTION_ID(), DATABASE(), USER()")
                thread, database, user = cur.fetchone()
                self.assertLess(thread, 2 ** 30)
                self.assertEqual(database, "shop")
                self.assertTrue(user.startswith(harness.APP_USER + "@"))
                cur.execute("CREATE TABLE t (id INT PRIMARY KEY, b LONGBLOB);"
                            "INSERT INTO t VALUES (1, 'a'); SELECT 7")
                while cur.nextset():
                    pass
                blob = bytes(range(256)) * (20 * 4096 + 1)
                cur.execute("INSERT INTO t VALUES (2, %s)", (blob,))
                cur.execute("SELECT b FROM t WHERE id = 2")
                self.assertEqual(cur.fetchone()[0], blob)
            conn.select_db("mysql")
            with conn.cursor() as cur:
                cur.execute("SELECT DATABASE()")
                self.assertEqual(cur.fetchone()[0], "mysql")
        finally:
            conn.close()
        line = harness.wait_until(
            lambda: [l for l in harness.tcplog_lines(self.proxy.log(), "fe")],
            10, 0.05, "a log line")[0]
        self.assertEqual(line["state"], "--", line)
        self.assertGreater(line["bytes"], len(blob))
        self.assertIn(f"{{{harness.APP_USER}}}", self.proxy.log())

    def test_connection_attributes_reach_the_server(self):
        """The client's connection attributes (PyMySQL's program_name) are
        passed on: the server's performance_schema shows them."""
        self.db = self.start_mariadb(
            host=harness.host(2), name="A",
            extra_args=["--performance-schema=ON"])
        self.start()
        conn = self.connect(program_name="billing-batch")
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT ATTR_VALUE FROM "
                            "performance_schema.session_connect_attrs WHERE "
                            "PROCESSLIST_ID = CONNECTION_ID() AND "
                            "ATTR_NAME = 'program_name'")
                self.assertEqual(cur.fetchone(), ("billing-batch",))
        finally:
            conn.close()

    def test_mariadb_command_line_client(self):
        code, out, err = harness.mariadb_cli(
            harness.LOCAL, self.start_and_port(),
            "SELECT 40 + 2; SELECT @@version_comment IS NOT NULL")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split(), ["42", "1"])

    def test_wrong_password_and_unknown_user_get_1045(self):
        """The server's own refusal reaches the client unchanged."""
        self.start()
        for user, password in ((harness.APP_USER, "wrong"), ("nobody", "x")):
            with self.assertRaises(pymysql.err.OperationalError) as caught:
                self.connect(user=user, password=password)
            code, message = err_of(caught.exception)
            self.assertEqual(code, 1045, message)
            self.assertIn(f"Access denied for user '{user}'", message)

    def test_failed_logins_block_the_address(self):
        """`max-connect-errors` at its default (100): from one address, the
        first 100 wrong passwords get the server's 1045, the next attempts
        (even with the right password) 1129 from borealis, without reaching
        the server; another address is not affected."""
        self.start()
        codes = []
        for _ in range(110):
            try:
                self.connect(password="wrong", bind_address=harness.host(4)).close()
                codes.append(0)
            except pymysql.err.OperationalError as exc:
                codes.append(exc.args[0])
        self.assertEqual(codes, [1045] * 100 + [1129] * 10)
        before = self.db.foreign_connections()
        with self.assertRaises(pymysql.err.OperationalError) as caught:
            self.connect(bind_address=harness.host(4))
        self.assertEqual(caught.exception.args[0], 1129)
        self.assertIn(harness.host(4), caught.exception.args[1])
        self.assertEqual(self.db.foreign_connections(), before,
                         "a blocked address reached the server")
        self.connect(bind_address=harness.host(3)).close()

    def test_block_ends_after_its_time_and_success_clears(self):
        """`max-connect-errors 3 block 4s`: blocked after 3 failures, not
        before; let in again once the block is over (not before it); a
        success in between starts the count again."""
        self.start(frontend_lines=["max-connect-errors 3 block 4s"])
        source = harness.host(5)

        def attempt(password=harness.APP_PASSWORD):
            try:
                self.connect(password=password, bind_address=source).close()
                return 0
            except pymysql.err.OperationalError as exc:
                return exc.args[0]

        self.assertEqual([attempt("x"), attempt("x"), attempt()], [1045, 1045, 0])
        self.assertEqual([attempt("x"), attempt("x"), attempt("x")],
                         [1045, 1045, 1045])
        blocked_at = time.monotonic()
        self.assertEqual(attempt(), 1129)
        harness.wait_until(lambda: attempt() == 0, 20, 0.2,
                           "the block to end")
        self.assertGreaterEqual(time.monotonic() - blocked_at, 3.5)

    def test_other_authentication_plugin_passes_through(self):
        """An ed25519 account (MariaDB's plugin, not the greeting's): the
        server switches the client to it through borealis."""
        self.start()
        self.db.execute("INSTALL SONAME 'auth_ed25519'",
                        "CREATE USER ed@'%' IDENTIFIED VIA ed25519 USING "
                        "PASSWORD('Ed-Secret-1')")
        code, out, err = harness.mariadb_cli(harness.LOCAL, self.listen,
                                             "SELECT CURRENT_USER()",
                                             user="ed", password="Ed-Secret-1")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), "ed@%")
        code, _, err = harness.mariadb_cli(harness.LOCAL, self.listen,
                                           "SELECT 1", user="ed",
                                           password="wrong")
        self.assertNotEqual(code, 0)
        self.assertIn("1045", err)

    def test_change_user(self):
        """COM_CHANGE_USER to another account (native and ed25519) and back,
        and a wrong password refused: libmariadb
        through mysqlclient, which answers the server's auth switch with the
        scramble it kept. Defect: the command passed as it is (the client's
        answer is for a scramble the server never sent, since the client
        was greeted by borealis)."""
        import MySQLdb
        self.start()
        self.db.execute("INSTALL SONAME 'auth_ed25519'",
                        "CREATE USER other@'%' IDENTIFIED BY 'Other-Pass-3'",
                        "CREATE USER ed2@'%' IDENTIFIED VIA ed25519 USING "
                        "PASSWORD('Ed-Secret-2')")
        conn = MySQLdb.connect(host=harness.LOCAL, port=self.listen,
                               user=harness.APP_USER,
                               password=harness.APP_PASSWORD, connect_timeout=15)
        self.addCleanup(conn.close)

        def query(sql):
            cur = conn.cursor()
            cur.execute(sql)
            return cur.fetchone()[0]

        conn.cursor().execute("SET @marker = 42")
        conn.change_user("other", "Other-Pass-3")
        self.assertEqual(query("SELECT CURRENT_USER()"), "other@%")
        self.assertIsNone(query("SELECT @marker"))  # a new session
        conn.change_user("ed2", "Ed-Secret-2")
        self.assertEqual(query("SELECT CURRENT_USER()"), "ed2@%")
        conn.change_user(harness.APP_USER, harness.APP_PASSWORD)
        self.assertTrue(query("SELECT CURRENT_USER()").startswith(harness.APP_USER + "@"))
        with self.assertRaises(MySQLdb.OperationalError) as denied:
            conn.change_user("other", "wrong")
        self.assertEqual(denied.exception.args[0], 1045)

    def wait_for_sleeping_query(self):
        """Until the server runs a SLEEP() of some session (asked of the
        server directly, not through borealis)."""
        def sleeping():
            rows = self.db.query("SELECT COUNT(*) FROM information_schema.processlist "
                                 "WHERE info LIKE 'SELECT SLEEP%'")
            return rows[0][0] > 0
        harness.wait_until(sleeping, 20, 0.05, "a SLEEP() running on the server")

    def test_kill_query_names_the_greeting_id(self):
        """A client cancels another of its sessions' query with `KILL QUERY
        <id>`, the id that session's greeting gave (PyMySQL's thread_id(),
        JDBC's cancel()): borealis puts in the server's thread id, and the
        query stops (SLEEP() returns 1 when interrupted). The greeting id is
        below 2^31 (drivers that read it signed see it positive). Defect:
        the KILL passed as it is ("Unknown thread id"), or reaching another
        session's thread."""
        self.start()
        victim = self.connect(timeout=60)
        self.addCleanup(victim.close)
        greeting_id = victim.thread_id()
        self.assertTrue(2**30 <= greeting_id < 2**31, greeting_id)
        bystander = self.connect()
        self.addCleanup(bystander.close)
        result = {}

        def sleep():
            try:
                with victim.cursor() as cur:
                    cur.execute("SELECT SLEEP(60)")
                    result["value"] = cur.fetchone()[0]
            except pymysql.err.OperationalError as exc:
                result["error"] = exc.args[0]

        import threading
        thread = threading.Thread(target=sleep)
        thread.start()
        self.wait_for_sleeping_query()
        killer = self.connect()
        self.addCleanup(killer.close)
        with killer.cursor() as cur:
            cur.execute(f"KILL QUERY {greeting_id}")
        thread.join(60)
        self.assertFalse(thread.is_alive())
        self.assertTrue(result.get("value") == 1 or result.get("error") == 1317, result)
        # The killed query's session goes on; the bystander was not touched.
        with victim.cursor() as cur:
            cur.execute("SELECT 2")
            self.assertEqual(cur.fetchone()[0], 2)
        with bystander.cursor() as cur:
            cur.execute("SELECT 3")
            self.assertEqual(cur.fetchone()[0], 3)
        # An id borealis never gave goes to the server as it is.
        with self.assertRaises(pymysql.err.OperationalError) as unknown:
            with killer.cursor() as cur:
                cur.execute(f"KILL QUERY {2**30 + 2**29}")
        self.assertEqual(unknown.exception.args[0], 1094)

    def test_mariadb_client_ctrl_c_cancels_the_query(self):
        """The `mariadb` client's Ctrl-C: it opens a second connection and
        sends `KILL QUERY <greeting id>`; through borealis the query stops
        and the client says so. Defect: "Unknown thread id" and a query
        that runs on."""
        self.start()
        argv = [harness.MARIADB_CLI, "--no-defaults", "-h", harness.LOCAL,
                "-P", str(self.listen), "--protocol=TCP",
                f"-u{harness.APP_USER}", f"-p{harness.APP_PASSWORD}",
                "-e", "SELECT SLEEP(60) AS slept"]
        cli = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(cli.kill)
        self.wait_for_sleeping_query()
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=60)
        text = (out + err).decode(errors="replace")
        self.assertIn("query killed", text.lower())
        self.assertNotIn("Unknown thread id", text)
        # The server no longer runs it.
        rows = self.db.query("SELECT COUNT(*) FROM information_schema.processlist "
                             "WHERE info LIKE 'SELECT SLEEP%'")
        self.assertEqual(rows[0][0], 0)

    def test_no_usable_server_gets_an_error_packet(self):
        """Every server down: ERR 1152 (SQLSTATE 08S01) naming the reason,
        not a reset ("Lost connection ... reading initial communication
        packet" in `mode tcp`)."""
        dead = harness.free_port((harness.host(3),))
        self.start(server_lines=[f"server db {harness.host(3)}:{dead}"],
                   backend_lines=["retries 0", "timeout connect 1s"])
        with self.assertRaises(pymysql.err.OperationalError) as caught:
            self.connect()
        code, message = err_of(caught.exception)
        self.assertEqual(code, 1152, message)
        self.assertIn("borealis", message)

    def test_queue_timeout_gets_too_many_connections(self):
        """Server `maxconn 1` and `timeout queue`: the second client gets
        1040 "Too many connections" once the queue time is over."""
        self.db = self.start_mariadb(host=harness.host(2), name="A")
        self.start(server_lines=[f"server db {self.db.host}:{self.db.port} "
                                 "maxconn 1"],
                   backend_lines=["timeout queue 1s"])
        first = self.connect()
        try:
            with self.assertRaises(pymysql.err.OperationalError) as caught:
                self.connect()
            code, message = err_of(caught.exception)
            self.assertEqual((code, message), (1040, "Too many connections"))
        finally:
            first.close()

    def test_session_refusal_gets_1130(self):
        self.start(frontend_lines=[
            f"tcp-request session reject if {{ src {harness.host(4)} }}"])
        with self.assertRaises(pymysql.err.OperationalError) as caught:
            self.connect(bind_address=harness.host(4))
        code, message = err_of(caught.exception)
        self.assertEqual(code, 1130, message)
        self.assertIn(harness.host(4), message)

    def test_garbage_and_silence_before_authentication(self):
        """A client that answers the greeting with garbage gets 1043 "Bad
        handshake"; one that says nothing gets 1159 after `timeout client`
        (not before); one that announces a 16 MiB handshake gets 1153.
        Nothing reaches the server, other sessions carry on."""
        self.start(timeout_client="1s")
        before = self.db.foreign_connections()
        sock = socket.create_connection((harness.LOCAL, self.listen), 5)
        greeting = netprobe.read_packet(sock, 5)[1]
        self.assertEqual(greeting[0:1], b"\x0a")
        sock.sendall(b"\x05\x00\x00\x01hello")
        reply = netprobe.read_packet(sock, 5)[1]
        self.assertEqual(reply[0:1], b"\xff")
        self.assertEqual(struct.unpack("<H", reply[1:3])[0], 1043)
        sock.close()

        sock = socket.create_connection((harness.LOCAL, self.listen), 5)
        netprobe.read_packet(sock, 5)[1]
        started = time.monotonic()
        reply = netprobe.read_packet(sock, 10)[1]
        waited = time.monotonic() - started
        self.assertEqual(struct.unpack("<H", reply[1:3])[0], 1159)
        self.assertGreaterEqual(waited, 0.9)
        self.assertLess(waited, 5.0)
        sock.close()

        sock = socket.create_connection((harness.LOCAL, self.listen), 5)
        netprobe.read_packet(sock, 5)[1]
        sock.sendall(b"\xff\xff\xff\x01" + b"x" * 1000)
        reply = netprobe.read_packet(sock, 5)[1]
        self.assertEqual(struct.unpack("<H", reply[1:3])[0], 1153)
        sock.close()

        self.assertEqual(self.db.foreign_connections(), before,
                         "a broken handshake reached the server")
        conn = self.connect()
        conn.close()


class MysqlTlsTest(MysqlModeBase):
    """`bind ... ssl crt FILE [allow-plaintext]`: TLS inside the MySQL
    handshake, with a certificate the test makes with `openssl`."""

    def make_crt(self):
        key, cert = self.tmp.join("key.pem"), self.tmp.join("cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=borealis-test", "-keyout", key, "-out",
                        cert], check=True, capture_output=True)
        pem = self.tmp.join("crt.pem")
        with open(pem, "w", encoding="ascii") as out:
            for part in (cert, key):
                with open(part, encoding="ascii") as f:
                    out.write(f.read())
        return pem

    def start_tls(self, extra=""):
        crt = self.make_crt()
        self.db = self.start_mariadb(host=harness.host(2), name="A",
                                     extra_args=["--max-allowed-packet=64M"])
        self.start()
        # Same proxy, TLS on its bind.
        self.proxy.stop()
        with open(self.proxy.config_path, encoding="utf-8") as f:
            config = f.read()
        text = config.replace(
            f"bind {harness.LOCAL}:{self.listen}",
            f"bind {harness.LOCAL}:{self.listen} ssl crt {crt}{extra}")
        self.proxy.start(text)
        harness.wait_until(lambda: self.proxy.running() and harness.tcp_listening(
            harness.LOCAL, self.listen), 20, 0.05, "proxy listening")

    def cli(self, *options, sql="\\s"):
        argv = [harness.MARIADB_CLI, "--no-defaults", "-h", harness.LOCAL,
                "-P", str(self.listen), "--protocol=TCP",
                f"-u{harness.APP_USER}", f"-p{harness.APP_PASSWORD}",
                *options, "-e", sql]
        out = subprocess.run(argv, capture_output=True, timeout=30)
        return out.returncode, out.stdout.decode(), out.stderr.decode()

    def test_tls_clients_and_a_large_result_over_tls(self):
        """The mariadb client with --ssl shows a TLS 1.2+ cipher (`\\s`);
        PyMySQL over TLS moves a 20 MiB blob both ways."""
        self.start_tls()
        code, out, err = self.cli("--ssl")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"SSL:\s+Cipher in use is \S+")
        self.assertRegex(out, r"TLSv1\.[23]|TLS_AES|ECDHE")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = self.connect(ssl=context, max_allowed_packet=64 << 20)
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW STATUS LIKE 'Ssl_cipher'")
                # The server's side is plain: borealis terminates TLS.
                self.assertEqual(cur.fetchone()[1], "")
                blob = bytes(range(256)) * (20 * 4096 + 3)
                cur.execute("SELECT CAST(%s AS BINARY)", (blob,))
                self.assertEqual(cur.fetchone()[0], blob)
        finally:
            conn.close()

    def test_stops_with_sessions_caught_in_every_handshake_step(self):
        """SIGTERM while sessions wait in each step of the handshake: one
        greeted and silent, one that asked for TLS and never started it,
        one half-way through the TLS handshake (a ClientHello only), one
        logged in over TLS. borealis exits at once with status 0 (the
        harness fails the test on a sanitizer report or another status),
        and every client sees its connection end. Defect: a coroutine left
        waiting that keeps the process alive, or frees what a stopped
        handshake still uses."""
        self.start_tls()
        socks = []

        def raw():
            sock = socket.create_connection((harness.LOCAL, self.listen), 5)
            self.addCleanup(harness.close_quietly, sock)
            self.assertTrue(netprobe.is_handshake(netprobe.read_greeting(sock, 10)))
            socks.append(sock)
            return sock

        raw()  # greeted, silent
        asked = raw()
        ssl_request = struct.pack("<IIB23x", 0x0800 | 0x0200 | 0x8000 | 0x80000,
                                  1 << 24, 45)
        asked.sendall(len(ssl_request).to_bytes(3, "little") + b"\x01" + ssl_request)
        midway = raw()
        midway.sendall(len(ssl_request).to_bytes(3, "little") + b"\x01" + ssl_request)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing)
        with self.assertRaises(ssl.SSLWantReadError):
            tls.do_handshake()
        midway.sendall(outgoing.read())  # the ClientHello, and nothing more
        logged_in = pymysql.connect(host=harness.LOCAL, port=self.listen,
                                    user=harness.APP_USER,
                                    password=harness.APP_PASSWORD,
                                    ssl={"check_hostname": False}, connect_timeout=15)
        self.addCleanup(harness.close_quietly, logged_in)
        time.sleep(0.2)  # let the ClientHello reach borealis (a window, not a bound)
        self.proxy.signal(signal.SIGTERM)
        self.assertEqual(self.proxy.wait(15), 0, self.proxy.log()[-2000:])
        for sock in socks:
            # (The TLS one has borealis's ServerHello to read first.)
            sock.settimeout(10)
            try:
                while sock.recv(65536):
                    pass
            except ConnectionResetError:
                pass
        with self.assertRaises(pymysql.err.OperationalError):
            with logged_in.cursor() as cur:
                cur.execute("SELECT 1")

    def test_plain_client_refused_unless_allowed(self):
        """TLS required: a client that does not upgrade gets 3159 (MySQL's
        `require_secure_transport` error), not a reset; with
        `allow-plaintext` it is served."""
        self.start_tls()
        code, _, err = self.cli("--skip-ssl", sql="SELECT 1")
        self.assertNotEqual(code, 0)
        self.assertIn("3159", err)
        self.assertIn("insecure transport", err)

    def test_allow_plaintext(self):
        self.start_tls(" allow-plaintext")
        code, out, err = self.cli("--skip-ssl", sql="SELECT 41 + 1")
        self.assertEqual(code, 0, err)
        self.assertIn("42", out)
        code, out, err = self.cli("--ssl")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"Cipher in use")


class MysqlServerTlsTest(MysqlModeBase):
    """`server ... ssl verify required ca-file F [verifyhost N]`: borealis
    starts TLS to the server inside the MySQL handshake. The server is
    mariadbd with a certificate from a CA the test makes; the test reads
    the server side of each session (Ssl_cipher of the session borealis
    opened) to know TLS is really on."""

    def make_ca_and_server_cert(self, name, prefix):
        ca_key, ca = self.tmp.join(f"{prefix}ca.key"), self.tmp.join(f"{prefix}ca.pem")
        key, csr = self.tmp.join(f"{prefix}srv.key"), self.tmp.join(f"{prefix}srv.csr")
        cert, ext = self.tmp.join(f"{prefix}srv.pem"), self.tmp.join(f"{prefix}ext.cnf")
        run = lambda *argv: subprocess.run(argv, check=True, capture_output=True)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={prefix}test-ca", "-keyout", ca_key, "-out", ca)
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
            "-keyout", key, "-out", csr)
        with open(ext, "w", encoding="ascii") as f:
            f.write(f"subjectAltName=DNS:{name}\n")
        run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert)
        return ca, cert, key

    def start_tls_server(self, server_options):
        ca, cert, key = self.make_ca_and_server_cert("db.test", "")
        self.db = self.start_mariadb(
            host=harness.host(2), name="A",
            extra_args=["--max-allowed-packet=64M", f"--ssl-cert={cert}",
                        f"--ssl-key={key}", f"--ssl-ca={ca}"])
        self.ca = ca
        self.start(server_lines=[
            f"server db {self.db.host}:{self.db.port} " +
            server_options.format(ca=ca)])

    def server_cipher(self, conn):
        with conn.cursor() as cur:
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            return cur.fetchone()[1]

    def test_verified_tls_to_the_server(self):
        """With the CA and the right name: queries and a 20 MiB blob go
        over TLS to the server (its own session reports a cipher), also
        for a client that itself uses no TLS. Defect: the `ssl` keyword
        parsed and ignored (no cipher on the server side)."""
        self.start_tls_server("ssl verify required ca-file {ca} verifyhost db.test")
        conn = self.connect()
        self.addCleanup(conn.close)
        self.assertNotEqual(self.server_cipher(conn), "")
        blob = os.urandom(20 * 1024 * 1024)
        with conn.cursor() as cur:
            cur.execute("SELECT LENGTH(%s), SHA2(%s, 256)", (blob, blob))
            length, digest = cur.fetchone()
        self.assertEqual(length, len(blob))
        self.assertEqual(digest, hashlib.sha256(blob).hexdigest())

    def test_wrong_ca_or_name_is_refused_with_an_error_packet(self):
        """A server whose certificate does not chain to `ca-file`, or names
        another host than `verifyhost`: the client gets 1152 naming the
        TLS failure, never a session. `verify none` then connects. Defect:
        verification off by default (HAProxy's default is `required`)."""
        other_ca, _, _ = self.make_ca_and_server_cert("db.test", "other-")
        self.start_tls_server(f"ssl verify required ca-file {other_ca}")
        with self.assertRaises(pymysql.err.OperationalError) as refused:
            self.connect()
        code, message = err_of(refused.exception)
        self.assertEqual(code, 1152, message)
        self.assertIn("TLS handshake failed", message)
        self.assertIn("certificate verify failed", message)
        # The right CA, the wrong name.
        self.proxy.stop()
        self.start(server_lines=[f"server db {self.db.host}:{self.db.port} ssl "
                                 f"verify required ca-file {self.ca} verifyhost other.test"])
        with self.assertRaises(pymysql.err.OperationalError) as refused:
            self.connect()
        self.assertEqual(err_of(refused.exception)[0], 1152)
        self.proxy.stop()
        self.start(server_lines=[f"server db {self.db.host}:{self.db.port} ssl verify none"])
        conn = self.connect()
        self.addCleanup(conn.close)
        self.assertNotEqual(self.server_cipher(conn), "")

    def test_configuration_errors(self):
        """`ssl` without a CA file and without `verify none` is HAProxy's
        alert; `ssl` in mode tcp and on a `database@` server are refused;
        a CA file that cannot be read stops the start naming it."""
        def check(server_line, mode="mysql"):
            config = harness.base_config() + f"""\
frontend fe
    mode {mode}
    bind {harness.LOCAL}:{harness.free_port()}
    default_backend be
backend be
    mode {mode}
    {server_line}
"""
            checker = harness.Proxy(self.tmp, name="checker")
            code, out, _ = checker.check_config(config, quiet=False)
            return code, out

        code, out = check("server db 127.0.0.1:3306 ssl")
        self.assertNotEqual(code, 0)
        self.assertIn("verify is enabled by default but no CA file specified", out)
        code, out = check("server db 127.0.0.1:3306 ssl verify none", mode="tcp")
        self.assertNotEqual(code, 0)
        self.assertIn("'ssl' on a 'server' needs 'mode mysql'", out)
        code, out = check("server db 127.0.0.1:3306 ssl verify sometimes")
        self.assertNotEqual(code, 0)
        self.assertIn("unknown verify method 'sometimes'", out)
        code, out = check("server db 127.0.0.1:3306 ssl verify none")
        self.assertEqual(code, 0, out)
        # A CA file that cannot be read: the start stops and names it.
        missing = self.tmp.join("no-such-ca.pem")
        proxy = harness.Proxy(self.tmp, name="bad-ca", expect_exit=1)
        self.addCleanup(proxy.stop)
        proxy.start(harness.base_config() + f"""\
frontend fe
    mode mysql
    bind {harness.LOCAL}:{harness.free_port()}
    default_backend be
backend be
    mode mysql
    server db 127.0.0.1:3306 ssl ca-file {missing}
""")
        self.assertEqual(proxy.wait(30), 1, proxy.log())
        self.assertIn(f"ca-file '{missing}'", proxy.log())
        self.assertIn("server 'db'", proxy.log())


DEPRECATE_EOF = 0x01000000
# MariaDB 10.11's extensions: progress reports, bulk execution, extended
# and cached metadata; borealis passes them all.
MARIADB_EXTENSIONS = 0x1d


class OlderServer:
    """A stand-in for a server of another version (no MySQL 5.6 or MariaDB
    10.1 package exists here): it greets every connection as a MySQL 5.6
    server does, without CLIENT_DEPRECATE_EOF or MariaDB extensions, and
    reads what comes back. Not a database: nothing logs in to it."""

    CAPS = (0x00000001 | 0x00000004 | 0x00000008 | 0x00000200 | 0x00002000 |
            0x00008000 | 0x00010000 | 0x00020000 | 0x00080000)

    def __init__(self, host):
        self.listener = socket.create_server((host, 0))
        self.host, self.port = host, self.listener.getsockname()[1]
        self.answers = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def greeting(self):
        scramble = os.urandom(20).replace(b"\x00", b"\x01")
        body = (b"\x0a5.6.51-older\x00" + struct.pack("<I", 7) + scramble[:8] +
                b"\x00" + struct.pack("<HBHHB", self.CAPS & 0xffff, 45, 2,
                                      self.CAPS >> 16, 21) + bytes(10) +
                scramble[8:] + b"\x00mysql_native_password\x00")
        return len(body).to_bytes(3, "little") + b"\x00" + body

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(self.greeting())
                try:
                    self.answers.append(netprobe.read_packet(conn, 5))
                except (EOFError, OSError):
                    self.answers.append(None)

    def close(self):
        self.listener.close()


class MysqlCapabilitiesTest(MysqlModeBase):
    """What the greeting offers follows the server borealis last logged in
    to: its capabilities and MariaDB's extended capabilities."""

    def greeting_caps(self):
        with socket.create_connection((harness.LOCAL, self.listen), 5) as sock:
            return netprobe.greeting_capabilities(netprobe.read_greeting(sock, 5))

    def test_greeting_offers_the_servers_mariadb_extensions(self):
        """Before any login: a MySQL-style greeting (bit 0 set, no
        extensions). After one: MariaDB's extensions, bit 0 clear, and a
        client that takes them gets them from the server: progress
        reports and bulk execution (mariadb-client-test's own tests of
        them), extended metadata (`mariadb --column-type-info` shows a
        JSON column's format). Defect: extensions not passed on (the
        server never sends progress, bulk fails with 5003) or offered
        without the server (a client misreads results)."""
        self.start()
        caps, extended = self.greeting_caps()
        self.assertTrue(caps & 1, hex(caps))
        self.assertEqual(extended, 0)
        self.connect().close()
        caps, extended = self.greeting_caps()
        self.assertFalse(caps & 1, hex(caps))
        self.assertEqual(extended, MARIADB_EXTENSIONS)
        self.assertTrue(caps & DEPRECATE_EOF)

        self.db.execute("CREATE DATABASE client_test_db")
        tests = ["test_progress_reporting", "test_bulk_autoinc",
                 "test_bulk_delete", "test_bulk_replace", "test_mdev_24411",
                 "test_mdev_34718_au"]
        out = subprocess.run(
            ["mariadb-client-test", f"--host={harness.LOCAL}",
             f"--port={self.listen}", f"--user={harness.APP_USER}",
             f"--password={harness.APP_PASSWORD}", "--database=client_test_db",
             *tests], capture_output=True, timeout=120, check=False)
        text = out.stdout.decode(errors="replace") + out.stderr.decode(errors="replace")
        self.assertEqual(out.returncode, 0, text[-3000:])
        self.assertIn(f"All '{len(tests)}' tests were successful", text)

        # (mariadb-client-test dropped its database when it ended.)
        self.db.execute("CREATE DATABASE json_test", "CREATE TABLE json_test.j (doc JSON)")
        out = subprocess.run(
            ["mariadb", f"--host={harness.LOCAL}", f"--port={self.listen}",
             f"--user={harness.APP_USER}", f"--password={harness.APP_PASSWORD}",
             "--column-type-info", "-t", "-e", "SELECT doc FROM json_test.j"],
            capture_output=True, timeout=30, check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"Type:       BLOB (format=json)", out.stdout)

    def test_compression_is_negotiated_off(self):
        """borealis never offers CLIENT_COMPRESS: a client asking for it
        (`mariadb --compress`) goes on uncompressed and works."""
        self.start()
        caps, _ = self.greeting_caps()
        self.assertFalse(caps & 0x20, hex(caps))
        out = subprocess.run(
            ["mariadb", f"--host={harness.LOCAL}", f"--port={self.listen}",
             f"--user={harness.APP_USER}", f"--password={harness.APP_PASSWORD}",
             "--compress", "-N", "-e", "SHOW SESSION STATUS LIKE 'Compression'"],
            capture_output=True, timeout=30, check=False)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.split(), [b"Compression", b"OFF"])

    def test_server_lacking_a_promised_result_format_is_refused(self):
        """A client greeted with CLIENT_DEPRECATE_EOF (learned from
        mariadbd) that reaches a server without it gets ERROR 1152 naming
        the missing formats, not results it would misread; the next
        greeting offers only what that server has. Defect: the flag
        silently dropped towards the server (the client waits for OK
        where EOF comes), or never learned."""
        older = OlderServer(harness.host(3))
        self.addCleanup(older.close)
        self.db = self.start_mariadb(host=harness.host(2), name="A")
        self.start(server_lines=[
            f"server db {self.db.host}:{self.db.port} maxconn 1",
            f"server older {older.host}:{older.port}"],
            backend_lines=["balance first"])
        held = self.connect()  # the only slot of `db`: the next go to `older`
        self.addCleanup(held.close)
        with socket.create_connection((harness.LOCAL, self.listen), 5) as sock:
            answer = netprobe.raw_login(sock, harness.APP_USER, harness.APP_PASSWORD,
                                        extra_caps=DEPRECATE_EOF)
        self.assertEqual(answer[0], 0xFF, answer)
        code = struct.unpack("<H", answer[1:3])[0]
        self.assertEqual(code, 1152, answer)
        self.assertIn(b"'5.6.51-older' lacks result formats", answer)
        self.assertIn(b"capabilities 0x1000000", answer)
        # Refused before answering it: the older server saw its connection
        # closed with nothing sent.
        harness.wait_until(lambda: older.answers, 10, 0.02, "older server's connection ended")
        self.assertEqual(older.answers, [None])
        caps, extended = self.greeting_caps()
        self.assertFalse(caps & DEPRECATE_EOF, hex(caps))
        self.assertTrue(caps & 1)
        self.assertEqual(extended, 0)


class MysqlModeServerlessTest(harness.ServerlessTestCase):

    def test_paused_database_wakes_while_the_client_handshakes(self):
        """A paused `database@`: the greeting comes at once (before the
        engine has started), the login and first query succeed once it
        runs."""
        if harness.is_haproxy():
            self.skipTest("serverless databases are borealis's")
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = harness.base_config(timeout_client="60s", timeout_server="60s") + \
            harness.database_section(datadir=datadir, auto_pause="2s") + \
            harness.mysql_proxy_sections(listen, "server app database@app")
        proxy = self.start_proxy(config)
        harness.wait_serverless_listening(proxy, listen)
        db = harness.Serverless(proxy, listen, datadir)
        db.wait_for_log(r"database app: paused until the first connection")
        sock = socket.create_connection((harness.LOCAL, listen), 5)
        started = time.monotonic()
        greeting = netprobe.read_packet(sock, 5)[1]
        greeted_in = time.monotonic() - started
        sock.close()
        self.assertEqual(greeting[0:1], b"\x0a")
        self.assertIn(b"borealis", greeting)  # no server version seen yet
        # The greeting did not wait for the engine, whose start it began.
        db.wait_for_log(r"database app: resum")
        print(f"\n  greeting after {greeted_in * 1000:.1f} ms")
        conn = db.connect(timeout=60)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                self.assertEqual(cur.fetchone()[0], 1)
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
