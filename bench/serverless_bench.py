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
   and for warm pauses what stays resident.  Then, per pause, the first
   --first-queries (1,000) point selects after a resume against their
   warm figure: a fixed set of random rows is read twice, 1.5 s apart, on
   a running database (the second pass is "warm"; InnoDB keeps a page read
   twice within a second in the old part of its LRU list, as a scan's), the database pauses, and the
   same set is read on the connection that resumed it; p95 of each and
   the ratio (target <= 2), median over --first-cycles (3) cycles.
2. Scaling reaction: --scale-clients busy clients start at once against a
   database at 0.5 ACU; time to the first `scaling 0.5 -> 1 ACU` line and
   to a raised @@innodb_buffer_pool_size seen by a client, the highest
   capacity reached, failed queries (must be 0), and the time back to MIN
   after the load stops.
3. Cost: each shape of --shapes (default bursty,workday) is played twice
   against a database with capacity 0 MAX (--max-acu) and the same
   --auto-pause and --scale-down-delay: once with warm pauses
   (auto-pause-deep 1h: mariadbd frozen, 0 ACU-seconds while paused) and
   once with deep pauses only (auto-pause-deep 0s: mariadbd stopped).
   A shape is a list of phases (seconds, busy clients); a busy client
   loops on a small CPU query (SELECT BENCHMARK(20000, MD5('x'))) on its
   own connection through borealis in `mode tcp` until its phase ends,
   and a failed query or connect is counted (target 0) before it
   reconnects.  N below is --cost-clients, default --scale-clients (12,
   enough to keep MAX busy: the bursty day then needs MAX for a quarter
   of its time, and can cost no less than a quarter of MAX * wall).

   bursty   --bursts (5) bursts of N clients for --burst-seconds (30),
            one every --period (120) seconds, idle in between: 10 minutes.
   workday  a 24-hour working day compressed to --workday-minutes (20;
            one day hour lasts minutes * 60 / 24 s, 50 s at 20 minutes):
              00:00-07:00  night, idle
              07:00-09:00  morning ramp, 4 x 30 min at 10/25/50/75 % of N
                           (1, 3, 6, 9 clients for N = 12)
              09:00-12:00  morning, N clients
              12:00-13:30  lunch dip, 25 % of N
              13:30-17:00  afternoon, N clients
              17:00-19:00  evening ramp down, 4 x 30 min at 75/50/25/10 %
              19:00-24:00  night, idle
            (a share of N gives at least 1 client).

   Per run: wall seconds (borealis started -> SIGTERM), queries, failed
   queries, ACU-seconds and the MiB-seconds held while paused (warm) from
   the `stopped; X ACU-seconds used; time in states: ...` line at
   SIGTERM, ACU-seconds / (MAX * wall), i.e. against a database
   provisioned at MAX the whole time, and per shape warm / deep
   ACU-seconds.  Target: <= 0.25 of MAX * wall on the bursty day, 0
   failed queries.

    /usr/bin/python3 bench/serverless_bench.py --borealis build/borealis
    /usr/bin/python3 bench/serverless_bench.py --quick   # about 5 minutes
    /usr/bin/python3 bench/serverless_bench.py --skip resume,scaling \
        --shapes bursty          # the bursty day alone: about 21 minutes
"""

import argparse
import collections
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


# Shapes of load for the cost part ----------------------------------------
Phase = collections.namedtuple("Phase", "seconds clients label")

# A working day: (label, hours of a 24-hour day, shares of the peak
# clients, one step each, sharing the hours equally).
WORKDAY = (
    ("night", 7, (0,)),
    ("morning ramp", 2, (0.1, 0.25, 0.5, 0.75)),
    ("morning", 3, (1,)),
    ("lunch dip", 1.5, (0.25,)),
    ("afternoon", 3.5, (1,)),
    ("evening ramp", 2, (0.75, 0.5, 0.25, 0.1)),
    ("night", 5, (0,)),
)


def bursty_day(bursts, burst_seconds, period, clients):
    """`bursts` bursts of `clients` busy clients for `burst_seconds`, one
    every `period` seconds, idle in between."""
    phases = []
    for n in range(bursts):
        phases.append(Phase(burst_seconds, clients, f"burst {n + 1}/{bursts}"))
        if period > burst_seconds:
            phases.append(Phase(period - burst_seconds, 0, "idle"))
    return phases


def clients_at(share, peak):
    return 0 if share == 0 else max(1, round(share * peak))


def working_day(minutes, clients):
    """WORKDAY compressed to `minutes`."""
    hour = minutes * 60 / 24
    return [Phase(hours * hour / len(shares), clients_at(share, clients), label)
            for label, hours, shares in WORKDAY for share in shares]


SHAPES = {
    "bursty": lambda a: bursty_day(a.bursts, a.burst_seconds, a.period,
                                   a.cost_clients or a.scale_clients),
    "workday": lambda a: working_day(a.workday_minutes,
                                     a.cost_clients or a.scale_clients),
}


def describe_shape(phases):
    """`clients x seconds` per phase, e.g. `12x30 0x90 ...`, and the total."""
    steps = " ".join(f"{p.clients}x{p.seconds:.3g}" for p in phases)
    return f"{steps} ({sum(p.seconds for p in phases):.0f} s)"


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def sleep_until(deadline):
    while time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


class Load:
    """Busy clients through borealis: each runs LOAD_QUERY in a loop on its
    own connection until its phase ends; a failed query or connect is
    counted and the client reconnects."""

    LOAD_QUERY = "SELECT BENCHMARK(20000, MD5('x'))"

    def __init__(self, db):
        self.host, self.port, self.password = db.host, db.listen, db.password()
        self.lock = threading.Lock()
        self.queries = 0
        self.failures = []

    def run_phase(self, clients, until):
        threads = [threading.Thread(target=self.client, args=(until,),
                                    daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(0.0, until - time.monotonic()) + 120)

    def client(self, until):
        conn = None
        while time.monotonic() < until:
            try:
                if conn is None:
                    conn = harness.connect(self.host, self.port,
                                           password=self.password, timeout=120)
                with conn.cursor() as cur:
                    cur.execute(self.LOAD_QUERY)
                    cur.fetchall()
                with self.lock:
                    self.queries += 1
            except Exception as exc:  # noqa: BLE001
                with self.lock:
                    self.failures.append(repr(exc))
                if conn is not None:
                    harness.close_quietly(conn)
                conn = None
                time.sleep(0.1)
        if conn is not None:
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
        """SIGTERM; return (ACU-seconds, time-in-states text, MiB-seconds
        held while paused (warm), 0 if none)."""
        db.proxy.signal(signal.SIGTERM)
        rc = db.proxy.wait(120)
        if rc is None:
            db.proxy.stop()
        harness.kill_mariadbd(db.datadir)
        match = re.search(r"database app: stopped; ([\d.]+) ACU-seconds "
                          r"used; time in states:(.*?)(?:; ([\d.]+) "
                          r"MiB-seconds held while paused \(warm\))?$",
                          db.log(), re.MULTILINE)
        self.proxies.remove(db.proxy)
        if not match:
            raise RuntimeError("no 'stopped' line:\n" + db.log()[-2000:])
        return (float(match.group(1)), match.group(2).strip(),
                float(match.group(3) or 0))

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
                auto_pause_deep="1h" if pause == "warm" else "0s",
                extra=[f"mariadbd-option {o}" for o in self.args.mariadbd_option])
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
            if mode == runs[0][0] and self.args.first_queries > 0:
                result.update(self.first_queries(db, pause))
            self.stop(db)
            result.update(size=size_text, mib=du_bytes(datadir) / MIB, mode=mode,
                          pause=pause)
            results.append(result)
        return results

    @staticmethod
    def wait_for_pause(db, pause, offset):
        """Until the database pauses (after log offset `offset`): frozen
        for "warm" (returns the match, group 1 the MiB kept resident),
        stopped with no mariadbd left for "deep" (returns None)."""
        if pause == "warm":
            return db.wait_for_log(
                r"database app: paused \(warm\) .* (\d+) MiB stays resident",
                start=offset, timeout=120)
        db.wait_paused(start=offset, timeout=120)
        db.wait_no_mariadbd(timeout=60)
        return None

    def resume_cycles(self, db, pause):
        totals, engine, resident = [], [], []
        rows = self.rows
        resumed = (r"database app: resumed from a warm pause in (\d+) ms" if pause == "warm"
                   else r"database app: resumed in (\d+) ms")
        for cycle in range(self.args.cycles):
            frozen = self.wait_for_pause(db, pause, db.log_offset())
            if frozen:
                resident.append(int(frozen.group(1)))
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

    def first_queries(self, db, pause):
        """p95 of --first-queries point selects on the connection that
        resumed the database, against the same selects on a running one."""
        import random
        rows = max(self.rows, 1)
        ids = random.Random(7).sample(range(1, rows + 1),
                                      min(self.args.first_queries, rows))
        warm, resumed = [], []
        for _ in range(self.args.first_cycles):
            conn = db.connect(timeout=120, database="app")
            try:
                self.timed_selects(conn, ids)
                # Read again after innodb_old_blocks_time (1 s): the pages
                # are then young, as a working set is, not a scan's.
                time.sleep(1.5)
                warm.append(percentile(self.timed_selects(conn, ids), 95))
            finally:
                harness.close_quietly(conn)
            self.wait_for_pause(db, pause, db.log_offset())
            conn = db.connect(timeout=120, database="app")
            try:
                resumed.append(percentile(self.timed_selects(conn, ids), 95))
            finally:
                harness.close_quietly(conn)
        ratios = [r / w for r, w in zip(resumed, warm)]
        return {"first_warm_p95": statistics.median(warm),
                "first_resumed_p95": statistics.median(resumed),
                "first_ratio": statistics.median(ratios)}

    @staticmethod
    def timed_selects(conn, ids):
        """Milliseconds of each point select of `ids`, in order."""
        times = []
        with conn.cursor() as cur:
            for row_id in ids:
                start = time.perf_counter()
                cur.execute("SELECT k FROM big WHERE id = %s", (row_id,))
                cur.fetchall()
                times.append((time.perf_counter() - start) * 1000)
        return times

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
                conn = harness.connect(db.host, db.listen,
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
    def cost(self, shape, pause):
        """Play shape `shape` against a fresh database whose pauses are
        `pause` (warm or deep); return the run's figures."""
        a = self.args
        name = f"cost-{shape}-{pause}"
        datadir = self.datadir(name)
        t_up = time.monotonic()
        db = self.start(name, harness.database_section(
            datadir, capacity=f"0 {a.max_acu:g}",
            acu="memory 128m cpu 0.5 connections 50",
            auto_pause=f"{round(a.auto_pause * 1000)}ms",
            scale_down_delay=f"{round(a.scale_down_delay * 1000)}ms",
            auto_pause_deep="1h" if pause == "warm" else "0s"), datadir)
        load = Load(db)
        self.play(SHAPES[shape](a), load, f"{shape}/{pause}")
        wall = time.monotonic() - t_up
        acu_seconds, states, warm_mib_seconds = self.stop(db)
        if not a.keep:
            shutil.rmtree(datadir, ignore_errors=True)
        return {"shape": shape, "pause": pause, "wall": wall,
                "queries": load.queries, "failures": load.failures,
                "acu_seconds": acu_seconds, "warm_mib_seconds": warm_mib_seconds,
                "states": states, "of_max": acu_seconds / (a.max_acu * wall)}

    @staticmethod
    def play(phases, load, name):
        """Each phase at its place from now (a late phase does not shift
        the next ones); a line per busy phase done."""
        end = time.monotonic()
        for index, phase in enumerate(phases):
            end += phase.seconds
            if phase.clients:
                load.run_phase(phase.clients, end)
                clients = plural(phase.clients, "client")
                print(f"  {name}: {phase.label} ({clients}, "
                      f"{phase.seconds:.3g} s) done, phase {index + 1}/"
                      f"{len(phases)}, {load.queries} queries, "
                      f"{len(load.failures)} failed", flush=True)
            sleep_until(end)


def print_cost_header(args, shapes):
    print(f"\n== cost (capacity 0 {args.max_acu:g}, auto-pause "
          f"{args.auto_pause:g}s, scale-down-delay {args.scale_down_delay:g}s; "
          f"each shape with warm pauses (auto-pause-deep 1h) and deep only "
          f"(0s); clients x seconds:)", flush=True)
    for shape in shapes:
        print(f"  {shape}: {describe_shape(SHAPES[shape](args))}", flush=True)


def print_cost_table(results, max_acu):
    print(f"\n  {'shape':>8} {'pauses':>6} {'wall s':>7} {'queries':>8} "
          f"{'failed':>6} {'ACU-s':>8} {'MiB-s warm':>11} "
          f"{'ACU-s/(' + format(max_acu, 'g') + ' x wall)':>18}")
    for r in results:
        print(f"  {r['shape']:>8} {r['pause']:>6} {r['wall']:>7.0f} "
              f"{r['queries']:>8} {len(r['failures']):>6} "
              f"{r['acu_seconds']:>8.1f} {r['warm_mib_seconds']:>11.0f} "
              f"{r['of_max']:>18.3f}")


def print_cost_summary(results):
    """warm/deep ACU-seconds per shape, the bursty day's target, failures
    and the time in states of each run."""
    by_run = {(r["shape"], r["pause"]): r for r in results}
    for shape in dict.fromkeys(r["shape"] for r in results):
        warm, deep = by_run[(shape, "warm")], by_run[(shape, "deep")]
        ratio = (warm["acu_seconds"] / deep["acu_seconds"]
                 if deep["acu_seconds"] else float("nan"))
        print(f"  {shape}: warm/deep ACU-seconds {ratio:.3f}")
    for r in results:
        if r["shape"] == "bursty":
            print(f"  bursty {r['pause']}: {r['of_max']:.3f} of provisioned at "
                  f"MAX (target <= 0.25: "
                  f"{'met' if r['of_max'] <= 0.25 else 'missed'}), "
                  f"{len(r['failures'])} failed (target 0)")
    for r in results:
        if r["failures"]:
            print(f"  {r['shape']} {r['pause']} failures: {r['failures'][:3]}")
    print("  time in states:")
    for r in results:
        print(f"    {r['shape']} {r['pause']}: {r['states']}")


def run_cost(bench, args, shapes):
    print_cost_header(args, shapes)
    results = [bench.cost(shape, pause) for shape in shapes
               for pause in ("warm", "deep")]
    print_cost_table(results, args.max_acu)
    print_cost_summary(results)


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
    parser.add_argument("--mariadbd-option", action="append", default=[],
                        help="resume latency: one more `mariadbd-option` "
                             "line (repeat for more)")
    parser.add_argument("--first-queries", type=int, default=1000,
                        help="point selects timed after a resume (0: skip)")
    parser.add_argument("--first-cycles", type=int, default=3)
    parser.add_argument("--scale-clients", type=int, default=12)
    parser.add_argument("--scale-seconds", type=float, default=15)
    parser.add_argument("--max-acu", type=float, default=4)
    parser.add_argument("--cost-clients", type=int, default=0,
                        help="cost: N, the busy clients at a shape's peak "
                             "(default: --scale-clients, which keep MAX "
                             "busy: a burst then needs MAX throughout)")
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--burst-seconds", type=float, default=30)
    parser.add_argument("--period", type=float, default=120,
                        help="seconds between burst starts (5 x 120 s = "
                             "10 minutes)")
    parser.add_argument("--auto-pause", type=float, default=30)
    parser.add_argument("--scale-down-delay", type=float, default=15,
                        help="cost: scale-down-delay in seconds (15: "
                             "borealis's default)")
    parser.add_argument("--shapes", default="bursty,workday",
                        help="cost: comma list of load shapes: "
                             + ",".join(SHAPES))
    parser.add_argument("--workday-minutes", type=float, default=20,
                        help="cost: the working day compressed to this")
    parser.add_argument("--skip", default="",
                        help="comma list of parts to skip: "
                             "resume,scaling,cost")
    parser.add_argument("--quick", action="store_true",
                        help="small run: --sizes 20m --cycles 5 "
                             "--scale-seconds 8 --bursts 2 "
                             "--burst-seconds 5 --period 20 "
                             "--workday-minutes 1 "
                             "--auto-pause 3 --scale-down-delay 2")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.cycles, args.scale_seconds = "20m", 5, 8
        args.bursts, args.burst_seconds, args.period = 2, 5, 20
        args.auto_pause, args.scale_down_delay = 3, 2
        args.workday_minutes = 1
    binary = args.borealis or os.environ.get("BOREALIS_BIN") or \
        os.path.join(HERE, "..", "build", "borealis")
    os.environ["BOREALIS_BIN"] = os.path.abspath(binary)
    skip = set(filter(None, args.skip.split(",")))
    shapes = [s for s in args.shapes.split(",") if s]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shapes {unknown}: choose among {list(SHAPES)}")

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
            first = [r for r in results if "first_ratio" in r]
            if first:
                print(f"\n  first {args.first_queries} point selects after a "
                      f"resume ({args.first_cycles} cycles, medians):")
                print(f"  {'datadir':>10} {'pause':>6} {'warm p95 ms':>12} "
                      f"{'resumed p95 ms':>15} {'ratio':>6} (target <= 2)")
                for r in first:
                    print(f"  {r['size']:>10} {r['pause']:>6} "
                          f"{r['first_warm_p95']:>12.3f} "
                          f"{r['first_resumed_p95']:>15.3f} "
                          f"{r['first_ratio']:>6.2f}")
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
            run_cost(bench, args, shapes)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
