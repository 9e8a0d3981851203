#!/usr/bin/python3
"""Session continuity (`mode mysql` in front of a `database@`): what
following sessions costs, and how fast a paused database answers a client
that stayed connected.

Not a test: prints figures. Uses the e2e harness (tests/e2e/harness.py) to
start borealis in a temporary directory on free loopback ports, and stops
every process it started by its PID.

1. Following cost: one borealis, one database (capacity fixed, never
   paused), two frontends in front of it: `mode tcp` (bytes relayed) and
   `mode mysql` (sessions followed: sysbench's libmariadb asks for
   CLIENT_SESSION_TRACK, and borealis proved its password). sysbench
   `oltp_point_select` at --threads, --seconds per run, --rounds rounds
   alternating the order; medians and the ratio mysql/tcp.
2. Wake with the client connected: a database with `auto-pause 1s`; one
   mysqlclient connection with a session variable stays open; each cycle
   waits for the pause line, then times the client's next query (new server
   connection, borealis's login, the variable restored, the answer), and
   beside it a fresh connect + query to the paused database (the usual
   resume). Medians and p99 over --cycles, on a data directory grown to
   --size (a table of ~1 KiB rows).
3. Restore cost: a client with three session variables and a schema; each
   cycle ends its server connection (`KILL CONNECTION` as root on the
   control socket) and times its next query (a new connection, the login,
   the restore, the answer), beside the same query on a connection that
   was not ended. Medians over --cycles.
4. Idle clients given back: `timeout release 1s`; --clients PyMySQL
   clients connect and run one query each, then --busy of them keep
   querying while the rest stay idle; the engine's Threads_connected
   (sampled for 10 s) against the clients connected, and the resident
   memory of borealis and of mariadbd.

    /usr/bin/python3 bench/continuity_bench.py --borealis build/borealis
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import harness  # noqa: E402
from serverless_bench import du_bytes, fill, parse_size, percentile  # noqa: E402


def start(tmp, name, database, modes, backend_lines=""):
    """borealis with `database` and one frontend per mode (room for 20,000
    connections); returns (proxy, datadir, {mode: port})."""
    datadir = tmp.join(f"{name}-data")
    shutil.copytree(harness.serverless_template_datadir(), datadir)
    ports = {mode: harness.free_port() for mode in modes}
    config = harness.base_config(global_lines=("maxconn 20000",), timeout_client="120s",
                                 timeout_server="120s") + \
        database.replace("DATADIR", datadir)
    for mode, port in ports.items():
        config += f"""\
frontend fe_{mode}
    mode {mode}
    maxconn 20000
    bind {harness.LOCAL}:{port}
    default_backend be_{mode}

