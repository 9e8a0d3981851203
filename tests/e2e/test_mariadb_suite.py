"""MariaDB's own test suite through `mode mysql`.

`mariadb-test-run.pl --extern` (package mariadb-test, "mtr") runs a
selection of the `main` suite (data/mariadb_suite_tests.txt: how it was
chosen, and every test left out on purpose with its reason) against a
real mariadbd this test starts: first directly, then through borealis in
`mode mysql` (TLS offered, as the server offers it) in front of that same
mariadbd. Every test that passes directly must pass through borealis too;
both counts are printed, and for each test that passes directly only, what
mtr reports (mysqltest's error or the result diff).

How `--extern` is made to work here:

* The server gets the options of mtr's own servers that change results
  (include/default_mysqld.cnf: latin1, MyISAM by default, local-infile,
  small buffers, ...; a binary log; mtr's TLS certificate) and what mtr's
  bootstrap adds: the `test` database, the `mtr` database with its
  suppression procedures, the time-zone test data. The harness's `app`
  user and `marker` database are dropped (tests list users and
  databases).
* mtr writes the `--extern` options into the `[client]` group of its
  my.cnf: `host=localhost`, the port, `user=root`, `loose-protocol=tcp` (so
  mysqltest and the client programs use TCP even for "localhost";
  mysql_client_test has no --protocol, `loose-` makes it ignore it) and a
  `socket`.
* "localhost" is what the tests connect to (`connect (con1,localhost,...)`).
  mtr runs in a private mount namespace whose /etc/hosts maps localhost to
  the target: the server's address for the direct run, borealis's for the
  second. The server sees every connection from 127.0.0.1, which it names
  localhost (it runs without --skip-name-resolve, as mtr's servers do), so
  the tests' `user@localhost` accounts match, in both runs alike.
* Clients that reach "localhost" only through the unix socket get one: a
  socket of this test that relays bytes to the target's TCP port (mariadbd,
  then borealis). Nothing reaches the server's own socket.
* The vardir is the test's temporary directory, with the server's datadir
  below it (`mysqld.1` links to it, as mtr lays it out; tests may only
  touch files under the vardir); `secure_file_priv` is the vardir, as with
  mtr's servers. The suite's own directory is mounted read-only for mtr
  (mysqltest would write .reject files there).
* Tests run one at a time (`--parallel=1`): they share one server. With
  `--extern` mtr ignores .opt files and combinations and never restarts
  the server, so this test restarts it from the data directory it had
  before the first run after every failed test (a wrapper around
  mysqltest asks for it) and between the two runs, as mtr does with its
  own servers: both runs start from the same server, and a failure cannot
  fail the tests after it. Tests that shut down or restart the server
  themselves are not in the selection.

borealis only (HAProxy has no `mode mysql`). Fails when mariadb-test is
not installed. About a minute on an idle 2-core machine.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness

MTR_DIR = "/usr/share/mysql/mysql-test"
MTR = os.path.join(MTR_DIR, "mariadb-test-run.pl")
SELECTION = os.path.join(harness.HERE, "data", "mariadb_suite_tests.txt")
SQL_DIR = "/usr/share/mysql"

# Longest run of one mariadb-test-run (the selection takes about a minute,
# two on a loaded machine); a run that takes longer is killed (its process
# group) and fails the test with the end of its output.
RUN_TIMEOUT = 280
# mtr's limit for one test, in minutes (its smallest).
TESTCASE_TIMEOUT = 1


def selection(path=SELECTION):
    """Test names of the data file (comments and blank lines skipped)."""
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def server_args(vardir):
    """mariadbd options of mtr's own servers (include/default_mysqld.cnf)
    that change what tests see; InnoDB sizes stay the harness's (its
    template data directory was made with them)."""
    std = os.path.join(MTR_DIR, "std_data")
    return [
        # Clients at 127.0.0.1 are "localhost", as over mtr's socket.
        "--skip-name-resolve=0",
        "--performance-schema=ON",
        "--plugin-maturity=unknown",
        "--open-files-limit=1024",
        "--local-infile",
        "--character-set-server=latin1",
        "--connect-timeout=60",
        f"--secure-file-priv={vardir}",
        "--log-bin=master-bin",  # in the datadir, as tests expect
        "--log-bin-trust-function-creators=1",
        "--key-buffer-size=1M",
        "--sort-buffer-size=256K",
        "--max-heap-table-size=1M",
        "--binlog-direct-non-transactional-updates",
        "--default-storage-engine=myisam",
        "--use-stat-tables=preferably",
        "--histogram-type=json_hb",
        f"--ssl-ca={std}/cacert.pem",
        f"--ssl-cert={std}/server-cert.pem",
        f"--ssl-key={std}/server-key.pem",
    ]


def mysqltest_sql_to_cli(path):
    """A mysqltest-syntax SQL file of mtr (`delimiter ||;` lines) as input
    for the `mariadb` client, as mtr's sql_to_bootstrap() reads it."""
    out, delimiter = [], ";"
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            match = re.match(r"^delimiter (.*)", line)
            if match:
                new = match.group(1)
                if new.endswith(delimiter):
                    new = new[:-len(delimiter)]
                delimiter = new
                out.append(f"DELIMITER {delimiter}")
                continue
            if re.match(r"^\s*--", line):
                continue
            out.append(line.replace("'@HOSTNAME@'", "localhost"))
    return "\n".join(out) + "\nDELIMITER ;\n"


