"""Shared helpers for borealis end-to-end tests.

Every test starts real programs from Debian packages -- mariadbd, dnsmasq,
the proxy under test ($BOREALIS_BIN: borealis, or /usr/sbin/haproxy as the
reference implementation) and real clients (the `mariadb` command-line
client, PyMySQL) -- on free loopback ports, inside a temporary directory that
is removed at the end.  Every process is stopped by its PID (SIGTERM, then
SIGKILL after a timeout), also when a test fails.

Nothing here talks to a non-loopback address.  Every test process has a
/24 of its own inside 127.0.0.0/8 (host(n); LOCAL = host(1) for the proxy's
frontends, dnsmasq and helpers, host(2), host(3), ... for servers), and
whatever a test binds or connects to is in it, so test files running in
parallel never meet on an address:
  * mariadbd runs with --skip-name-resolve and binds host(n);
  * dnsmasq listens on LOCAL, runs with --no-resolv and --local=/test/, so
    it never forwards;
  * the proxy runs in a private mount namespace (`unshare --mount`) where
    /etc/hosts maps the test names and /etc/resolv.conf points at 127.0.0.1
    (libc's own lookups, never a test's address).  HAProxy resolves server
    names through libc once at start-up
    (`init-addr last,libc` is its default); without this, that start-up
    lookup would go to the machine's real name server.

Run a test file alone with, for example:
    cd tests/e2e && BOREALIS_BIN=/usr/sbin/haproxy \
        /usr/bin/python3 -m unittest -v test_post_scenario
"""

import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import pymysql

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"
MARIADB_CLI = "/usr/bin/mariadb"
DNSMASQ = "/usr/sbin/dnsmasq"
UNSHARE = shutil.which("unshare") or "/usr/bin/unshare"

APP_USER = "app"
APP_PASSWORD = "app-Secret-42"

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# small utilities

def wait_until(predicate, timeout, interval=0.1, message="condition"):
    """Poll predicate() until it returns a true value; return that value.

    Raises AssertionError after `timeout` seconds.  Exceptions raised by the
    predicate count as "not yet" and the last one is reported.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - polled condition
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(
                f"timed out after {timeout}s waiting for {message}{detail}")
        time.sleep(interval)


# Every test process has its own /24 of 127.0.0.0/8 (all of it is loopback
# on Linux), picked at random at import: test files running in parallel
# bind different addresses, so their listeners cannot collide whatever ports
# they draw.  host(1) is the process's "127.0.0.1"; servers of a test take
# host(2), host(3), ...
_BLOCK = random.Random((os.getpid() << 20) ^ time.monotonic_ns()).randrange(
    1, 254 * 254)


def host(n=1):
    """Address n (1..254) of this test process's loopback /24."""
    if not 1 <= n <= 254:
        raise ValueError(f"host number out of range: {n}")
    return f"127.{1 + _BLOCK // 254}.{1 + _BLOCK % 254}.{n}"


LOCAL = host(1)


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


# Ports are handed out from a window of the range below the kernel's
# ephemeral ports (which connect() uses for its own end), starting at a
# window chosen at random per process, so that test processes running in
# parallel draw from different windows; within a process a port is never
# handed out twice.  What remains is the gap between the check and the bind
# by the program the port is for, which these two rules make unlikely to
# matter.
_PORT_WINDOW = 256
_ports_lock = threading.Lock()
_ports_given = set()
_port_cursor = None


def _port_range():
    """(first, last) ports to hand out: 20000 up to below the ephemeral
    range (/proc/sys/net/ipv4/ip_local_port_range, usually 32768-60999)."""
    first, last = 20000, 32767
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range",
                  encoding="ascii") as f:
            ephemeral_low = int(f.read().split()[0])
        if ephemeral_low - 1 - first >= 4 * _PORT_WINDOW:
            last = ephemeral_low - 1
    except (OSError, ValueError, IndexError):
        pass
    return first, last


def _next_candidate_port():
    """The next port of this process's sequence (call with _ports_lock)."""
    global _port_cursor
    first, last = _port_range()
    size = last - first + 1
    if _port_cursor is None:
        windows = size // _PORT_WINDOW
        seed = (os.getpid() << 20) ^ time.monotonic_ns()
        _port_cursor = random.Random(seed).randrange(windows) * _PORT_WINDOW
    port = first + _port_cursor % size
    _port_cursor += 1
    return port


def free_port(hosts=(LOCAL,), udp=False):
    """Return a port that is currently free on every address in `hosts`
    (TCP, and UDP too when `udp` is true: DNS servers need both) and that
    this process has not handed out before."""
    first, last = _port_range()
    with _ports_lock:
        for _ in range(last - first + 1):
            port = _next_candidate_port()
            if port in _ports_given:
                continue
            if all(_port_is_free(h, port, udp) for h in hosts):
                _ports_given.add(port)
                return port
    raise RuntimeError(f"no free port common to {hosts}")


