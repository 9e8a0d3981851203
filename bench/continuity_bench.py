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
   resume). Medians and p99 over --cycles.

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


def percentile(values, p):
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def start(tmp, name, database, modes):
    """borealis with `database` and one frontend per mode; returns
    (proxy, datadir, {mode: port})."""
    datadir = tmp.join(f"{name}-data")
    shutil.copytree(harness.serverless_template_datadir(), datadir)
    ports = {mode: harness.free_port() for mode in modes}
    config = harness.base_config(timeout_client="120s", timeout_server="120s") + \
        database.replace("DATADIR", datadir)
    for mode, port in ports.items():
        config += f"""\
frontend fe_{mode}
    mode {mode}
    bind {harness.LOCAL}:{port}
    default_backend be_{mode}

backend be_{mode}
    mode {mode}
    server app database@app

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


def wake_connected(args, tmp):
    import MySQLdb
    database = harness.database_section(datadir="DATADIR", auto_pause="1s")
    proxy, datadir, ports = start(tmp, "wake", database, ("mysql",))
    try:
        db = harness.Serverless(proxy, ports["mysql"], datadir)
        db.query("SELECT 1", timeout=60)
        harness.wait_until(lambda: os.path.exists(os.path.join(datadir, "borealis-accounts")),
                           60, 0.1, "accounts read")
        conn = MySQLdb.connect(host=harness.LOCAL, port=ports["mysql"], user="app",
                               password=harness.database_password(datadir), database="app", connect_timeout=60)
        conn.cursor().execute("SET SESSION wait_timeout = 777")
        connected, fresh = [], []
        for _ in range(args.cycles):
            for kind in ("connected", "fresh"):
                offset = db.log_offset()
                db.wait_paused(start=offset, timeout=60)
                started = time.monotonic()
                if kind == "connected":
                    cur = conn.cursor()
                    cur.execute("SELECT @@session.wait_timeout")
                    assert cur.fetchone()[0] == 777
                    connected.append((time.monotonic() - started) * 1000)
                else:
                    db.query("SELECT 1", timeout=60)
                    fresh.append((time.monotonic() - started) * 1000)
        conn.close()
        print(f"\n== paused -> answer, {args.cycles} cycles (auto-pause 1s)")
        for name, values in (("client stayed connected", connected),
                             ("fresh connect + query", fresh)):
            print(f"  {name:24s} median {statistics.median(values):7.1f} ms   "
                  f"p99 {percentile(values, 99):7.1f} ms")
    finally:
        proxy.stop(60)
        harness.kill_mariadbd(datadir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--borealis", default=None)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--skip", default="", help="comma list: follow,wake")
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
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
