#!/usr/bin/python3
"""TLS handshakes per second: borealis `mode mysql` (`bind ... ssl crt`),
where TLS starts inside the MySQL handshake, beside HAProxy 2.6 terminating
TLS on a plain TCP stream (`mode tcp`, `bind ... ssl crt`), in one run.

Both front the same MariaDB and use the same certificate (ECDSA P-256) and
thread count. Clients (`--clients` processes) connect, do the TLS handshake
(for borealis: read the greeting, send an SSLRequest, then TLS), and close,
as fast as they can for `--seconds`; rounds alternate the order. Nothing
after the handshake is measured: that is the relay's business (bench.py).

    /usr/bin/python3 bench/tls_handshake_bench.py [--rounds 3] [--seconds 5]
"""

import argparse
import multiprocessing
import os
import shutil
import socket
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (start_mariadb, start_proxy, make_crt, free_port)


def ssl_request():
    body = struct.pack("<IIB23x", 0x0800 | 0x0200 | 0x8000 | 0x80000, 1 << 24, 45)
    return len(body).to_bytes(3, "little") + b"\x01" + body


def read_greeting(sock):
    header = b""
    while len(header) < 4:
        chunk = sock.recv(4 - len(header))
        if not chunk:
            raise ConnectionError("closed before the greeting")
        header += chunk
    length = int.from_bytes(header[:3], "little")
    while length:
        chunk = sock.recv(length)
        if not chunk:
            raise ConnectionError("closed inside the greeting")
        length -= len(chunk)


def client(port, mysql, seconds, counter):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    done = 0
    until = time.monotonic() + seconds
    request = ssl_request()
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if mysql:
                read_greeting(sock)
                sock.sendall(request)
            with context.wrap_socket(sock) as tls:
                tls.version()
        done += 1
    with counter.get_lock():
        counter.value += done


def measure(port, mysql, seconds, clients):
    counter = multiprocessing.Value("l", 0)
    workers = [multiprocessing.Process(target=client, args=(port, mysql, seconds, counter))
               for _ in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counter.value / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--borealis", default=os.path.join(os.path.dirname(__file__), "..",
                                                           "build", "borealis"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="borealis-tls-bench-")
    processes = []
    try:
        mariadb, db_port = bench.start_mariadb(workdir)
        processes.append(mariadb)
        crt = bench.make_crt(workdir)
        haproxy, ha_port = bench.start_proxy(bench.HAPROXY, workdir, "haproxy-tls", db_port,
                                             options.threads, "tcp", crt)
        borealis, bo_port = bench.start_proxy(os.path.abspath(options.borealis), workdir,
                                              "bo-mysql-tls", db_port, options.threads,
                                              "mysql", crt)
        processes += [haproxy, borealis]
        targets = [("haproxy-tls (mode tcp)", ha_port, False),
                   ("borealis (mode mysql)", bo_port, True)]
        rates = {name: [] for name, _, _ in targets}
        for round_index in range(options.rounds):
            order = targets[round_index % 2:] + targets[:round_index % 2]
            for name, port, mysql in order:
                rates[name].append(measure(port, mysql, options.seconds, options.clients))
        print(f"# TLS handshakes/s, {options.clients} client processes, {options.rounds} rounds x "
              f"{options.seconds}s, {options.threads} proxy threads, {os.cpu_count()} cores")
        base = statistics.median(rates[targets[0][0]])
        for name, _, _ in targets:
            median = statistics.median(rates[name])
            print(f"{name:<26}{median:>10.0f}/s   ratio to HAProxy {median / base:.2f}   "
                  f"rounds {[round(r) for r in rates[name]]}")
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
