"""The runtime API (`stats socket` in `global`) against a running borealis
with a serverless database: used with socat as HAProxy's is, levels
enforced, interactive mode, a database paused and resumed on request, and
hostile input (malformed, binary, overlong lines, too many connections)
answered without harm."""

import os
import random
import socket
import stat
import time
import unittest

import harness




def exchange(path, data, timeout=10):
    """Sends raw bytes and reads until the server closes."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


class RuntimeApiTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.tmp.join("admin.sock")
        self.user = self.tmp.join("user.sock")
        datadir = self.new_datadir()
        self.db = self.start_serverless(
            harness.database_section(datadir, auto_pause="1h"), datadir,
            global_lines=(f"stats socket {self.admin} mode 600 level admin",
                          f"stats socket {self.user} mode 666 level user",
                          "stats timeout 5s"))

    def wait_state(self, state, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = harness.socat(self.user, "show databases\n").splitlines()
            if rows[1].split(",")[1] == state:
                return rows
            time.sleep(0.1)
        self.fail(f"database never {state}: {rows}")

    def test_sockets_have_their_mode_and_go_at_exit(self):
        """Defect: a socket more open than `mode` says, or left behind."""
        self.assertEqual(stat.S_IMODE(os.stat(self.admin).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(self.user).st_mode), 0o666)
        self.db.proxy.stop(60)
        self.assertFalse(os.path.exists(self.admin))
        self.assertFalse(os.path.exists(self.user))

    def test_show_info_and_databases_with_socat(self):
        """Each answer ends with an empty line, as HAProxy's; several
        commands on one line run in order."""
        info = harness.socat(self.user, "show info\n")
        self.assertTrue(info.endswith("\n\n"), info)
        fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
        self.assertEqual(fields["Name"], "borealis")
        self.assertEqual(int(fields["Pid"]), self.db.proxy.pid)
        self.assertEqual(fields["Databases"], "1")
        both = harness.socat(self.user, "show info; show databases\n")
        self.assertIn("Name: borealis\n", both)
        table = both.split("\n\n")[1].splitlines()
        self.assertTrue(table[0].startswith("# name,state,capacity,"), table)
        self.assertEqual(table[1].split(",")[:2], ["app", "paused (deep)"])

    def test_levels_are_enforced(self):
        """A `level user` socket reads but cannot change anything. Defect:
        the database resumes on a user's request."""
        self.assertEqual(harness.socat(self.user, "resume database app\n"), "Permission denied\n\n")
        self.assertNotIn("resume database", harness.socat(self.user, "help\n"))
        self.assertIn("resume database <name>", harness.socat(self.admin, "help\n"))
        time.sleep(1)
        self.assertEqual(self.db.mariadbd_pids(), [])

    def test_resume_and_pause_on_request(self):
        """Defect: a request that does nothing, or a pause that drops a
        client's session."""
        self.assertEqual(harness.socat(self.admin, "resume database app\n"), "\n")
        self.wait_state("running")
        self.assertEqual(len(self.db.mariadbd_pids()), 1)
        conn = self.db.connect()
        try:
            answer = harness.socat(self.admin, "pause database app\n")
            self.assertEqual(answer, "Database 'app' not paused: 1 client session is open.\n\n")
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                self.assertEqual(cur.fetchall(), ((1,),))
        finally:
            harness.close_quietly(conn)
        deadline = time.monotonic() + 10
        while True:
            answer = harness.socat(self.admin, "pause database app\n")
            if answer == "\n" or time.monotonic() > deadline:
                break
            time.sleep(0.1)  # the session's end is seen within a step
        self.assertEqual(answer, "\n")
        self.wait_state("paused (deep)")
        self.db.wait_for_log(r"database app: pausing: asked by the runtime API")

    def test_capacity_bounds_set_at_runtime(self):
        """`set database app capacity 1 2` resumes the paused database
        (a minimum above 0 never pauses) and `show databases` shows the
        bounds; back to 0, it may be paused again. Defect: bounds ignored
        until a restart, or a database that stays paused under a minimum."""
        self.assertEqual(harness.socat(self.admin, "set database app capacity 1 2\n"), "\n")
        rows = self.wait_state("running")
        fields = dict(zip(rows[0][2:].split(","), rows[1].split(",")))
        self.assertEqual((fields["min"], fields["max"], fields["capacity"]), ("1", "2", "1"))
        self.assertEqual(len(self.db.mariadbd_pids()), 1)
        self.db.wait_for_log(r"database app: capacity bounds 0-4 -> 1-2 ACU "
                             r"\(set by the runtime API\)")
        self.assertEqual(harness.socat(self.admin, "pause database app\n"),
                         "Database 'app' not paused: its capacity minimum is 1 ACU: "
                         "it never pauses.\n\n")
        self.assertEqual(harness.socat(self.admin, "set database app capacity 2 1\n"),
                         "'capacity' : maximum 1 is below minimum 2.\n\n")
        self.assertEqual(harness.socat(self.admin, "set database app capacity 0 4\n"), "\n")
        self.assertEqual(harness.socat(self.admin, "pause database app\n"), "\n")
        self.wait_state("paused (deep)")

    def test_a_server_in_maintenance_takes_no_new_session(self):
        """`set server be/app state maint`: new connections find no server,
        the established one goes on; `ready` (or `enable server`) lets them
        in again. Defect: maint ignored, or the open session cut."""
        conn = self.db.connect()
        try:
            self.assertEqual(harness.socat(self.admin, "set server be/app state maint\n"), "\n")
            self.db.wait_for_log(r"Server be/app is going DOWN for maintenance "
                                 r"\(set by the runtime API\)")
            with self.assertRaises(Exception):
                harness.close_quietly(self.db.connect(timeout=5))
            with conn.cursor() as cur:
                cur.execute("SELECT 2")
                self.assertEqual(cur.fetchall(), ((2,),))
            self.assertEqual(harness.socat(self.admin, "enable server be/app\n"), "\n")
            fresh = self.db.connect()
            harness.close_quietly(fresh)
            self.assertEqual(harness.socat(self.admin, "set server be/nope state drain\n"),
                             "No such server.\n\n")
        finally:
            harness.close_quietly(conn)

    def test_interactive_mode(self):
        """`prompt` keeps the connection open with a "> " after each
        answer until `quit`."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.admin)
            s.sendall(b"prompt\n")
            self.assertEqual(s.recv(100), b"> ")
            s.sendall(b"show info\n")
            reply = b""
            while not reply.endswith(b"\n\n> "):
                chunk = s.recv(4096)
                self.assertTrue(chunk, reply)
                reply += chunk
            self.assertIn(b"Name: borealis\n", reply)
            s.sendall(b"quit\n")
            self.assertEqual(s.recv(100), b"")

    def test_hostile_input_is_answered_and_survived(self):
        """1,000 malformed lines (random bytes, binary, unknown commands,
        wrong arguments), an overlong line, silent clients and more
        connections than allowed: each gets an error line, is closed or
        waits its turn, and the API still answers. Defect: a crash, a
        hang, or clients that hold the socket forever."""
        rng = random.Random(11)
        for i in range(1000):
            kind = i % 4
            if kind == 0:
                line = bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 200)))
                line = line.replace(b"\n", b" ")
            elif kind == 1:
                line = b"show\0info"
            elif kind == 2:
                line = f"frobnicate {i}".encode()
            else:
                line = b"pause database " + b"x" * rng.randrange(1, 300) + b" extra"
            answer = exchange(self.admin, line + b"\n")
            self.assertTrue(answer.endswith(b"\n"), (line, answer))
        self.assertEqual(exchange(self.admin, b"show\0info\n"),
                         b"Binary data in a command line.\n\n")
        overlong = exchange(self.admin, b"a" * 20000 + b"\n")
        self.assertEqual(overlong, b"Command line too long (at most 16384 bytes).\n\n")
        # Ten silent clients take every place: the eleventh waits in the
        # listen queue until `stats timeout` (5 s) closes them, then is
        # answered.
        silent = [socket.socket(socket.AF_UNIX) for _ in range(10)]
        try:
            for s in silent:
                s.connect(self.admin)
            time.sleep(0.5)
            start = time.monotonic()
            waited = exchange(self.admin, b"show info\n", timeout=20)
            self.assertIn(b"Name: borealis\n", waited)
            self.assertGreater(time.monotonic() - start, 3)
            for s in silent:
                s.settimeout(15)
                self.assertEqual(s.recv(10), b"")
        finally:
            for s in silent:
                s.close()
        self.assertIn("Name: borealis", harness.socat(self.admin, "show info\n"))
        self.assertTrue(self.db.proxy.running())


class StaleSocketTest(harness.ServerlessTestCase):

    def test_a_stale_socket_is_replaced_and_a_live_one_refused(self):
        """A socket file nobody listens on (a crashed borealis's) is
        replaced; one a running process listens on is not taken over.
        Defect: a second borealis steals a running one's socket."""
        path = self.tmp.join("api.sock")
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(path)
        stale.close()  # the file stays, nobody listens
        datadir = self.new_datadir()
        db = self.start_serverless(harness.database_section(datadir), datadir,
                                   global_lines=(f"stats socket {path} level admin",))
        self.assertIn("Name: borealis", harness.socat(path, "show info\n"))
        second = harness.Proxy(self.tmp, name="second", expect_exit=1)
        self.addCleanup(second.stop)
        second.start(harness.serverless_config(
            harness.free_port(), harness.database_section(self.tmp.join("other")),
            global_lines=(f"stats socket {path} level admin",)), wait=False)
        self.assertEqual(second.wait(30), 1)
        self.assertIn("is in use by a running process", second.log())
        self.assertIn(f"Pid: {db.proxy.pid}", harness.socat(path, "show info\n"))


if __name__ == "__main__":
    unittest.main()