def _port_is_free(host, port, udp):
    kinds = [socket.SOCK_STREAM] + ([socket.SOCK_DGRAM] if udp else [])
    for kind in kinds:
        s = socket.socket(_family(host), kind)
        try:
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def source_address(dest=LOCAL):
    """The local address the kernel gives a connection to `dest` when the
    client binds none (nothing is sent).  On Linux every destination in
    127.0.0.0/8 gets the loopback route's preferred source, 127.0.0.1: this
    is the client address the proxy logs and mariadbd sees for clients (and
    for the proxy itself) that connect to host(n)."""
    s = socket.socket(_family(dest), socket.SOCK_DGRAM)
    try:
        s.connect((dest, 9))
        return s.getsockname()[0]
    finally:
        s.close()


def port_accepts(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(host, port, timeout=20, message=None):
    wait_until(lambda: port_accepts(host, port), timeout, 0.05,
               message or f"{host}:{port} to accept connections")


def make_temp_dir(prefix):
    """tempfile.mkdtemp(), but traversable by every user (0755, not 0700):
    programs the tests start may drop to another user (mariadbd runs as
    `mysql`) and must still reach files below it."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


class TempDir:
    """A temporary directory removed by cleanup()."""

    def __init__(self, prefix="borealis-e2e-"):
        self.path = make_temp_dir(prefix)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def write(self, name, text):
        path = self.join(name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Process:
    """A child process with its stdout+stderr captured to a file."""

    def __init__(self, argv, log_path, env=None):
        self.argv = list(argv)
        self.log_path = log_path
        self.env = env
        self.proc = None
        self.returncode = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True)
        finally:
            log.close()
        self.returncode = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.running():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        """Wait for exit; return the exit code or None on timeout."""
        if self.proc is None:
            return None
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after `timeout`; return the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait(timeout) is None:
                self.kill()
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def read_log(self):
        try:
            with open(self.log_path, "r", encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


# --------------------------------------------------------------------------
# mariadbd

_template_lock = threading.Lock()
_template_dir = None


def _mariadbd_size_args():
    return [
        "--innodb-buffer-pool-size=32M",
        "--innodb-log-file-size=8M",
        "--innodb-data-file-path=ibdata1:10M:autoextend",
    ]


def template_datadir():
    """One initialised data directory per test process, copied per server."""
    global _template_dir
    with _template_lock:
        if _template_dir is None:
            base = make_temp_dir("borealis-e2e-template-")
            atexit.register(shutil.rmtree, base, True)
            datadir = os.path.join(base, "data")
            out = subprocess.run(
                [INSTALL_DB, "--no-defaults",
                 "--auth-root-authentication-method=normal",
                 f"--datadir={datadir}", "--skip-test-db", "--user=root",
                 # A private tmpdir: concurrent bootstraps in a shared /tmp
                 # have collided on their temporary tables.
                 f"--tmpdir={base}"]
                + _mariadbd_size_args(),
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                timeout=120, check=False)
            if out.returncode != 0:
                raise RuntimeError("mariadb-install-db failed:\n"
                                   + out.stdout.decode(errors="replace"))
            _template_dir = datadir
        return _template_dir


class Mariadb:
    """A mariadbd on a loopback address with user app@'%' (password)."""

    def __init__(self, tmp, host=LOCAL, port=None, name="db",
                 marker=None, extra_args=(), max_connections=300):
        self.tmp = tmp
        self.host = host
        self.port = port or free_port((host,))
        self.name = name
        self.marker = marker if marker is not None else name
        self.dir = tmp.join(f"mariadb-{name}")
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.extra_args = list(extra_args)
        self.max_connections = max_connections
        self.process = None
        self._initialised = False
        # Connections this object opened itself (root over the socket),
        # so that connection counts can exclude the harness's own.
        self.own_connections = 0

    # life cycle ----------------------------------------------------------
    def argv(self):
        return [
            MARIADBD, "--no-defaults", "--user=root",
            f"--datadir={self.datadir}", f"--socket={self.socket}",
            f"--pid-file={os.path.join(self.dir, 'mysqld.pid')}",
            f"--tmpdir={self.dir}",
            f"--bind-address={self.host}", f"--port={self.port}",
            "--skip-name-resolve", "--performance-schema=OFF",
            "--innodb-flush-log-at-trx-commit=2",
            f"--max-connections={self.max_connections}",
            "--log-error=" + os.path.join(self.dir, "error.log"),
        ] + _mariadbd_size_args() + self.extra_args

    def start(self, timeout=60):
        if not self._initialised:
            os.makedirs(self.dir, exist_ok=True)
            shutil.copytree(template_datadir(), self.datadir)
        self.process = Process(self.argv(), os.path.join(self.dir, "out.log"))
        self.process.start()
        wait_until(self._answers, timeout, 0.1,
                   f"mariadbd {self.name} on {self.host}:{self.port}"
                   f" (error log: {self.error_log()[-2000:]!r})")
        if not self._initialised:
            self._initialise()
            self._initialised = True
        return self

    def _answers(self):
        if not self.process.running():
            raise AssertionError("mariadbd exited: "
                                 + self.error_log()[-2000:])
        conn = self.root()
        conn.close()
        return True

    def _initialise(self):
        self.execute(
            f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{APP_PASSWORD}'",
            f"GRANT ALL ON *.* TO '{APP_USER}'@'%'",
            "CREATE DATABASE marker",
            "CREATE TABLE marker.m (name VARCHAR(64) NOT NULL)",
            f"INSERT INTO marker.m VALUES ('{self.marker}')",
        )

    def stop(self, timeout=30):
        if self.process is not None:
            return self.process.stop(timeout)
        return None

    def kill(self):
        if self.process is not None:
            self.process.kill()

    def restart(self, timeout=60):
        self.stop()
        return self.start(timeout)

    def running(self):
        return self.process is not None and self.process.running()

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log"),
                      encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    # queries -------------------------------------------------------------
    def root(self):
        """A root connection over the UNIX socket (never through a proxy)."""
        conn = pymysql.connect(unix_socket=self.socket, user="root",
                               password="", connect_timeout=5,
                               read_timeout=30, write_timeout=30,
                               autocommit=True)
        self.own_connections += 1
        return conn

    def execute(self, *statements):
        conn = self.root()
        try:
            with conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
        finally:
            conn.close()

    def query(self, sql):
        conn = self.root()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        finally:
            conn.close()

    def foreign_connections(self):
        """SHOW GLOBAL STATUS 'Connections' minus the harness's own root
        connections (including the one used to ask)."""
        return self.status("Connections") - self.own_connections

    def status(self, var):
        """SHOW GLOBAL STATUS value of `var` as int (or str)."""
        rows = self.query(f"SHOW GLOBAL STATUS LIKE '{var}'")
        if not rows:
            raise KeyError(var)
        value = rows[0][1]
        try:
            return int(value)
        except ValueError:
            return value


# --------------------------------------------------------------------------
# dnsmasq

class Dnsmasq:
    """dnsmasq authoritative for names under .test, answering from a file.

    Unknown names under .test get NXDOMAIN locally (--local=/test/) and
    nothing is ever forwarded (--no-resolv).  Move a name with set_hosts().
    CNAMEs are command-line options, so changing them needs restart().
    """

    def __init__(self, tmp, host=LOCAL, port=None, name="dns"):
        self.tmp = tmp
        self.host = host
        self.port = port or free_port((host,), udp=True)
        self.name = name
        self.hosts_path = tmp.join(f"{name}.hosts")
        self.pid_path = tmp.join(f"{name}.pid")
        self.hosts = {}
        self.cnames = []
        self.process = None
        self.set_hosts({}, reload=False)

    def argv(self):
        argv = [
            DNSMASQ, "--no-daemon", "--user=root", "--no-resolv",
            "--no-hosts", f"--addn-hosts={self.hosts_path}",
            f"--listen-address={self.host}", f"--port={self.port}",
            "--bind-interfaces", "--local=/test/", "--local-ttl=1",
            f"--pid-file={self.pid_path}", "--log-queries", "--log-facility=-",
            "--cache-size=0",
        ]
        for alias, target in self.cnames:
            argv.append(f"--cname={alias},{target}")
        return argv

    def add_cname(self, alias, target):
        self.cnames.append((alias, target))

    def set_hosts(self, mapping, reload=True):
        """mapping: name -> address (or list of addresses)."""
        self.hosts = dict(mapping)
        lines = []
        for name, addrs in self.hosts.items():
            if isinstance(addrs, str):
                addrs = [addrs]
            for addr in addrs:
                lines.append(f"{addr} {name}\n")
        tmp_path = self.hosts_path + ".new"
        with open(tmp_path, "w", encoding="utf-8") as f:
            f.writelines(lines)
        os.replace(tmp_path, self.hosts_path)
        if reload and self.process is not None and self.process.running():
            self.sighup()

    def sighup(self):
        self.process.signal(signal.SIGHUP)

    def start(self, timeout=15):
        self.process = Process(self.argv(), self.tmp.join(f"{self.name}.log"))
        self.process.start()
        wait_until(self._answers, timeout, 0.05,
                   f"dnsmasq on {self.host}:{self.port}")
        return self

    def _answers(self):
        if not self.process.running():
            raise AssertionError("dnsmasq exited: " + self.process.read_log())
        return dns_query(self.host, self.port, "probe.test") is not None

    def stop(self, timeout=10):
        if self.process is not None:
            return self.process.stop(timeout)
        return None

    def restart(self):
        self.stop()
        return self.start()


def dns_query(server, port, name, timeout=1.0):
    """Send one A query over UDP; return the rcode (int) or None."""
    qid = os.getpid() & 0xFFFF
    header = qid.to_bytes(2, "big") + b"\x01\x00" + b"\x00\x01" + b"\x00" * 6
    qname = b"".join(len(p).to_bytes(1, "big") + p.encode()
                     for p in name.split(".")) + b"\x00"
    packet = header + qname + b"\x00\x01\x00\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(packet, (server, port))
        data, _ = s.recvfrom(4096)
    except OSError:
        return None
    finally:
        s.close()
    if len(data) < 4 or data[:2] != packet[:2]:
        return None
    return data[3] & 0x0F


# --------------------------------------------------------------------------
# the proxy under test

def proxy_binary():
    binary = os.environ.get("BOREALIS_BIN")
    if not binary:
        raise RuntimeError(
            "BOREALIS_BIN is not set: point it at the borealis binary "
            "(or at /usr/sbin/haproxy to validate the tests)")
    return binary


def is_haproxy():
    """True when the stand-in reference (HAProxy) is the proxy under test."""
    return os.path.basename(proxy_binary()) == "haproxy"


def proxy_command(config_path, check=False, extra=()):
    """The way both proxies are invoked: `$BOREALIS_BIN -f CONFIG`, then
    `extra` (a reload's `-sf PID -x SOCKET`).

    HAProxy needs -db to stay in the foreground; borealis does by default.
    """
    binary = proxy_binary()
    if check:
        return [binary, "-c", "-q", "-f", config_path]
    argv = [binary]
    if is_haproxy():
        argv.append("-db")
    return argv + ["-f", config_path] + list(extra)


# Lines a sanitizer writes when it finds a fault: AddressSanitizer (and its
# LeakSanitizer), UndefinedBehaviorSanitizer, ThreadSanitizer.
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "WARNING: ThreadSanitizer")


def check_no_sanitizer_report(output, what="borealis"):
    """Raise AssertionError if `output` (of borealis) holds a sanitizer
    report: the exit status alone can look like an expected failure."""
    found = [marker for marker in SANITIZER_REPORTS if marker in output]
    if found and not is_haproxy():
        raise AssertionError(f"{what}: sanitizer report ({found[0]!r}):\n"
                             + output[-4000:])


def describe_exit(returncode):
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class Proxy:
    """The proxy under test, run from a config text in the foreground.

    stop() judges how borealis ended (HAProxy, the reference, is not judged):
    it raises AssertionError, with the tail of the log, when the exit status
    is not `expect_exit` (0 unless a test says otherwise: an int, a
    collection of ints, or None for any) or when the log holds a sanitizer
    report.  A test that wants no judgement of the exit status sets
    `expect_clean_exit = False` (sanitizer reports still fail).
    """

    def __init__(self, tmp, name="proxy", etc_hosts=None, expect_exit=0):
        self.tmp = tmp
        self.name = name
        self.config_path = tmp.join(f"{name}.cfg")
        self.log_path = tmp.join(f"{name}.log")
        self.etc_hosts = dict(etc_hosts or {})
        self.process = None
        self.expect_exit = expect_exit
        self.expect_clean_exit = True
        self._log_start = 0   # where this run's lines start in the log
        self._judged = False  # this run's exit was already judged

    # The proxy runs in its own mount namespace with private /etc/hosts
    # and /etc/resolv.conf (see module doc).  `exec` keeps the PID: the
    # PID we signal is the proxy's own.
    def _wrapped(self, argv):
        hosts = self.tmp.join(f"{self.name}.etc-hosts")
        with open(hosts, "w", encoding="utf-8") as f:
            f.write("127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
            for name, addr in self.etc_hosts.items():
                f.write(f"{addr} {name}\n")
        resolv = self.tmp.join(f"{self.name}.resolv.conf")
        with open(resolv, "w", encoding="utf-8") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        script = ('mount --bind "$1" /etc/hosts && '
                  'mount --bind "$2" /etc/resolv.conf && '
                  'shift 2 && exec "$@"')
        return [UNSHARE, "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", script, "sh", hosts, resolv] + list(argv)

    def write_config(self, text):
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(text)

    def start(self, config_text=None, wait=None, timeout=20, extra_args=()):
        """Start the proxy; `wait` = (host, port) to wait for, or a list;
        `extra_args` follow `-f CONFIG`."""
        if config_text is not None:
            self.write_config(config_text)
        self._log_start = self.log_offset()
        self._judged = False
        self.process = Process(
            self._wrapped(proxy_command(self.config_path, extra=extra_args)),
            self.log_path)
        self.process.start()
        if wait:
            waits = [wait] if isinstance(wait, tuple) else list(wait)
            for host, port in waits:
                wait_until(lambda h=host, p=port: self._listening(h, p),
                           timeout, 0.05,
                           f"proxy listening on {host}:{port}")
            self.wait_stats_sockets(timeout)
        return self

    def wait_stats_sockets(self, timeout=20):
        """Wait until every `stats socket` of the configuration exists:
        borealis binds them after its listeners, so a listening port does
        not mean they are there yet."""
        with open(self.config_path, encoding="utf-8") as f:
            paths = re.findall(r"^\s*stats socket (\S+)", f.read(), re.MULTILINE)
        for path in paths:
            wait_until(lambda p=path: os.path.exists(p) or not self.running(), timeout, 0.05,
                       f"stats socket {path}")

    def _listening(self, host, port):
        if not self.process.running():
            raise AssertionError(
                f"proxy exited with {self.process.proc.returncode}: "
                + self.log()[-3000:])
        return port_accepts(host, port)

    @property
    def pid(self):
        return self.process.pid

    def running(self):
        return self.process is not None and self.process.running()

    def signal(self, sig):
        self.process.signal(sig)

    def wait(self, timeout):
        return self.process.wait(timeout)

    def stop(self, timeout=10):
        """SIGTERM (SIGKILL after `timeout`); return the exit status after
        judging it (see the class doc)."""
        if self.process is not None:
            returncode = self.process.stop(timeout)
            self.check_exit()
            return returncode
        return None

    def check_exit(self):
        """Raise AssertionError if borealis has exited otherwise than
        expected or wrote a sanitizer report (once per run; nothing to say
        while it runs, or about HAProxy)."""
        if self.process is None or self._judged or is_haproxy():
            return
        if self.process.proc is None or self.process.proc.poll() is None:
            return
        self._judged = True
        returncode = self.process.proc.returncode
        log = self.log()[self._log_start:]
        problems = [f"the log holds a sanitizer report ({marker!r})"
                    for marker in SANITIZER_REPORTS if marker in log]
        expected = self.expect_exit
        if self.expect_clean_exit and expected is not None:
            if isinstance(expected, int):
                expected = {expected}
            if returncode not in expected:
                want = " or ".join(describe_exit(code)
                                   for code in sorted(expected))
                problems.append(f"borealis ended with "
                                f"{describe_exit(returncode)}, expected "
                                f"{want}")
        if problems:
            raise AssertionError(
                f"{self.name}: " + "; ".join(problems)
                + f"\n--- {self.name} log (last 4000 characters) ---\n"
                + log[-4000:])

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_offset(self):
        return len(self.log())

    def wait_for_log(self, regex, timeout=15, start=0):
        """Wait until the log (from char offset `start`) matches regex."""
        pattern = re.compile(regex)

        def found():
            return pattern.search(self.log()[start:])

        try:
            return wait_until(found, timeout, 0.1, f"log line /{regex}/")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- proxy log ---\n"
                                 f"{self.log()[-4000:]}") from None

    def check_config(self, text, name="check.cfg", quiet=True):
        """Run `$BOREALIS_BIN -c -q -f FILE` (without -q if not `quiet`).

        Returns (exit code, output, config path).
        """
        path = self.tmp.write(name, text)
        argv = proxy_command(path, check=True)
        if not quiet:
            argv.remove("-q")
        out = subprocess.run(self._wrapped(argv),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=30,
                             check=False)
        text = out.stdout.decode(errors="replace")
        check_no_sanitizer_report(text, f"{proxy_binary()} -c -f {path}")
        return out.returncode, text, path


# --------------------------------------------------------------------------
# clients

def mariadb_cli(host, port, sql, user=APP_USER, password=APP_PASSWORD,
                timeout=15, database=None):
    """Run the `mariadb` client; return (exit code, stdout, stderr)."""
    argv = [MARIADB_CLI, "--no-defaults", "-h", host, "-P", str(port),
            "--protocol=TCP", f"-u{user}", "--connect-timeout=5", "-N", "-B"]
    if password:
        argv.append(f"-p{password}")
    if database:
        argv.append(database)
    argv += ["-e", sql]
    try:
        out = subprocess.run(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return (out.returncode, out.stdout.decode(errors="replace"),
            out.stderr.decode(errors="replace"))


def cli_marker(host, port, timeout=15):
    """The marker name reached through host:port with the CLI, or None."""
    rc, out, _ = mariadb_cli(host, port, "SELECT name FROM marker.m",
                             timeout=timeout)
    return out.strip() if rc == 0 else None


def connect(host, port, user=APP_USER, password=APP_PASSWORD, timeout=10,
            **kwargs):
    return pymysql.connect(host=host, port=port, user=user,
                           password=password, connect_timeout=timeout,
                           read_timeout=timeout, write_timeout=timeout,
                           autocommit=True, **kwargs)


def marker(host, port, timeout=10):
    """The marker reached through host:port with PyMySQL (raises on error)."""
    conn = connect(host, port, timeout=timeout)
    try:
        return session_marker(conn)
    finally:
        conn.close()


def close_quietly(conn):
    """Close a PyMySQL connection, ignoring "already closed" and I/O errors."""
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - best effort in cleanups
        pass


def session_marker(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM marker.m")
        return cur.fetchone()[0]


# --------------------------------------------------------------------------
# base test case

class E2ETestCase(unittest.TestCase):
    """Gives each test a TempDir and starts/stops programs via cleanups."""

    def setUp(self):
        proxy_binary()  # fail early and clearly without BOREALIS_BIN
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def start_mariadb(self, **kwargs):
        db = Mariadb(self.tmp, **kwargs)
        self.addCleanup(db.stop)
        db.start()
        return db

    def start_dnsmasq(self, hosts=None, cnames=(), **kwargs):
        dns = Dnsmasq(self.tmp, **kwargs)
        for alias, target in cnames:
            dns.add_cname(alias, target)
        dns.set_hosts(hosts or {}, reload=False)
        self.addCleanup(dns.stop)
        dns.start()
        return dns

    def start_proxy(self, config_text, wait=None, etc_hosts=None,
                    name="proxy", extra_args=()):
        proxy = Proxy(self.tmp, name=name, etc_hosts=etc_hosts)
        self.addCleanup(self._stop_proxy, proxy)
        proxy.start(config_text, wait=wait, extra_args=extra_args)
        return proxy

    def _stop_proxy(self, proxy):
        """Cleanup: stop the proxy; an unclean exit of borealis (see
        Proxy.stop) raises here, which marks the test as errored."""
        try:
            proxy.stop()
        finally:
            if os.environ.get("BOREALIS_E2E_SHOW_LOGS"):
                print(f"\n--- {proxy.name} log ---\n{proxy.log()}")


GLOBAL_LOG = "log stderr format raw local0 info"


def base_config(global_lines=(), defaults_lines=(), timeout_client="30s",
                timeout_server="30s", timeout_connect="3s", log_level="info"):
    """`global` and `defaults` sections shared by the synthetic configs;
    the log goes to stderr up to `log_level`."""
    g = "".join(f"    {line}\n" for line in global_lines)
    d = "".join(f"    {line}\n" for line in defaults_lines)
    log = GLOBAL_LOG.replace(" info", f" {log_level}")
    return (
        "global\n"
        f"    {log}\n"
        f"{g}"
        "\n"
        "defaults\n"
        "    mode tcp\n"
        "    log global\n"
        "    option tcplog\n"
        f"    timeout connect {timeout_connect}\n"
        f"    timeout client {timeout_client}\n"
        f"    timeout server {timeout_server}\n"
        f"{d}"
        "\n")


def mysql_proxy_sections(listen, backend_lines):
    """A `mode mysql` frontend `fe` on LOCAL:listen and its backend `be`
    with `backend_lines` (text, one setting per line)."""
    body = "".join(f"    {line.strip()}\n" for line in backend_lines.strip().splitlines())
    return (f"frontend fe\n    mode mysql\n    bind {LOCAL}:{listen}\n"
            f"    default_backend be\n\nbackend be\n    mode mysql\n{body}")


# --------------------------------------------------------------------------
# serverless databases (`database` sections)

def database_section(datadir=None, name="app", engine="mariadb",
                     capacity="0 4",
                     acu="memory 128m cpu 0.5 connections 20",
                     auto_pause="3s", timeout_resume="30s",
                     scale_down_delay="5s", auto_pause_deep="0s", extra=()):
    """A `database NAME` section; `extra` lines are appended as they are.

    A keyword given as None is left out (so borealis uses its default).
    Pauses are deep (compute stopped) unless `auto_pause_deep` says
    otherwise: most tests are about the deep ones; the warm ones have
    their own (test_serverless_warm_pause.py).
    """
    lines = [f"database {name}", f"    engine {engine}"]
    if datadir is not None:
        lines.append(f"    datadir {datadir}")
    for keyword, value in (("capacity", capacity), ("acu", acu),
                           ("auto-pause", auto_pause),
                           ("timeout resume", timeout_resume),
                           ("scale-down-delay", scale_down_delay),
                           ("auto-pause-deep",
                            auto_pause_deep if engine == "mariadb" else None)):
        if value is not None:
            lines.append(f"    {keyword} {value}")
    lines += [f"    {line}" for line in extra]
    return "\n".join(lines) + "\n\n"


def serverless_config(listen, database_text, name="app", mode="tcp",
                      global_lines=()):
    """global/defaults + `database_text` + a frontend on LOCAL:listen
    whose backend's only server is database@name, both in `mode`."""
    return base_config(global_lines=global_lines, timeout_client="60s",
                       timeout_server="60s") + \
        database_text + f"""\
frontend fe
    mode {mode}
    bind {LOCAL}:{listen}
    default_backend be

backend be
    mode {mode}
    server {name} database@{name}
"""


def tcp_listening(host, port):
    """True when some socket LISTENs on host:port (IPv4), read from
    /proc/net/tcp: unlike port_accepts(), this opens no connection, so it
    does not wake a paused database."""
    want = "%08X:%04X" % (int.from_bytes(socket.inet_aton(host), "little"),
                          port)
    with open("/proc/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


def mariadbd_pids(datadir):
    """PIDs of running mariadbd processes started with --datadir=DATADIR
    (exact argument match, so /x/data does not match /x/data2)."""
    wanted = f"--datadir={datadir}"
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
        if state == b"Z" or not argv or not argv[0]:
            continue
        if not os.path.basename(argv[0].decode(errors="replace")) \
                .startswith("mariadbd"):
            continue
        if wanted in (a.decode(errors="replace") for a in argv[1:]):
            pids.append(int(entry))
    return pids


def kill_mariadbd(datadir, timeout=10):
    """SIGKILL every mariadbd still running on `datadir` (test cleanup for a
    server a failed borealis left behind); return the PIDs killed."""
    pids = mariadbd_pids(datadir)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if pids:
        try:
            wait_until(lambda: not mariadbd_pids(datadir), timeout, 0.05,
                       f"mariadbd on {datadir} to die")
        except AssertionError:
            pass
    return pids


def database_password(datadir, user=APP_USER):
    """The application user's password that borealis generated."""
    with open(os.path.join(datadir, f"borealis-{user}.password"),
              encoding="utf-8") as f:
        return f.read().strip()


_serverless_template_lock = threading.Lock()
_serverless_template_dir = None


def serverless_template_datadir():
    """One data directory initialised by borealis itself (mariadb-install-db,
    user `app` with its password file, database `app`), made once per test
    process by a first connection through a borealis, then copied for each
    test that does not need to cover initialisation."""
    global _serverless_template_dir
    with _serverless_template_lock:
        if _serverless_template_dir is None:
            tmp = TempDir(prefix="borealis-e2e-sl-template-")
            atexit.register(tmp.cleanup)
            datadir = tmp.join("data")
            listen = free_port()
            proxy = Proxy(tmp, name="template")
            proxy.start(serverless_config(listen, database_section(datadir)))
            wait_serverless_listening(proxy, listen)
            try:
                conn = connect(LOCAL, listen,
                               password=database_password(datadir),
                               timeout=90)
                conn.close()
            finally:
                try:
                    proxy.stop(60)
                finally:
                    orphans = kill_mariadbd(datadir)
            if orphans:
                raise AssertionError(
                    f"mariadbd {orphans} on {datadir} outlived borealis "
                    "(template)\n--- proxy log ---\n" + proxy.log()[-4000:])
            try:
                os.unlink(os.path.join(datadir, "borealis.lock"))
            except FileNotFoundError:
                pass
            _serverless_template_dir = datadir
        return _serverless_template_dir


def wait_serverless_listening(proxy, listen, timeout=20):
    """Wait until the proxy listens on LOCAL:listen without connecting to
    it (a connection would count as a client and resume the database)."""
    def ready():
        if not proxy.running():
            raise AssertionError(
                f"proxy exited with {proxy.process.proc.returncode}: "
                + proxy.log()[-3000:])
        return tcp_listening(LOCAL, listen)
    wait_until(ready, timeout, 0.05, f"proxy listening on {LOCAL}:{listen}")
    proxy.wait_stats_sockets(timeout)


class Serverless:
    """A borealis running one `database` section behind LOCAL:listen."""

    def __init__(self, proxy, listen, datadir, name="app"):
        self.proxy = proxy
        self.host = LOCAL
        self.listen = listen
        self.datadir = datadir
        self.name = name

    def password(self):
        return database_password(self.datadir)

    def connect(self, timeout=40, database=None, **kwargs):
        """A PyMySQL session as `app` through borealis (waits for a resume:
        the connect timeout only covers the TCP connect, the handshake read
        is bounded by `timeout`)."""
        kw = dict(host=self.host, port=self.listen, user=APP_USER,
                  password=self.password(), connect_timeout=timeout,
                  read_timeout=timeout, write_timeout=timeout,
                  autocommit=True)
        if database is not None:
            kw["database"] = database
        kw.update(kwargs)
        return pymysql.connect(**kw)

    def query(self, sql, timeout=40):
        conn = self.connect(timeout=timeout)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        finally:
            close_quietly(conn)

    def mariadbd_pids(self):
        return mariadbd_pids(self.datadir) if self.datadir else []

    def log(self):
        return self.proxy.log()

    def log_offset(self):
        return self.proxy.log_offset()

    def wait_for_log(self, regex, timeout=30, start=0):
        return self.proxy.wait_for_log(regex, timeout=timeout, start=start)

    def wait_paused(self, start=0, timeout=30):
        return self.wait_for_log(
            rf"database {self.name}: paused after \d+s without client "
            r"sessions \(([\d.]+) ACU-seconds used so far\)",
            timeout=timeout, start=start)

    def wait_no_mariadbd(self, timeout=15):
        wait_until(lambda: not self.mariadbd_pids(), timeout, 0.05,
                   f"no mariadbd on {self.datadir}")


class ServerlessTestCase(E2ETestCase):
    """E2ETestCase plus borealis-run serverless databases."""

    def new_datadir(self, name="data", template=True):
        """A data directory path in the test's temp dir: a copy of the
        initialised template, or (template=False) not existing yet."""
        path = self.tmp.join(name)
        if template:
            shutil.copytree(serverless_template_datadir(), path)
        # Cleanups run last-in first-out: this one runs after the proxy's,
        # and kills a mariadbd that a failed borealis left behind.
        self.addCleanup(self._no_orphan_mariadbd, path)
        return path

    def _no_orphan_mariadbd(self, datadir):
        """Cleanup: a mariadbd still running on `datadir` once borealis has
        stopped is killed, and fails the test."""
        killed = kill_mariadbd(datadir)
        if killed:
            self.fail(f"mariadbd {killed} on {datadir} outlived borealis "
                      "(killed by the test)")

    def start_serverless(self, database_text, datadir, name="app",
                         proxy_name="proxy", listen=None, global_lines=()):
        listen = listen or free_port()
        proxy = self.start_proxy(serverless_config(listen, database_text,
                                                   name=name,
                                                   global_lines=global_lines),
                                 name=proxy_name)
        wait_serverless_listening(proxy, listen)
        return Serverless(proxy, listen, datadir, name=name)


# --------------------------------------------------------------------------
# the runtime API (`stats socket`)

def socat(path, text, timeout=10):
    """What the runtime API socket at `path` answers to `text`, sent as
    `echo TEXT | socat stdio unix-connect:PATH` (as operators do)."""
    done = subprocess.run(["socat", "-t", "5", "stdio", f"unix-connect:{path}"],
                          input=text.encode(), capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"socat failed: {done.stderr.decode()}")
    return done.stdout.decode()


# --------------------------------------------------------------------------
# tcplog lines

TCPLOG = re.compile(
    r"(?P<client>\S+):(?P<port>\d+) \[(?P<date>[^\]]+)\] (?P<frontend>\S+) "
    r"(?P<backend>[^/\s]+)/(?P<server>\S+) (?P<tw>-?\d+)/(?P<tc>-?\d+)/"
    r"(?P<tt>-?\d+) (?P<bytes>\d+) (?P<state>\S\S) (?P<actconn>\d+)/"
    r"(?P<feconn>\d+)/(?P<beconn>\d+)/(?P<srvconn>\d+)/(?P<retries>\+?\d+) "
    r"(?P<queues>\d+/\d+)")


def tcplog_lines(log, frontend=None):
    """Every tcplog line of `log` (for `frontend` only, if given), as dicts
    with int values for the numeric fields."""
    lines = []
    for match in TCPLOG.finditer(log):
        fields = match.groupdict()
        if frontend is not None and fields["frontend"] != frontend:
            continue
        for key in ("port", "tw", "tc", "tt", "bytes", "actconn", "feconn",
                    "beconn", "srvconn", "retries"):
            fields[key] = int(fields[key])
        lines.append(fields)
    return lines


def assert_clean_sessions(test, log, frontend="fe"):
    """Every session that ended normally ('--') got its first connection
    attempt through (no retry hid a server that was declared ready too
    early) and was sent at least a MySQL greeting (bytes are counted)."""
    lines = tcplog_lines(log, frontend)
    test.assertTrue(lines, "no tcplog line to check")
    for line in lines:
        if line["state"] != "--":
            continue
        test.assertEqual(line["retries"], 0, f"retried: {line}")
        test.assertGreater(line["bytes"], 50, f"no bytes counted: {line}")
