#!/usr/bin/python3
"""What a large source allowlist costs per connection, in one run.

Starts one MariaDB, then HAProxy 2.6 and borealis each twice: without rules,
and with `acl allowed src -f FILE` (FILE: --entries networks, the client's
own 127.0.0.1 the last line) and `tcp-request connection reject unless
allowed`. Runs the connect workload (bench/connect.lua: connect, MySQL
handshake and login, quit, at 8 threads) against all four, alternating the
order round by round, and prints medians and the ratios with/without list.

    /usr/bin/python3 bench/allowlist_bench.py --borealis build/borealis
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import bench

CONNECT = [w for w in bench.WORKLOADS if bench.is_connect(w[1])][0][1]


def write_list(path, entries):
    """`entries` networks: 10.0.0.0/31 upwards in steps of 4, then 127.0.0.1."""
    with open(path, "w", encoding="ascii") as f:
        for i in range(entries - 1):
            value = 0x0A000000 + 4 * i
            f.write(f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}/31\n")
        f.write("127.0.0.1\n")


def start(binary, workdir, name, db_port, threads, rules):
    port = bench.free_port()
    path = os.path.join(workdir, f"{name}.cfg")
    config = bench.proxy_config(port, db_port, threads)
    if rules:
        config = config.replace("    maxconn 9000\n    default_backend db",
                                "    maxconn 9000\n" + rules + "    default_backend db")
    with open(path, "w") as f:
        f.write(config)
    started = time.monotonic()
    args = [binary, "-f", path] + (["-db"] if binary == bench.HAPROXY else [])
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(workdir, f"{name}.log"), "w"))
    bench.wait_port(port, 120)
    return process, port, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--borealis", default=os.path.join(os.path.dirname(__file__), "..",
                                                           "build", "borealis"))
    parser.add_argument("--entries", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    workdir = tempfile.mkdtemp(prefix="borealis-allowlist-")
    processes = []
    try:
        mariadb, db_port = bench.start_mariadb(workdir)
        processes.append(mariadb)
        list_path = os.path.join(workdir, "allow.lst")
        write_list(list_path, options.entries)
        rules = (f"    acl allowed src -f {list_path}\n"
                 "    tcp-request connection reject unless allowed\n")
        targets = []
        for binary, name in ((bench.HAPROXY, "haproxy"),
                             (os.path.abspath(options.borealis), "borealis")):
            for suffix, extra in (("", ""), ("+list", rules)):
                process, port, load = start(binary, workdir, name + suffix, db_port,
                                            options.threads, extra)
                processes.append(process)
                targets.append((name + suffix, port))
                print(f"# {name + suffix}: listening {load:.2f} s after start", flush=True)
        print(f"# {options.entries} networks in the list; {options.rounds} rounds x "
              f"{options.seconds}s; connect workload at 8 threads", flush=True)
        results = {t: [] for t, _ in targets}
        for round_index in range(options.rounds):
            shift = round_index % len(targets)
            for target, port in targets[shift:] + targets[:shift]:
                out = bench.sysbench(port, CONNECT, options.seconds)
                results[target].append(bench.parse(out, True))
            print(f"# round {round_index + 1} done", flush=True)
        print(f"\n{'target':<16}{'connects/s':>12}{'p95 ms':>9}{'errors':>8}{'vs no list':>12}")
        medians = {t: statistics.median(r[0] for r in results[t]) for t, _ in targets}
        for target, _ in targets:
            p95 = statistics.median(r[1] for r in results[target])
            errors = sum(r[2] for r in results[target])
            base = medians[target.replace("+list", "")]
            print(f"{target:<16}{medians[target]:>12.0f}{p95:>9.2f}{errors:>8}"
                  f"{medians[target] / base:>12.2f}")
    finally:
        for process in reversed(processes):
            bench.stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
