#!/usr/bin/python3
"""borealis against direct access and HAProxy 2.6, in one run.

Starts a MariaDB on a fresh data directory (sysbench tables prepared once),
HAProxy 2.6 and borealis with equivalent configurations, then runs each
workload against the three targets, alternating the order round by round so
that drift of this noisy machine hits all three alike. Prints medians of
queries/s and p95 latency, and the ratios borealis/direct and
borealis/HAProxy. Finally holds N idle client connections through each proxy
and prints the proxies' resident memory.

    bench/run.sh [--rounds 3] [--seconds 10] [--idle 5000]
"""

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HAPROXY = "/usr/sbin/haproxy"
MARIADBD = "/usr/sbin/mariadbd"
SB_USER, SB_PASSWORD = "sbtest", "sbtest-Pass-1"

WORKLOADS = [
    ("point_select/8", ["oltp_point_select", "--threads=8"]),
    ("point_select/64", ["oltp_point_select", "--threads=64"]),
    ("read_write/8", ["oltp_read_write", "--threads=8"]),
    ("connect/8", [os.path.join(os.path.dirname(os.path.abspath(__file__)), "connect.lua"),
                   "--threads=8"]),
]


def is_connect(args):
    return args[0].endswith("connect.lua")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_mariadb(workdir):
    datadir = os.path.join(workdir, "data")
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={datadir}",
                    "--user=root", "--auth-root-authentication-method=socket",
                    "--skip-test-db"], check=True, capture_output=True)
    port = free_port()
    sock = os.path.join(workdir, "mysql.sock")
    process = subprocess.Popen(
        [MARIADBD, "--no-defaults", f"--datadir={datadir}", "--user=root",
         "--bind-address=127.0.0.1", f"--port={port}", f"--socket={sock}",
         "--skip-name-resolve", "--max-connections=12000", "--thread-handling=pool-of-threads",
         "--innodb-buffer-pool-size=512M", "--innodb-flush-log-at-trx-commit=2",
         "--max-connect-errors=1000000000", "--back-log=4096"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "mariadb.log"), "w"))
    wait_port(port, 60)
    sql = (f"CREATE USER '{SB_USER}'@'%' IDENTIFIED BY '{SB_PASSWORD}';"
           f"CREATE DATABASE sbtest; GRANT ALL ON sbtest.* TO '{SB_USER}'@'%';")
    for _ in range(100):
        if subprocess.run(["mariadb", f"--socket={sock}", "-e", sql],
                          capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    return process, port


def proxy_config(listen_port, server_port, threads, mode="tcp", crt=None):
    tls = f" ssl crt {crt}" if crt else ""
    return f"""global
    maxconn 9000
    nbthread {threads}
defaults
    mode {mode}
    timeout connect 3s
    timeout client 300s
    timeout server 300s
frontend bench
    bind 127.0.0.1:{listen_port}{tls}
    maxconn 9000
    default_backend db
backend db
    server db1 127.0.0.1:{server_port}
"""


def start_proxy(binary, workdir, name, server_port, threads, mode="tcp", crt=None,
                extra_args=()):
    port = free_port()
    path = os.path.join(workdir, f"{name}.cfg")
    with open(path, "w") as f:
        f.write(proxy_config(port, server_port, threads, mode, crt))
    args = [binary, "-f", path] + (["-db"] if binary == HAPROXY else []) + list(extra_args)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(workdir, f"{name}.log"), "w"))
    wait_port(port)
    return process, port


SYSBENCH_TLS_DIR = None