def bootstrap_sql():
    """What mtr's bootstrap adds to a fresh server (mariadb-test-run.pl,
    mysql_install_db()), minus what mariadb-install-db already did."""
    with open(os.path.join(SQL_DIR, "mysql_test_data_timezone.sql"),
              encoding="utf-8") as f:
        timezones = f.read()
    return (
        "DROP DATABASE marker;\n"
        f"DROP USER '{harness.APP_USER}'@'%';\n"
        "CREATE DATABASE IF NOT EXISTS test CHARACTER SET latin1 "
        "COLLATE latin1_swedish_ci;\n"
        "USE mysql;\n" + timezones + "\n"
        "DELETE FROM mysql.global_priv WHERE user = '';\n"
        "FLUSH PRIVILEGES;\n"
        "CREATE DATABASE mtr CHARSET=latin1;\n"
        + mysqltest_sql_to_cli(os.path.join(MTR_DIR, "include",
                                            "mtr_warnings.sql"))
        + mysqltest_sql_to_cli(os.path.join(MTR_DIR, "include",
                                            "mtr_check.sql")))


class UnixRelay:
    """A unix socket whose connections are relayed, byte for byte, to a TCP
    address (for clients that reach "localhost" only through the socket)."""

    def __init__(self, path, host, port):
        self.path, self.host, self.port = path, host, port
        self.connections = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(path)
        self._sock.listen(128)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,),
                             daemon=True).start()

    def _serve(self, client):
        try:
            upstream = socket.create_connection((self.host, self.port), 10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=self._pump, args=(upstream, client),
                                daemon=True)
        back.start()
        self._pump(client, upstream)
        back.join()
        client.close()
        upstream.close()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        try:
            self._sock.close()
        finally:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


RESULT = re.compile(r"^(?:worker\[\d+\] )?(main\.\S+)\s+\[ (pass|fail|skipped|"
                    r"disabled) \]\s*(.*)$")


def parse_mtr_output(text):
    """{test: (result, detail)} of mtr's report; the detail of a failure is
    what mtr prints below it (mysqltest's error, the result diff)."""
    results = {}
    current = None
    for line in text.splitlines():
        match = RESULT.match(line)
        if match:
            name, result, comment = match.groups()
            results[name] = [result, comment.strip()]
            current = name if result == "fail" else None
            continue
        if current is None:
            continue
        if line.startswith(" - saving") or line.startswith("-" * 20):
            current = None
            continue
        detail = results[current][1]
        if len(detail) < 6000:
            results[current][1] = (detail + "\n" + line).strip("\n")
    return {name: tuple(value) for name, value in results.items()}


