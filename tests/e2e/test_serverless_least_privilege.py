"""Serverless database, least privilege: the application user reaches its
own schemas and nothing of the host or of borealis's control, mariadbd does
not run as root, and nobody can stand in for the engine while it is paused.
Every attempt is made through the gateway, as a client would."""

import os
import pwd
import re
import signal
import socket
import stat
import unittest

import pymysql

import harness

DENIED = (1044, 1045, 1142, 1227, 1238, 1698)


def process_uid(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError(f"no Uid line for pid {pid}")


def engine_address(pid):
    """(address, port) of the engine's listener, as borealis told mariadbd
    (--bind-address, --port): borealis picks both itself."""
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = f.read().decode().split("\0")
    found = {}
    for arg in argv:
        for option in ("--bind-address=", "--port="):
            if arg.startswith(option):
                found[option] = arg[len(option):]
    if len(found) != 2:
        raise AssertionError(f"mariadbd {pid} lacks --bind-address or "
                             f"--port: {argv}")
    return found["--bind-address="], int(found["--port="])


class LeastPrivilegeTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        self.datadir = self.new_datadir()
        self.db = self.start_serverless(
            harness.database_section(self.datadir, auto_pause="2s"),
            self.datadir)

    def _refused(self, cur, sql):
        """`sql` fails with an access error, or returns only NULLs."""
        try:
            cur.execute(sql)
        except pymysql.err.MySQLError as exc:
            self.assertIn(exc.args[0], DENIED, f"{sql}: {exc}")
            return
        rows = cur.fetchall()
        self.assertTrue(all(v is None for row in rows for v in row),
                        f"{sql} was allowed: {rows}")

    def test_application_user_cannot_reach_host_or_control(self):
        outside = self.tmp.join("written-by-mariadbd")
        conn = self.db.connect(database="app")
        self.addCleanup(harness.close_quietly, conn)
        with conn.cursor() as cur:
            self._refused(cur, "SELECT LOAD_FILE('/etc/hostname')")
            self._refused(cur, "SELECT LOAD_FILE('/etc/passwd')")
            self._refused(cur, f"SELECT 'x' INTO DUMPFILE '{outside}'")
            self._refused(cur, f"SELECT 1 INTO OUTFILE '{outside}.2'")
            self._refused(cur, "SHUTDOWN")
            self._refused(cur, "SET GLOBAL secure_file_priv = ''")
            self._refused(cur, "SET GLOBAL max_connections = 1")
            self._refused(cur, "DROP USER 'root'@'localhost'")
            self._refused(cur, "ALTER USER 'root'@'localhost' "
                               "IDENTIFIED BY 'stolen'")
            self._refused(cur, "RENAME USER 'root'@'localhost' TO 'x'@'y'")
            self._refused(cur, "GRANT ALL PRIVILEGES ON *.* TO 'app'@'%'")
            self._refused(cur, "UPDATE mysql.global_priv SET Priv = '{}'")
            self._refused(cur, "CREATE USER 'other'@'%'")
            self._refused(cur, "CREATE DATABASE elsewhere")
            # What it may do: its own schema and schemas named app_*.
            cur.execute("CREATE TABLE app.t (id INT PRIMARY KEY)")
            cur.execute("INSERT INTO app.t VALUES (1), (2)")
            cur.execute("CREATE DATABASE app_reports")
            cur.execute("CREATE TABLE app_reports.r (id INT)")
            cur.execute("SELECT CURRENT_USER()")
            self.assertEqual(cur.fetchone()[0], "app@%")
        self.assertFalse(os.path.exists(outside))
        self.assertFalse(os.path.exists(outside + ".2"))

        # No client can log in as borealis's account through the gateway:
        # unix_socket authenticates only on the control socket.
        with self.assertRaises(pymysql.err.OperationalError) as denied:
            harness.connect(harness.LOCAL, self.db.listen, user="root",
                            password="", timeout=20)
        self.assertIn(denied.exception.args[0], (1045, 1698))
        harness.close_quietly(conn)

        # borealis still controls the database: it pauses and resumes.
        offset = self.db.log_offset()
        self.db.wait_paused(start=offset)
        self.db.wait_no_mariadbd()
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM app.t"), ((2,),))
        self.assertNotIn("Access denied", self.db.log())

    def test_mariadbd_runs_unprivileged_and_owns_its_directory(self):
        self.assertEqual(self.db.query("SELECT 1"), ((1,),))
        pids = self.db.mariadbd_pids()
        self.assertEqual(len(pids), 1)
        uids = process_uid(pids[0])
        self.assertTrue(all(uid != 0 for uid in uids), uids)
        info = os.stat(self.datadir)
        self.assertEqual(info.st_uid, uids[0])
        self.assertEqual(stat.S_IMODE(info.st_mode) & 0o007, 0)
        # borealis's own files stay borealis's: the control socket is 0600.
        control = os.stat(os.path.join(self.datadir, "borealis-control.sock"))
        self.assertTrue(stat.S_ISSOCK(control.st_mode))
        self.assertEqual(control.st_uid, os.getuid())
        self.assertEqual(stat.S_IMODE(control.st_mode), 0o600)
        self.assertFalse(os.path.exists(
            os.path.join(self.datadir, "borealis-admin.password")))

    def test_nobody_can_take_the_engine_port_while_paused(self):
        self.assertEqual(self.db.query("SELECT 1"), ((1,),))
        address, port = engine_address(self.db.mariadbd_pids()[0])
        offset = self.db.log_offset()
        self.db.wait_paused(start=offset)
        self.db.wait_no_mariadbd()
        # borealis holds the port while mariadbd is gone: a squatter's bind
        # fails, even with SO_REUSEADDR and SO_REUSEPORT.
        squatter = socket.socket()
        self.addCleanup(squatter.close)
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with self.assertRaises(OSError):
            squatter.bind((address, port))
        # And clients still reach the real database.
        self.assertEqual(self.db.query("SELECT @@port"), ((port,),))


class DroppedPrivilegesTest(harness.ServerlessTestCase):

    def test_borealis_dropped_to_a_user_still_manages_its_database(self):
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = harness.base_config(
            global_lines=["user nobody", "group nogroup"],
            timeout_client="60s", timeout_server="60s") + \
            harness.database_section(datadir, auto_pause="2s") + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    default_backend be

backend be
    server app database@app
"""
        proxy = self.start_proxy(config)
        harness.wait_serverless_listening(proxy, listen)
        db = harness.Serverless(proxy, listen, datadir)
        self.assertEqual(db.query("SELECT CURRENT_USER()"), (("app@%",),))
        nobody = pwd.getpwnam("nobody").pw_uid
        self.assertEqual(process_uid(proxy.pid)[0], nobody)
        self.assertEqual(process_uid(db.mariadbd_pids()[0])[0], nobody)
        # It pauses and resumes as the dropped user, and stops cleanly.
        offset = db.log_offset()
        db.wait_paused(start=offset)
        db.wait_no_mariadbd()
        self.assertEqual(db.query("SELECT 2"), ((2,),))
        proxy.signal(signal.SIGTERM)
        self.assertEqual(proxy.wait(60), 0, proxy.log()[-3000:])
        self.assertEqual(db.mariadbd_pids(), [])


class PlantedLinkTest(harness.ServerlessTestCase):

    def test_a_link_in_the_data_directory_is_never_followed(self):
        # The engine's account owns the data directory: a link it puts in
        # place of borealis's password file must not make borealis (root)
        # read the target into its accounts or its log.
        datadir = self.new_datadir()
        secret = self.tmp.write("host-secret", "host-secret-line\n")
        password = os.path.join(datadir, "borealis-app.password")
        os.unlink(password)
        os.symlink(secret, password)
        proxy = harness.Proxy(self.tmp, name="linked", expect_exit=1)
        self.addCleanup(self._stop_proxy, proxy)
        proxy.start(harness.serverless_config(
            harness.free_port(), harness.database_section(datadir)))
        self.assertEqual(proxy.wait(30), 1, proxy.log()[-2000:])
        self.assertIn("cannot keep passwords", proxy.log())
        self.assertNotIn("host-secret-line", proxy.log())
        with open(secret, encoding="utf-8") as f:
            self.assertEqual(f.read(), "host-secret-line\n")


class NoRootEngineConfigTest(harness.ServerlessTestCase):

    def test_system_user_root_is_refused(self):
        datadir = self.tmp.join("data")
        config = harness.serverless_config(
            harness.free_port(),
            harness.database_section(datadir, extra=["system-user root"]))
        proxy = harness.Proxy(self.tmp, name="check")
        rc, out, path = proxy.check_config(config)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, re.escape(path) + r":\d+.*system-user.*root")


if __name__ == "__main__":
    unittest.main()