backend be_{mode}
    mode {mode}
    server app database@app
{backend_lines}
"""
    proxy = harness.Proxy(tmp, name=name)
    proxy.datadir = datadir
    proxy.start(config)
    for port in ports.values():
        harness.wait_serverless_listening(proxy, port)
    return proxy, datadir, ports


def sysbench(port, pw, threads, seconds, command="run"):
    argv = ["sysbench", "oltp_point_select", f"--mysql-host={harness.LOCAL}",
            f"--mysql-port={port}", "--mysql-user=app", f"--mysql-password={pw}",
            "--mysql-db=app", "--tables=1", "--table-size=10000",
            f"--threads={threads}", f"--time={seconds}", "--report-interval=0", command]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 300)
    if out.returncode != 0:
        raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
    match = re.search(r"queries:\s+\d+\s+\(([\d.]+) per sec", out.stdout)
    return float(match.group(1)) if match else 0.0


def following_cost(args, tmp):
    database = harness.database_section(datadir="DATADIR", capacity="2 2",
                                        acu="memory 128m cpu 1 connections 100",
                                        auto_pause=None)
    proxy, datadir, ports = start(tmp, "follow", database, ("tcp", "mysql"))
    try:
        pw = harness.database_password(datadir)
        sysbench(ports["tcp"], pw, 4, 0, "prepare")
        harness.wait_until(lambda: os.path.exists(os.path.join(datadir, "borealis-accounts")),
                           60, 0.1, "accounts read")
        rates = {"tcp": [], "mysql": []}
        for round_ in range(args.rounds):
            order = ("tcp", "mysql") if round_ % 2 == 0 else ("mysql", "tcp")
            for mode in order:
                rates[mode].append(sysbench(ports[mode], pw, args.threads, args.seconds))
        tcp, mysql = statistics.median(rates["tcp"]), statistics.median(rates["mysql"])
        print(f"\n== following cost: oltp_point_select, {args.threads} threads, "
              f"{args.rounds} x {args.seconds}s, medians")
        print(f"  mode tcp    {tcp:10.0f} q/s")
        print(f"  mode mysql  {mysql:10.0f} q/s   (followed)   mysql/tcp {mysql / tcp:.2f}")
    finally:
        proxy.stop(60)
        harness.kill_mariadbd(datadir)


def connect_mysqlclient(port, datadir, schema="app"):
    import MySQLdb
    return MySQLdb.connect(host=harness.LOCAL, port=port, user="app",
                           password=harness.database_password(datadir),
                           database=schema, connect_timeout=60)


def timed_query(conn, sql):
    """Milliseconds to run `sql` on `conn`, and its first row."""
    started = time.monotonic()
    cur = conn.cursor()
    cur.execute(sql)
    row = cur.fetchone()
    cur.close()
    return (time.monotonic() - started) * 1000, row


def wake_connected(args, tmp):
    database = harness.database_section(datadir="DATADIR", auto_pause="1s",
                                        acu="memory 256m cpu 1 connections 50")
    proxy, datadir, ports = start(tmp, "wake", database, ("mysql",))
    try:
        db = harness.Serverless(proxy, ports["mysql"], datadir)
        db.query("SELECT 1", timeout=60)
        rows = fill(db, parse_size(args.size)) if args.size != "0" else 0
        harness.wait_until(lambda: os.path.exists(os.path.join(datadir, "borealis-accounts")),
                           60, 0.1, "accounts read")
        conn = connect_mysqlclient(ports["mysql"], datadir)
        conn.cursor().execute("SET SESSION wait_timeout = 777")
        connected, fresh = [], []
        for _ in range(args.cycles):
            for kind in ("connected", "fresh"):
                offset = db.log_offset()
                db.wait_paused(start=offset, timeout=60)
                if kind == "connected":
                    ms, row = timed_query(conn, "SELECT @@session.wait_timeout")
                    assert row[0] == 777, row
                    connected.append(ms)
                else:
                    started = time.monotonic()
                    db.query("SELECT 1", timeout=60)
                    fresh.append((time.monotonic() - started) * 1000)
        conn.close()
        print(f"\n== paused -> answer, {args.cycles} cycles (auto-pause 1s), data "
              f"directory {du_bytes(datadir) / 2 ** 30:.2f} GiB ({rows} rows of ~1 KiB)")
        for name, values in (("client stayed connected", connected),
                             ("fresh connect + query", fresh)):
            print(f"  {name:24s} median {statistics.median(values):7.1f} ms   "
                  f"p99 {percentile(values, 99):7.1f} ms")
    finally:
        proxy.stop(60)
        harness.kill_mariadbd(datadir)


def restore_cost(args, tmp):
    database = harness.database_section(datadir="DATADIR", capacity="1 1", auto_pause=None)
    proxy, datadir, ports = start(tmp, "restore", database, ("mysql",))
    try:
        db = harness.Serverless(proxy, ports["mysql"], datadir)
        db.query("SELECT 1", timeout=60)
        harness.wait_until(lambda: os.path.exists(os.path.join(datadir, "borealis-accounts")),
                           60, 0.1, "accounts read")
        conn = connect_mysqlclient(ports["mysql"], datadir)
        cur = conn.cursor()
        for sql in ("SET SESSION wait_timeout = 777", "SET time_zone = '+02:00'",
                    "SET SESSION sql_mode = 'ANSI_QUOTES'"):
            cur.execute(sql)
        socket = os.path.join(datadir, "borealis-control.sock")
        query = "SELECT @@session.wait_timeout, @@time_zone, CONNECTION_ID()"
        restored, plain = [], []
        for _ in range(args.cycles):
            _, row = timed_query(conn, query)
            subprocess.run(["mariadb", "--no-defaults", "-u", "root", "-S", socket,
                            "-e", f"KILL CONNECTION {row[2]}"], check=True, timeout=30)
            time.sleep(0.2)  # the farewell read: the session waits at a safe point
            ms, again = timed_query(conn, query)
            assert again[:2] == (777, "+02:00") and again[2] != row[2], again
            restored.append(ms)
            plain.append(timed_query(conn, query)[0])
        conn.close()
        print(f"\n== restore after the server connection ended, {args.cycles} cycles")
        print(f"  next query, restored      median {statistics.median(restored):7.2f} ms   "
              f"p99 {percentile(restored, 99):7.2f} ms")
        print(f"  next query, same connection median {statistics.median(plain):5.2f} ms")
        print(f"  restore cost per reconnect     {statistics.median(restored) - statistics.median(plain):7.2f} ms")
    finally:
        proxy.stop(60)
        harness.kill_mariadbd(datadir)


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def release_many(args, tmp):
    import resource
    import threading
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    database = harness.database_section(datadir="DATADIR", capacity="2 2", auto_pause=None,
                                        acu="memory 256m cpu 1 connections 400")
    proxy, datadir, ports = start(tmp, "release", database, ("mysql",),
                                  "    timeout release 1s\n")
    try:
        db = harness.Serverless(proxy, ports["mysql"], datadir)
        db.query("SELECT 1", timeout=60)
        harness.wait_until(lambda: os.path.exists(os.path.join(datadir, "borealis-accounts")),
                           60, 0.1, "accounts read")
        socket = os.path.join(datadir, "borealis-control.sock")

        def engine_connections():
            out = subprocess.run(
                ["mariadb", "--no-defaults", "-u", "root", "-S", socket, "-N", "-B", "-e",
                 "SHOW GLOBAL STATUS LIKE 'Threads_connected'"],
                capture_output=True, text=True, timeout=30, check=True).stdout
            return int(out.split()[1])

        clients = []
        for _ in range(args.clients):
            conn = db.connect(timeout=60, database="app")
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
            clients.append(conn)
        stop = threading.Event()
        queries = [0] * args.busy

        def keep_busy(index, conn):
            while not stop.is_set():
                with conn.cursor() as cur:
                    cur.execute("SELECT SLEEP(0.01)")
                queries[index] += 1

        threads = [threading.Thread(target=keep_busy, args=(i, clients[i]))
                   for i in range(args.busy)]
        for thread in threads:
            thread.start()
        time.sleep(3)  # the release period, and then some
        samples = []
        for _ in range(10):
            samples.append(engine_connections())
            time.sleep(1)
        borealis_kib = rss_kib(proxy.pid)
        engine_kib = rss_kib(harness.mariadbd_pids(datadir)[0])
        stop.set()
        for thread in threads:
            thread.join(30)
        failed, errors = 0, set()
        for conn in clients[args.busy:]:
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 2")
            except Exception as error:  # counted: must stay 0
                failed += 1
                errors.add(str(error)[:200])
        for conn in clients:
            harness.close_quietly(conn)
        print(f"\n== idle clients given back (timeout release 1s): {args.clients} clients, "
              f"{args.busy} busy")
        print(f"  engine connections (Threads_connected, 10 samples) median "
              f"{statistics.median(samples):.0f}, max {max(samples)} "
              f"(borealis's own included)")
        print(f"  busy clients' queries in 10 s: {sum(queries)}; idle clients' next query "
              f"failed: {failed} of {args.clients - args.busy}")
        print(f"  resident memory: borealis {borealis_kib / 1024:.0f} MiB, mariadbd "
              f"{engine_kib / 1024:.0f} MiB")
        for error in sorted(errors):
            print(f"  error: {error}")
    finally:
        proxy.stop(60)
        harness.kill_mariadbd(datadir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--borealis", default=None)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--size", default="1G",
                        help="data directory's table for the wake part (0: none)")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--busy", type=int, default=50)
    parser.add_argument("--skip", default="", help="comma list: follow,wake,restore,release")
    args = parser.parse_args()
    if args.borealis:
        os.environ["BOREALIS_BIN"] = os.path.abspath(args.borealis)
    tmp = harness.TempDir(prefix="borealis-continuity-bench-")
    try:
        skip = set(filter(None, args.skip.split(",")))
        if "follow" not in skip:
            following_cost(args, tmp)
        if "wake" not in skip:
            wake_connected(args, tmp)
        if "restore" not in skip:
            restore_cost(args, tmp)
        if "release" not in skip:
            release_many(args, tmp)
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