def sysbench(port, args, seconds, extra=(), tls=False):
    command = ["sysbench", *args, "--db-driver=mysql", "--mysql-host=127.0.0.1",
               f"--mysql-port={port}", f"--mysql-user={SB_USER}",
               f"--mysql-password={SB_PASSWORD}", "--mysql-db=sbtest", "--tables=4",
               "--table-size=10000", f"--time={seconds}", "--percentile=95",
               f"--mysql-ssl={'on' if tls else 'off'}", *extra]
    # sysbench 1.0 reads client-key.pem, client-cert.pem and cacert.pem from
    # its working directory when --mysql-ssl=on (make_crt() puts them there).
    out = subprocess.run(command + ["run"], capture_output=True, text=True,
                         cwd=SYSBENCH_TLS_DIR if tls else None)
    if out.returncode != 0:
        raise RuntimeError(f"sysbench failed against port {port}:\n{out.stdout[-1500:]}"
                           f"\n{out.stderr[-1500:]}")
    return out.stdout


def process_cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds():
    """CPU time the whole machine spent busy (not idle, not waiting for I/O)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def measured(pid, run):
    """run()'s output, with the CPU seconds the proxy (pid, or None) and the
    machine spent during it."""
    proxy_before = process_cpu_seconds(pid) if pid else 0.0
    machine_before = machine_cpu_seconds()
    output = run()
    proxy = (process_cpu_seconds(pid) - proxy_before) if pid else 0.0
    return output, proxy, machine_cpu_seconds() - machine_before


def parse(output, reconnect):
    rate_key = "transactions" if reconnect else "queries"
    rate = float(re.search(rate_key + r":\s+\d+\s+\(([\d.]+) per sec", output).group(1))
    p95 = float(re.search(r"95th percentile:\s+([\d.]+)", output).group(1))
    errors = int(re.search(r"errors:\s+(\d+)", output).group(1))
    return rate, p95, errors


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def idle_memory(process, port, count):
    before = rss_kib(process.pid)
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets.append(s)
    # Each session reads its MySQL greeting: proof the backend side is open.
    for s in sockets:
        s.settimeout(20)
        s.recv(1024)
    time.sleep(1)
    after = rss_kib(process.pid)
    for s in sockets:
        s.close()
    # borealis gives memory back within a few seconds of load falling.
    time.sleep(5)
    return before, after, rss_kib(process.pid)


def make_crt(workdir):
    """A self-signed EC certificate and its key in one PEM (HAProxy's crt)."""
    key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=borealis-bench", "-keyout", key, "-out", cert], check=True,
                   capture_output=True)
    global SYSBENCH_TLS_DIR
    SYSBENCH_TLS_DIR = os.path.join(workdir, "sysbench-tls")
    os.makedirs(SYSBENCH_TLS_DIR, exist_ok=True)
    for source, name in ((key, "client-key.pem"), (cert, "client-cert.pem"), (cert, "cacert.pem")):
        shutil.copy(source, os.path.join(SYSBENCH_TLS_DIR, name))
    pem = os.path.join(workdir, "crt.pem")
    with open(pem, "w") as out:
        for part in (cert, key):
            with open(part) as f:
                out.write(f.read())
    return pem


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--borealis", default=os.path.join(os.path.dirname(__file__), "..",
                                                           "build", "borealis"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--mysql-mode", action="store_true",
                        help="also borealis `mode mysql`, plain and with TLS")
    options = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by every child

    workdir = tempfile.mkdtemp(prefix="borealis-bench-")
    processes = []
    try:
        mariadb, db_port = start_mariadb(workdir)
        processes.append(mariadb)
        subprocess.run(["sysbench", "oltp_read_write", "--db-driver=mysql",
                        "--mysql-host=127.0.0.1", f"--mysql-port={db_port}",
                        f"--mysql-user={SB_USER}", f"--mysql-password={SB_PASSWORD}",
                        "--mysql-db=sbtest", "--tables=4", "--table-size=10000",
                        "--mysql-ssl=off", "prepare"], check=True, capture_output=True)
        haproxy, ha_port = start_proxy(HAPROXY, workdir, "haproxy", db_port, options.threads)
        borealis, bo_port = start_proxy(os.path.abspath(options.borealis), workdir, "borealis",
                                        db_port, options.threads)
        processes += [haproxy, borealis]
        pids = {"haproxy": haproxy.pid, "borealis": borealis.pid}
        targets = [("direct", db_port), ("haproxy", ha_port), ("borealis", bo_port)]
        if options.mysql_mode:
            crt = make_crt(workdir)
            for name, tls in (("bo-mysql", None), ("bo-mysql-tls", crt)):
                process, port = start_proxy(os.path.abspath(options.borealis), workdir, name,
                                            db_port, options.threads, "mysql", tls)
                processes.append(process)
                pids[name] = process.pid
                targets.append((name, port))
        version = subprocess.run([HAPROXY, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
        print(f"# {version}; {options.rounds} rounds x {options.seconds}s; "
              f"{options.threads} proxy threads; {os.cpu_count()} cores", flush=True)

        results = {(w, t): [] for w, _ in WORKLOADS for t, _ in targets}
        for round_index in range(options.rounds):
            shift = round_index % len(targets)
            order = targets[shift:] + targets[:shift]
            for workload, args in WORKLOADS:
                for target, port in order:
                    out, proxy_cpu, machine_cpu = measured(
                        pids.get(target),
                        lambda: sysbench(port, args, options.seconds,
                                         tls=target.endswith("-tls")))
                    rate, p95, errors = parse(out, is_connect(args))
                    done = rate * options.seconds
                    results[(workload, target)].append(
                        (rate, p95, errors, proxy_cpu / done * 1e6, machine_cpu / done * 1e6))
            print(f"# round {round_index + 1} done", flush=True)

        print(f"\n{'workload':<17}{'target':<13}{'rate/s':>11}{'p95 ms':>9}{'errors':>8}"
              f"{'proxy us':>10}{'machine us':>12}"
              f"{'rate vs direct':>16}{'rate vs haproxy':>17}{'p95 vs haproxy':>16}"
              f"{'machine cpu vs haproxy':>24}{'rate vs borealis':>18}")
        for workload, args in WORKLOADS:
            unit = "c" if is_connect(args) else "q"
            med = {t: (statistics.median(r[0] for r in results[(workload, t)]),
                       statistics.median(r[1] for r in results[(workload, t)]),
                       sum(r[2] for r in results[(workload, t)]),
                       statistics.median(r[3] for r in results[(workload, t)]),
                       statistics.median(r[4] for r in results[(workload, t)]))
                   for t, _ in targets}
            for target, _ in targets:
                rate, p95, errors, proxy_us, machine_us = med[target]
                line = (f"{workload:<17}{target:<13}{rate:>9.0f}{unit:>2}{p95:>9.2f}{errors:>8}"
                        f"{proxy_us:>10.1f}{machine_us:>12.1f}")
                if target != "direct":
                    line += f"{rate / med['direct'][0]:>16.2f}"
                    line += f"{rate / med['haproxy'][0]:>17.2f}"
                    line += f"{(med['haproxy'][1] / p95) if p95 else float('nan'):>16.2f}"
                    line += f"{machine_us / med['haproxy'][4]:>24.2f}"
                if target.startswith("bo-mysql"):
                    line += f"{rate / med['borealis'][0]:>18.2f}"
                print(line)
        print("(p95 vs haproxy > 1 means borealis's p95 latency is lower; proxy us and "
              "machine us: CPU microseconds per query or connection, of the proxy process "
              "and of the whole machine)")

        print(f"\nidle connections: {options.idle} clients held open through each proxy")
        for name, process, port in (("haproxy", haproxy, ha_port), ("borealis", borealis, bo_port)):
            before, after, closed = idle_memory(process, port, options.idle)
            print(f"{name:<10} RSS {before / 1024:7.1f} MiB idle -> {after / 1024:7.1f} MiB with "
                  f"{options.idle} sessions ({(after - before) / options.idle:.1f} KiB/session)"
                  f" -> {closed / 1024:7.1f} MiB 5 s after they closed")
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
