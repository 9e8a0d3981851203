#!/usr/bin/python3
"""Serverless databases (`database` sections, engine mariadb): resume
latency, scaling reaction and cost.

Not a test: prints figures.  Uses the e2e harness (tests/e2e/harness.py) to
start borealis in a temporary directory on free loopback ports, and stops
every process it started by its PID.

1. Resume latency: time from "paused" to the answer of the first query
   through borealis (connect + handshake + SELECT), median and p99 over
   --cycles cycles (auto-pause 1s; each cycle waits for the pause line), for
   each data directory size in --sizes (filled with INSERT ... SELECT of
   ~1 KiB rows), each frontend mode in --modes and each pause in --pauses:
   deep (mariadbd stopped) and warm (mariadbd frozen in place).  Also the
   engine's own share from the `resumed [from a warm pause] in N ms` line,
   and for warm pauses what stays resident.
2. Scaling reaction: --scale-clients busy clients start at once against a
   database at 0.5 ACU; time to the first `scaling 0.5 -> 1 ACU` line and
   to a raised @@innodb_buffer_pool_size seen by a client, the highest
   capacity reached, failed queries (must be 0), and the time back to MIN
   after the load stops.
3. Cost: --bursts bursts of --burst-seconds every --period seconds against
   a database with capacity 0 MAX; the ACU-seconds of the `stopped; X
   ACU-seconds used` line at SIGTERM against MAX * wall time for a
   database provisioned at MAX all the time.

    /usr/bin/python3 bench/serverless_bench.py --borealis build/borealis
    /usr/bin/python3 bench/serverless_bench.py --quick   # about 2 minutes
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import harness  # noqa: E402

MIB = 1 << 20


def parse_size(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower()
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def du_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1,
                      int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def fill(db, size):
    """Grow table app.big with ~1 KiB rows until its file holds about
    `size` bytes (the fresh data directory alone is ~125 MiB: system
    tablespace and redo log); returns the row count."""
    table_file = os.path.join(db.datadir, "app", "big.ibd")
    conn = db.connect(timeout=600, database="app")
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS big (id INT "
                        "AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, "
                        "pad VARCHAR(1000) NOT NULL) ENGINE=InnoDB")
            batch = 50000
            while os.path.getsize(table_file) < size:
                cur.execute(
                    "INSERT INTO big (k, pad) SELECT seq, "
                    "REPEAT(MD5(RAND()), 30) FROM seq_1_to_%s",
                    (batch,))
            cur.execute("SELECT COUNT(*) FROM big")
            return cur.fetchone()[0]
    finally:
        harness.close_quietly(conn)


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = harness.TempDir(prefix="borealis-sl-bench-")
        self.proxies = []

    def close(self):
        for proxy in self.proxies:
            proxy.stop(60)
        for proxy in self.proxies:
            datadir = getattr(proxy, "datadir", None)
            if datadir:
                harness.kill_mariadbd(datadir)
        if not self.args.keep:
            self.tmp.cleanup()

    def start(self, name, section, datadir, mode="tcp"):
        listen = harness.free_port()
        proxy = harness.Proxy(self.tmp, name=name)
        proxy.datadir = datadir
        self.proxies.append(proxy)
        proxy.start(harness.serverless_config(listen, section, mode=mode))
        harness.wait_serverless_listening(proxy, listen)
        return harness.Serverless(proxy, listen, datadir)

    def stop(self, db):
        """SIGTERM; return (ACU-seconds, time-in-states text)."""
        db.proxy.signal(signal.SIGTERM)
        rc = db.proxy.wait(120)
        if rc is None:
            db.proxy.stop()
        harness.kill_mariadbd(db.datadir)
        match = re.search(r"database app: stopped; ([\d.]+) ACU-seconds "
                          r"used; time in states:(.*)", db.log())
        self.proxies.remove(db.proxy)
        if not match:
            raise RuntimeError("no 'stopped' line:\n" + db.log()[-2000:])
        return float(match.group(1)), match.group(2).strip()

    def datadir(self, name):
        path = self.tmp.join(name)
        shutil.copytree(harness.serverless_template_datadir(), path)
        return path

    # 1. resume latency ---------------------------------------------------
    def resume_latency(self, size_text):
        """Per mode of --modes and pause of --pauses: the same data
        directory, `--cycles` cycles of pause and a client's connect +
        login + first query."""
        size = parse_size(size_text)
        datadir = self.datadir(f"resume-{size_text}")
        results = []
        runs = [(mode, pause) for pause in self.args.pauses.split(",")
                for mode in self.args.modes.split(",")]
        for index, (mode, pause) in enumerate(runs):
            section = harness.database_section(
                datadir, capacity="0 4", acu="memory 256m cpu 1 connections 50",
                auto_pause="1s", scale_down_delay="60s",
                auto_pause_deep="1h" if pause == "warm" else "0s")
            db = self.start(f"resume-{size_text}-{mode}-{pause}", section, datadir,
                            mode=mode)
            if index == 0:
                t0 = time.monotonic()
                self.rows = fill(db, size)
                fill_s = time.monotonic() - t0
                actual = du_bytes(datadir)
                table = os.path.getsize(os.path.join(datadir, "app", "big.ibd"))
                print(f"  {size_text}: table {table / MIB:.0f} MiB ({self.rows} "
                      f"rows, filled in {fill_s:.0f} s), data directory "
                      f"{actual / MIB:.0f} MiB", flush=True)
            else:
                db.query("SELECT 1", timeout=120)  # one resume to warm up
            result = self.resume_cycles(db, pause)
            self.stop(db)
            result.update(size=size_text, mib=du_bytes(datadir) / MIB, mode=mode,
                          pause=pause)
            results.append(result)
        return results

    def resume_cycles(self, db, pause):
        totals, engine, resident = [], [], []
        rows = self.rows
        resumed = (r"database app: resumed from a warm pause in (\d+) ms" if pause == "warm"
                   else r"database app: resumed in (\d+) ms")
        for cycle in range(self.args.cycles):
            offset = db.log_offset()
            if pause == "warm":
                frozen = db.wait_for_log(
                    r"database app: paused \(warm\) .* (\d+) MiB stays resident",
                    start=offset, timeout=120)
                resident.append(int(frozen.group(1)))
            else:
                db.wait_paused(start=offset, timeout=120)
                db.wait_no_mariadbd(timeout=60)
            time.sleep(0.2)
            offset = db.log_offset()
            start = time.monotonic()
            conn = db.connect(timeout=120, database="app")
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT k FROM big WHERE id = %s",
                                (1 + cycle * 997 % max(rows, 1),))
                    cur.fetchall()
                totals.append((time.monotonic() - start) * 1000)
            finally:
                harness.close_quietly(conn)
            match = db.wait_for_log(resumed, start=offset, timeout=30)
            engine.append(int(match.group(1)))
        return {"median": statistics.median(totals),
                "p99": percentile(totals, 99), "min": min(totals),
                "engine_median": statistics.median(engine),
                "resident": statistics.median(resident) if resident else None,
                "n": len(totals)}

    # 2. scaling reaction -------------------------------------------------
    def scaling(self):
        a = self.args
        datadir = self.datadir("scaling")
        db = self.start("scaling", harness.database_section(
            datadir, capacity=f"0.5 {a.max_acu:g}",
            acu="memory 128m cpu 0.5 connections 50", auto_pause="off",
            scale_down_delay="2s"), datadir)
        db.wait_for_log(r"database app: started in \d+ ms", timeout=60)
        monitor = db.connect(timeout=60)
        password = db.password()
        stop = threading.Event()
        failures, done = [], [0]
        lock = threading.Lock()

        def client():
            try:
                conn = harness.connect("127.0.0.1", db.listen,
                                       password=password, timeout=120)
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
                return
            try:
                with conn.cursor() as cur:
                    while not stop.is_set():
                        cur.execute("SELECT BENCHMARK(30000, MD5('x'))")
                        cur.fetchall()
                        with lock:
                            done[0] += 1
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                harness.close_quietly(conn)

        def pool():
            with monitor.cursor() as cur:
                cur.execute("SELECT @@innodb_buffer_pool_size")
                return int(cur.fetchone()[0])

        base_pool = pool()
        offset = db.log_offset()
        threads = [threading.Thread(target=client, daemon=True)
                   for _ in range(a.scale_clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        raised_at = line_at = None
        top_pool = base_pool
        while time.monotonic() - t0 < a.scale_seconds:
            p = pool()
            top_pool = max(top_pool, p)
            if raised_at is None and p > base_pool:
                raised_at = time.monotonic() - t0
            # The log has no sub-second stamps: watch it for the line.
            if line_at is None and "scaling 0.5 -> " in db.log()[offset:]:
                line_at = time.monotonic() - t0
            time.sleep(0.02)
        stop.set()
        for t in threads:
            t.join(120)
        t_stop = time.monotonic()
        log = db.log()[offset:]
        steps = re.findall(r"^database app: scaling ([\d.]+) -> ([\d.]+) "
                           r"ACU \(([^)]*)\)", log, re.MULTILINE)
        back_at = None
        try:
            harness.wait_until(lambda: pool() == base_pool, 120, 0.1,
                               "back to MIN")
            back_at = time.monotonic() - t_stop
        except AssertionError:
            pass
        harness.close_quietly(monitor)
        self.stop(db)
        return {"clients": a.scale_clients, "raised_at": raised_at,
                "line_at": line_at,
                "steps": steps, "top_mib": top_pool / MIB,
                "base_mib": base_pool / MIB, "queries": done[0],
                "failures": failures, "back_at": back_at}

    # 3. cost -------------------------------------------------------------
    def cost(self):
        a = self.args
        datadir = self.datadir("cost")
        db = self.start("cost", harness.database_section(
            datadir, capacity=f"0 {a.max_acu:g}",
            acu="memory 128m cpu 0.5 connections 50",
            auto_pause=f"{round(a.auto_pause * 1000)}ms",
            scale_down_delay=f"{round(a.scale_down_delay * 1000)}ms"),
            datadir)
        password = db.password()
        failures, done = [], [0]
        lock = threading.Lock()
        t_start = time.monotonic()

        def client(until):
            try:
                conn = harness.connect("127.0.0.1", db.listen,
                                       password=password, timeout=120)
                with conn.cursor() as cur:
                    while time.monotonic() < until:
                        cur.execute("SELECT BENCHMARK(20000, MD5('x'))")
                        cur.fetchall()
                        with lock:
                            done[0] += 1
                conn.close()
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))

        for burst in range(a.bursts):
            burst_start = t_start + burst * a.period
            while time.monotonic() < burst_start:
                time.sleep(0.1)
            until = burst_start + a.burst_seconds
            threads = [threading.Thread(target=client, args=(until,),
                                        daemon=True)
                       for _ in range(a.scale_clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(a.burst_seconds + 120)
            print(f"  burst {burst + 1}/{a.bursts} done "
                  f"({done[0]} queries so far)", flush=True)
        end = t_start + a.bursts * a.period
        while time.monotonic() < end:
            time.sleep(0.1)
        wall = time.monotonic() - t_start
        acu_seconds, states = self.stop(db)
        return {"wall": wall, "acu_seconds": acu_seconds, "states": states,
                "provisioned": a.max_acu * wall, "queries": done[0],
                "failures": failures}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--borealis", default=None,
                        help="borealis binary (default: $BOREALIS_BIN or "
                             "build/borealis)")
    parser.add_argument("--sizes", default="100m,1g",
                        help="data directory sizes for resume latency")
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--modes", default="tcp,mysql",
                        help="frontend modes for resume latency: `mode "
                             "mysql` greets and checks the password while "
                             "the engine starts")
    parser.add_argument("--pauses", default="deep,warm",
                        help="pauses for resume latency: deep (mariadbd "
                             "stopped), warm (mariadbd frozen in place)")
    parser.add_argument("--scale-clients", type=int, default=12)
    parser.add_argument("--scale-seconds", type=float, default=15)
    parser.add_argument("--max-acu", type=float, default=4)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--burst-seconds", type=float, default=30)
    parser.add_argument("--period", type=float, default=120,
                        help="seconds between burst starts (5 x 120 s = "
                             "10 minutes)")
    parser.add_argument("--auto-pause", type=float, default=30)
    parser.add_argument("--scale-down-delay", type=float, default=10)
    parser.add_argument("--skip", default="",
                        help="comma list of parts to skip: "
                             "resume,scaling,cost")
    parser.add_argument("--quick", action="store_true",
                        help="small run: --sizes 20m --cycles 5 "
                             "--scale-seconds 8 --bursts 2 "
                             "--burst-seconds 5 --period 20 "
                             "--auto-pause 3 --scale-down-delay 2")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.cycles, args.scale_seconds = "20m", 5, 8
        args.bursts, args.burst_seconds, args.period = 2, 5, 20
        args.auto_pause, args.scale_down_delay = 3, 2
    binary = args.borealis or os.environ.get("BOREALIS_BIN") or \
        os.path.join(HERE, "..", "build", "borealis")
    os.environ["BOREALIS_BIN"] = os.path.abspath(binary)
    skip = set(filter(None, args.skip.split(",")))

    bench = Bench(args)
    try:
        print(f"borealis: {os.environ['BOREALIS_BIN']}")
        print("preparing the template data directory ...", flush=True)
        harness.serverless_template_datadir()
        if "resume" not in skip:
            print(f"\n== resume latency (paused -> first answer, "
                  f"{args.cycles} cycles, auto-pause 1s)", flush=True)
            results = [r for s in args.sizes.split(",") if s
                       for r in bench.resume_latency(s)]
            print(f"\n  {'datadir':>10} {'MiB':>7} {'mode':>6} {'pause':>6} "
                  f"{'median ms':>10} {'p99 ms':>8} {'min ms':>8} "
                  f"{'engine median ms':>17} {'beyond engine ms':>17} "
                  f"{'resident MiB':>13}")
            for r in results:
                resident = "-" if r["resident"] is None else f"{r['resident']:.0f}"
                print(f"  {r['size']:>10} {r['mib']:>7.0f} {r['mode']:>6} "
                      f"{r['pause']:>6} {r['median']:>10.1f} {r['p99']:>8.1f} "
                      f"{r['min']:>8.1f} {r['engine_median']:>17.0f} "
                      f"{r['median'] - r['engine_median']:>17.1f} {resident:>13}")
        if "scaling" not in skip:
            print(f"\n== scaling reaction ({args.scale_clients} busy "
                  f"clients for {args.scale_seconds:.0f} s, capacity 0.5 "
                  f"{args.max_acu:g})", flush=True)
            r = bench.scaling()
            raised = (f"{r['raised_at'] * 1000:.0f} ms"
                      if r["raised_at"] is not None else "never")
            back = (f"{r['back_at']:.1f} s" if r["back_at"] is not None
                    else "not within 120 s")
            line = (f"{r['line_at'] * 1000:.0f} ms"
                    if r["line_at"] is not None else "never")
            print(f"  load step -> first 'scaling 0.5 -> ' log line: {line}")
            print(f"  load step -> larger buffer pool seen by a client: "
                  f"{raised}")
            print(f"  buffer pool {r['base_mib']:.0f} MiB -> "
                  f"{r['top_mib']:.0f} MiB")
            for old, new, why in r["steps"]:
                print(f"    scaling {old} -> {new} ACU ({why})")
            print(f"  queries: {r['queries']}, failed: "
                  f"{len(r['failures'])} {r['failures'][:3]}")
            print(f"  load stopped -> back to MIN: {back}")
        if "cost" not in skip:
            print(f"\n== cost ({args.bursts} bursts of "
                  f"{args.burst_seconds:g} s every {args.period:g} s, "
                  f"{args.scale_clients} clients, capacity 0 "
                  f"{args.max_acu:g}, auto-pause {args.auto_pause:g}s)",
                  flush=True)
            r = bench.cost()
            print(f"  wall time {r['wall']:.0f} s, queries {r['queries']}, "
                  f"failed {len(r['failures'])} {r['failures'][:3]}")
            print(f"  serverless: {r['acu_seconds']:.1f} ACU-seconds")
            print(f"  provisioned at {args.max_acu:g} ACU: "
                  f"{r['provisioned']:.1f} ACU-seconds")
            print(f"  ratio serverless/provisioned: "
                  f"{r['acu_seconds'] / r['provisioned']:.3f}")
            print(f"  time in states: {r['states']}")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
