"""What the reload tests share: sysbench runs through the gateway while it
reloads, and a reload that must fail."""

import os
import subprocess

import harness

SYSBENCH_SECONDS = 30
RELOADS = 20
# bench/connect.lua: connect, log in, quit, in a loop.
CONNECT_WORKLOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bench", "connect.lua")


def start_sysbench(test, port, password, database, *workload, command="run", seconds=30):
    """sysbench WORKLOAD COMMAND against LOCAL:port with 2 threads, its
    output in the test's temporary directory: (process, log)."""
    argv = ["sysbench", *workload, f"--mysql-host={harness.LOCAL}",
            f"--mysql-port={port}", f"--mysql-user={harness.APP_USER}",
            f"--mysql-password={password}", f"--mysql-db={database}",
            "--db-driver=mysql", f"--time={seconds}", "--threads=2",
            "--report-interval=0", command]
    log = open(test.tmp.join(f"sysbench-{len(workload)}-{command}.log"), "w+",
               encoding="utf-8")
    test.addCleanup(log.close)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT)
    test.addCleanup(lambda: process.poll() is None and process.kill())
    return process, log


def sysbench_result(process, log, timeout):
    """(exit code, output) once sysbench ended."""
    process.wait(timeout)
    log.seek(0)
    return process.returncode, log.read()


def failed_reload(test, old, config_text, name, socket_path, timeout=60):
    """A reload of `old` to `config_text` that must fail: (exit code, output)."""
    path = test.tmp.write(f"{name}.cfg", config_text)
    done = subprocess.run(
        harness.proxy_command(path, extra=("-sf", str(old.pid), "-x", socket_path)),
        stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    output = (done.stdout + done.stderr).decode(errors="replace")
    harness.check_no_sanitizer_report(output)
    return done.returncode, output