def run_mtr(tmp, target, port, socket_path, tests, vardir, out_path,
            mysqltest=None, timeout=RUN_TIMEOUT):
    """Run mariadb-test-run --extern against target:port ("localhost"
    resolving to `target` inside a private mount namespace); return
    (parsed results, output text, seconds)."""
    hosts = tmp.write(f"mtr-hosts-{target}",
                      f"{target} localhost\n")
    os.makedirs(os.path.join(vardir, "log"), exist_ok=True)
    if os.path.exists(os.path.join(vardir, "mysqld.1", "error.log")):
        os.symlink(os.path.join("..", "mysqld.1", "error.log"),
                   os.path.join(vardir, "log", "mysqld.1.err"))
    argv = [
        harness.UNSHARE, "--mount", "--propagation", "private", "--",
        "/bin/sh", "-c",
        # mysqltest writes a failed test's .reject file beside its .result
        # file when it can: the suite's directory is read-only in there.
        'mount --bind "$1" /etc/hosts && mount --bind "$2" "$2" && '
        'mount -o remount,bind,ro "$2" && shift 2 && exec "$@"',
        "sh", hosts, MTR_DIR,
        "perl", MTR,
        "--extern", "host=localhost", "--extern", f"port={port}",
        "--extern", "user=root", "--extern", "loose-protocol=tcp",
        "--extern", f"socket={socket_path}",
        f"--vardir={vardir}", "--parallel=1", "--force", "--retry=0",
        "--max-test-fail=0", f"--testcase-timeout={TESTCASE_TIMEOUT}",
        "--suite-timeout=15",
        "--nowarnings",
    ] + [f"main.{name}" for name in tests]
    env = dict(os.environ, MTR_BUILD_THREAD="300")
    if mysqltest:
        env["MYSQL_TEST"] = mysqltest
    started = time.monotonic()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(argv, cwd=MTR_DIR, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
            timed_out = True
    seconds = time.monotonic() - started
    with open(out_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if timed_out:
        raise AssertionError(f"mariadb-test-run against {target}:{port} "
                             f"still running after {timeout}s, killed:\n"
                             + text[-4000:])
    return parse_mtr_output(text), text, seconds


# --------------------------------------------------------------------------
# After a failed test mtr restarts its server from a fresh data directory,
# so that what the test left behind (tables, users, settings, a replica
# thread) cannot fail the tests after it. mtr never restarts an --extern
# server, so mtr runs mysqltest through a wrapper (MYSQL_TEST) that, when a
# test has failed, asks this test (over a unix socket) to do it: the
# server restarts from the data directory it had before the first run
# (restore_server()). borealis stays up; the next test's sessions reach
# the restarted server through it.

WRAPPER = """#!{python}
# mariadb-test, then a restart of the server from its first data directory
# if the test failed (0: passed, 62: skipped); not for a mysqltest that a
# test runs itself.
import os, socket, subprocess, sys
argv = ["/usr/bin/mariadb-test"] + sys.argv[1:]
if os.environ.get("BOREALIS_MTR_NESTED"):
    os.execv(argv[0], argv)
rc = subprocess.call(argv, env=dict(os.environ, BOREALIS_MTR_NESTED="1"))
if rc not in (0, 62):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect({socket!r})
        s.sendall(b"restore\\n")
        s.recv(16)
sys.exit(rc)
"""


class RestoreService:
    """Restores the server (restore_server()) for each wrapper that asks,
    one at a time; counts the restarts."""

    def __init__(self, case, db):
        self.case, self.db = case, db
        self.restarts = 0
        self.errors = []
        self.path = case.tmp.join("restore.sock")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(self.path)
        self._sock.listen(4)
        self.wrapper = case.tmp.write("mysqltest-wrapper", WRAPPER.format(
            python=sys.executable, socket=self.path))
        os.chmod(self.wrapper, 0o755)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.recv(16)
                    restore_server(self.case, self.db)
                    self.restarts += 1
                except Exception as exc:  # noqa: BLE001 - reported by the test
                    self.errors.append(repr(exc))
                try:
                    conn.sendall(b"ok\n")
                except OSError:
                    pass

    def close(self):
        self._sock.close()


def clean_mtr_tmpdir(vardir):
    """Empty VARDIR/tmp, as mtr does whenever it (re)starts its servers:
    files tests leave there must not meet the next run."""
    path = os.path.join(vardir, "tmp")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def start_suite_server(case):
    """mariadbd as mtr's servers are, on host(2), vardir = case.tmp."""
    db = case.start_mariadb(host=harness.host(2), name="A",
                            extra_args=server_args(case.tmp.path))
    out = subprocess.run(
        [harness.MARIADB_CLI, "--no-defaults", "-S", db.socket, "-uroot"],
        input=bootstrap_sql().encode(), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=120, check=False)
    if out.returncode != 0:
        raise AssertionError("bootstrap SQL failed: "
                             + out.stdout.decode(errors="replace")[-3000:])
    # Tests name the datadir and the error log as mtr lays them out.
    os.symlink(os.path.basename(db.dir), case.tmp.join("mysqld.1"))
    # The data directory as the runs start from (see restore_server()).
    db.stop()
    shutil.copytree(db.datadir, case.tmp.join("pristine-data"))
    db.start()
    return db


def restore_server(case, db):
    """Restart the server from the data directory it had before the first
    run, as mtr restarts its servers: tests that pass may still leave
    things behind (a replica thread, a table in `mysql`, a changed
    account, the binary log), and the second run must start where the first
    one did."""
    db.stop()
    shutil.rmtree(db.datadir)
    shutil.copytree(case.tmp.join("pristine-data"), db.datadir)
    clean_mtr_tmpdir(case.tmp.path)
    db.start()


def start_borealis(case, db):
    """borealis in mode mysql in front of `db`, offering TLS (optional, as
    the server offers it) with the certificate of mtr's own servers, which
    the suite's TLS tests expect."""
    std = os.path.join(MTR_DIR, "std_data")
    pem = case.tmp.join("borealis-tls.pem")
    with open(pem, "w", encoding="ascii") as out:
        for name in ("server-cert.pem", "server-key.pem"):
            with open(os.path.join(std, name), encoding="ascii") as f:
                out.write(f.read())
    listen = harness.free_port()
    config = harness.base_config(timeout_client="5m", timeout_server="5m") + (
        "frontend fe\n    mode mysql\n"
        f"    bind {harness.LOCAL}:{listen} ssl crt {pem} allow-plaintext\n"
        "    default_backend be\n\nbackend be\n    mode mysql\n"
        f"    server db {db.host}:{db.port}\n")
    proxy = case.start_proxy(config)
    harness.wait_until(lambda: proxy.running() and harness.tcp_listening(
        harness.LOCAL, listen), 20, 0.05, "proxy listening")
    return proxy, listen


class MariadbSuiteTest(harness.E2ETestCase):

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("mode mysql is borealis's")
        if not os.path.exists(MTR):
            raise AssertionError(f"{MTR} is missing: install the Debian "
                                 "package mariadb-test (scripts/install-deps.sh)")

    def run_suite(self, name, host, port, tests):
        clean_mtr_tmpdir(self.tmp.path)
        relay = UnixRelay(self.tmp.join(f"{name}.sock"), host, port)
        try:
            restarts = self.restorer.restarts
            results, text, seconds = run_mtr(
                self.tmp, host, port, relay.path, tests, self.tmp.path,
                self.tmp.join(f"mtr-{name}.out"),
                mysqltest=self.restorer.wrapper)
            print(f"\n{name}: {seconds:.0f}s, the server restarted after "
                  f"{self.restorer.restarts - restarts} failed tests")
        finally:
            relay.close()
        # Keep the run's logs apart from the next run's.
        log = self.tmp.join("log")
        if os.path.isdir(log):
            os.rename(log, self.tmp.join(f"log-{name}"))
        return results, text, seconds

    def test_selection_passes_through_borealis(self):
        tests = selection()
        self.assertGreaterEqual(len(tests), 120)  # the file was read whole
        db = start_suite_server(self)
        self.restorer = RestoreService(self, db)
        self.addCleanup(self.restorer.close)
        proxy, listen = start_borealis(self, db)

        direct, direct_text, direct_s = self.run_suite(
            "direct", db.host, db.port, tests)
        restore_server(self, db)
        via, via_text, via_s = self.run_suite(
            "borealis", harness.LOCAL, listen, tests)

        def passed(results):
            return sorted(n[len("main."):] for n, (r, _) in results.items()
                          if r == "pass")

        direct_pass, via_pass = passed(direct), passed(via)
        lost = [n for n in direct_pass if n not in set(via_pass)]
        print(f"\nselection: {len(tests)} tests; passed directly: "
              f"{len(direct_pass)} ({direct_s:.0f}s), through borealis: "
              f"{len(via_pass)} ({via_s:.0f}s); passing directly, not "
              f"through borealis: {len(lost)}")
        for name in sorted(set(tests) - set(direct_pass)):
            result, detail = direct.get(f"main.{name}", ("missing", ""))
            print(f"not passing directly: {name} ({result}): "
                  + " | ".join(detail.splitlines()[:4]))
        for name in lost:
            result, detail = via.get(f"main.{name}", ("missing", ""))
            print(f"\n=== {name}: passes directly; through borealis: "
                  f"{result} ===\n{detail}")
        self.assertEqual(self.restorer.errors, [], "server restarts failed")
        # The second run must have reached the server through borealis.
        sessions = harness.tcplog_lines(proxy.log(), "fe")
        self.assertGreaterEqual(len(sessions), len(via_pass),
                                proxy.log()[-3000:])
        self.assertGreaterEqual(len(direct_pass), 0.9 * len(tests),
                                "the selection no longer passes directly "
                                "here:\n" + direct_text[-3000:])
        self.assertEqual(lost, [], "tests that pass directly fail through "
                                   "borealis (details above)")


if __name__ == "__main__":
    unittest.main()
