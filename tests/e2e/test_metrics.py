"""The Prometheus exporter (`mode http` + `http-request use-service
prometheus-exporter if { path /metrics }`, HAProxy's form), scraped by a
real Prometheus 2.42 started by the test: the values it stores match the
traffic generated, a database's pause and resume show in its metrics, the
page passes `promtool check metrics`, and the families HAProxy's own
exporter has carry HAProxy's names, types and (for the same traffic) the
same counts. Bad HTTP gets a status, never harm."""

import http.client
import json
import shutil
import socket
import subprocess
import unittest
import urllib.parse
import urllib.request

import harness

HAPROXY = "/usr/sbin/haproxy"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
SESSIONS = 5

# Families borealis adds to those of HAProxy's exporter (histograms, the
# process's memory and CPU, and everything about databases).
BOREALIS_ONLY = {
    "borealis_process_resident_memory_bytes",
    "borealis_process_cpu_seconds_total",
    "borealis_backend_connect_time_seconds",
    "borealis_backend_queue_time_seconds",
    "borealis_server_connect_time_seconds",
    "borealis_server_queue_time_seconds",
    "borealis_backend_response_time_seconds",
    "borealis_server_response_time_seconds",
}


def metrics_frontend(port):
    return f"""
frontend metrics
    mode http
    bind {harness.LOCAL}:{port}
    http-request use-service prometheus-exporter if {{ path /metrics }}
    no log
"""


def fetch(port, path="/metrics", method="GET"):
    """(status, headers, body) of one request on a new connection."""
    conn = http.client.HTTPConnection(harness.LOCAL, port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def samples(text):
    """{name{labels}: value} and {family: type} of an exposition page."""
    values, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
        elif line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            values[key] = float(value)
    return values, types


def exchange(port, data, timeout=10, half_close=False):
    """Raw bytes in (then, with `half_close`, the end of what the client
    sends), everything the server sends until it closes."""
    with socket.create_connection((harness.LOCAL, port), timeout=timeout) as s:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


class Prometheus:
    """Debian's prometheus, scraping one target every 500 ms."""

    def __init__(self, test, target_port):
        self.port = harness.free_port()
        config = test.tmp.write("prometheus.yml", f"""\
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: borealis
    static_configs:
      - targets: ['{harness.LOCAL}:{target_port}']
""")
        self.process = harness.Process(
            [PROMETHEUS, f"--config.file={config}",
             f"--storage.tsdb.path={test.tmp.join('tsdb')}",
             f"--web.listen-address={harness.LOCAL}:{self.port}"],
            test.tmp.join("prometheus.log"))
        self.process.start()
        test.addCleanup(self.process.stop)
        harness.wait_port(harness.LOCAL, self.port, timeout=30)

    def query(self, expression):
        """The instant vector of `expression`: [(labels, value)]."""
        url = (f"http://{harness.LOCAL}:{self.port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expression}))
        with urllib.request.urlopen(url, timeout=10) as response:
            answer = json.load(response)
        assert answer["status"] == "success", answer
        return [(r["metric"], float(r["value"][1])) for r in answer["data"]["result"]]

    def value(self, expression):
        result = self.query(expression)
        return result[0][1] if len(result) == 1 else None

    def wait_value(self, expression, predicate, message, timeout=30):
        harness.wait_until(lambda: (v := self.value(expression)) is not None and predicate(v),
                           timeout, 0.2, f"{message}: {expression}")
        return self.value(expression)


class PrometheusScrapeTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        self.api = self.tmp.join("admin.sock")
        self.metrics_port = harness.free_port()
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = harness.serverless_config(
            listen, harness.database_section(datadir, auto_pause="1h"),
            global_lines=(f"stats socket {self.api} mode 600 level admin",))
        proxy = self.start_proxy(config + metrics_frontend(self.metrics_port))
        harness.wait_serverless_listening(proxy, listen)
        self.db = harness.Serverless(proxy, listen, datadir)
        self.prometheus = Prometheus(self, self.metrics_port)
        self.prometheus.wait_value('up{job="borealis"}', lambda v: v == 1, "target up")

    def test_stored_values_follow_traffic_and_pauses(self):
        """Defect: a session or byte not exported, a database's state or
        resume not shown, a value Prometheus cannot parse."""
        p = self.prometheus
        p.wait_value('borealis_database_state{database="app",state="paused_deep"}',
                     lambda v: v == 1, "paused until the first client")
        self.assertEqual(p.value('borealis_frontend_sessions_total{proxy="fe"}'), 0)
        for i in range(SESSIONS):
            rows = self.db.query(f"SELECT {i}, REPEAT('x', 1000)")
            self.assertEqual(rows[0][0], i)
        p.wait_value('borealis_frontend_sessions_total{proxy="fe"}', lambda v: v == SESSIONS,
                     "every session counted")
        p.wait_value('borealis_server_sessions_total{proxy="be",server="app"}',
                     lambda v: v == SESSIONS, "server sessions")
        p.wait_value('borealis_database_state{database="app",state="running"}',
                     lambda v: v == 1, "running")
        p.wait_value('borealis_database_resume_seconds_count{database="app",pause="deep"}',
                     lambda v: v == 1, "one deep resume")
        resumed_in = p.value('borealis_database_resume_seconds_sum{database="app",pause="deep"}')
        self.assertGreater(resumed_in, 0)
        self.assertLess(resumed_in, 60)
        self.assertGreater(p.value('borealis_database_capacity_acu{database="app"}'), 0)
        # Bytes: the same counters as `show stat`, each query's 1000 bytes.
        row = next(line.split(",") for line in harness.socat(self.api, "show stat\n").splitlines()
                   if line.startswith("fe,FRONTEND,"))
        bout = p.wait_value('borealis_frontend_bytes_out_total{proxy="fe"}',
                            lambda v: v == int(row[9]), "bytes as show stat counts them")
        self.assertGreater(bout, SESSIONS * 1000)
        p.wait_value('borealis_server_connect_time_seconds_count{proxy="be",server="app"}',
                     lambda v: v == SESSIONS, "connect times")
        # Paused on request: the state, and no capacity billed.
        self.assertEqual(harness.socat(self.api, "pause database app\n"), "\n")
        p.wait_value('borealis_database_state{database="app",state="paused_deep"}',
                     lambda v: v == 1, "paused again")
        p.wait_value('borealis_database_capacity_acu{database="app"}', lambda v: v == 0,
                     "no capacity while paused")
        self.assertGreater(p.value('borealis_database_acu_seconds_total{database="app"}'), 0)
        self.assertGreater(
            p.value('borealis_database_state_seconds_total{database="app",state="running"}'), 0)

    def test_page_passes_promtool_and_scopes_choose_families(self):
        """Defect: a page promtool rejects (a family split, a bad name, a
        counter without _total), or `scope` ignored."""
        status, headers, body = fetch(self.metrics_port)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        checked = subprocess.run([PROMTOOL, "check", "metrics"], input=body.encode(),
                                 capture_output=True, timeout=30)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertEqual(checked.stdout + checked.stderr, b"")
        values, types = samples(body)
        self.assertEqual(types["borealis_database_resume_seconds"], "histogram")
        # Without a maxconn of its own, the exporter's frontend takes at most 100.
        self.assertEqual(values['borealis_frontend_limit_sessions{proxy="metrics"}'], 100)
        status, _, body = fetch(self.metrics_port, "/metrics?scope=database&scope=global")
        self.assertEqual(status, 200)
        _, types = samples(body)
        self.assertTrue(types)
        self.assertTrue(all(name.startswith(("borealis_database_", "borealis_process_"))
                            for name in types), sorted(types))
        status, _, body = fetch(self.metrics_port, "/metrics?scope=listener")
        self.assertEqual(status, 400)
        self.assertIn("Unknown scope", body)

    def test_bad_requests_get_a_status_and_do_no_harm(self):
        """Defect: a crash, a hang or a silent close on bad HTTP; a good
        scrape failing after a flood of bad ones."""
        self.assertEqual(fetch(self.metrics_port, "/other")[0], 503)
        self.assertEqual(fetch(self.metrics_port, "/metrics", "POST")[0], 405)
        status, headers, body = fetch(self.metrics_port, "/metrics", "HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertGreater(int(headers["content-length"]), 1000)
        cases = [
            (b"garbage\r\n\r\n", b"HTTP/1.1 400 "),
            (b"GET /metrics HTTP/2.0\r\n\r\n", b"HTTP/1.1 505 "),
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b"HTTP/1.1 414 "),
            (b"GET /metrics HTTP/1.1\r\nX: " + b"y" * 17000 + b"\r\n\r\n", b"HTTP/1.1 431 "),
            (b"POST /metrics HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", b"HTTP/1.1 413 "),
        ]
        for request, answer in cases:
            self.assertTrue(exchange(self.metrics_port, request).startswith(answer), request[:40])
        # Pipelined and kept alive: both answered, in order, on one connection.
        both = exchange(self.metrics_port,
                        b"GET /other HTTP/1.1\r\n\r\nGET /metrics?scope=global HTTP/1.1\r\n"
                        b"Connection: close\r\n\r\n")
        self.assertTrue(both.startswith(b"HTTP/1.1 503 "), both[:40])
        self.assertIn(b"HTTP/1.1 200 OK", both)
        self.assertIn(b"borealis_process_uptime_seconds", both)
        # A request cut short: 400 once the client stops sending.
        self.assertTrue(exchange(self.metrics_port, b"GET /metrics HTTP/1.1\r\nHost:",
                                 half_close=True).startswith(b"HTTP/1.1 400 "))
        for i in range(1000):
            answer = exchange(self.metrics_port, bytes([i % 256]) * (i % 64 + 1) + b"\r\n\r\n",
                              half_close=True)
            self.assertTrue(answer.startswith(b"HTTP/1.1 4"), (i, answer[:40]))
        self.assertEqual(fetch(self.metrics_port)[0], 200)
        self.assertTrue(self.db.proxy.running())


class MysqlResponseTimeTest(harness.E2ETestCase):
    """`mode mysql`: each command's wait for its answer, in a histogram."""

    def test_each_commands_answer_is_timed(self):
        """Defect: a command not timed, a slow answer counted as a fast one,
        or the handshake counted as a command."""
        if harness.is_haproxy():
            self.skipTest("mode mysql is borealis's")
        db = self.start_mariadb()
        listen, metrics = harness.free_port(), harness.free_port()
        self.start_proxy(harness.base_config()
                         + harness.mysql_proxy_sections(listen, f"server s1 {db.host}:{db.port}")
                         + metrics_frontend(metrics), wait=(harness.LOCAL, listen))
        conn = harness.connect(harness.LOCAL, listen)
        with conn.cursor() as cur:
            for i in range(5):
                cur.execute(f"SELECT {i}")
                cur.fetchall()
            cur.execute("SELECT SLEEP(0.3)")
            cur.fetchall()
        conn.close()
        values, types = samples(fetch(metrics)[2])
        self.assertEqual(types["borealis_backend_response_time_seconds"], "histogram")
        for labels in ('{proxy="be"', '{proxy="be",server="s1"'):
            count = values[f"borealis_server_response_time_seconds_count{labels}}}"
                           if "server" in labels else
                           f"borealis_backend_response_time_seconds_count{labels}}}"]
            # PyMySQL's own commands at login (SET autocommit, ...), then ours.
            self.assertGreaterEqual(count, 6, labels)
            family = "server" if "server" in labels else "backend"
            under = values[f'borealis_{family}_response_time_seconds_bucket{labels},le="0.25"}}']
            self.assertEqual(count - under, 1, "only SLEEP(0.3) answered after 0.25 s")
            self.assertGreater(values[f"borealis_{family}_response_time_seconds_sum{labels}}}"],
                               0.3)


class HaproxyExporterTest(harness.E2ETestCase):
    """borealis and HAProxy 2.6, each with its exporter, in front of one
    MariaDB, given the same traffic."""

    def start(self, name, binary, db):
        port, metrics = harness.free_port(), harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind {harness.LOCAL}:{port}
    default_backend be

backend be
    server s1 {db.host}:{db.port} check inter 200ms
""" + metrics_frontend(metrics)
        if binary == HAPROXY:
            path = self.tmp.write(f"{name}.cfg", config.replace("    no log\n", ""))
            process = harness.Process([HAPROXY, "-db", "-f", path], self.tmp.join(f"{name}.log"))
            process.start()
            self.addCleanup(process.stop)
            harness.wait_port(harness.LOCAL, port)
        else:
            self.start_proxy(config, wait=(harness.LOCAL, port), name=name)
        harness.wait_port(harness.LOCAL, metrics)
        return port, metrics

    def test_same_families_and_counts_as_haproxys_exporter(self):
        """Defect: a family renamed or retyped (dashboards written for
        HAProxy's exporter break), a session or byte counted differently."""
        db = self.start_mariadb()
        gateways = {"borealis": self.start("proxy", harness.proxy_binary(), db),
                    "haproxy": self.start("haproxy", HAPROXY, db)}
        pages = {}
        for name, (port, metrics) in gateways.items():
            harness.wait_until(
                lambda: 'server="s1",state="UP"} 1' in fetch(metrics)[2], 10, 0.1, "s1 up")
            before, _ = samples(fetch(metrics)[2])
            for i in range(SESSIONS):
                conn = harness.connect(harness.LOCAL, port)
                with conn.cursor() as cur:
                    cur.execute(f"SELECT {i}, REPEAT('x', 1000)")
                    cur.fetchall()
                conn.close()
            prefix = "borealis" if name == "borealis" else "haproxy"
            key = f'{prefix}_frontend_current_sessions{{proxy="fe"}}'
            harness.wait_until(lambda: samples(fetch(metrics)[2])[0][key] == 0, 10, 0.05,
                               "sessions ended")
            after, types = samples(fetch(metrics)[2])
            deltas = {}
            for family, labels in (("frontend", '{proxy="fe"}'), ("backend", '{proxy="be"}'),
                                   ("server", '{proxy="be",server="s1"}')):
                for metric in ("sessions_total", "bytes_in_total", "bytes_out_total"):
                    sample = f"{prefix}_{family}_{metric}{labels}"
                    deltas[(family, metric)] = after[sample] - before[sample]
            pages[name] = (types, deltas)
        ours, theirs = pages["borealis"], pages["haproxy"]
        self.assertEqual(ours[1][("frontend", "sessions_total")], SESSIONS)
        self.assertGreater(ours[1][("server", "bytes_out_total")], SESSIONS * 1000)
        self.assertEqual(ours[1], theirs[1])
        mirrored = [name for name in ours[0]
                    if not name.startswith("borealis_database_") and name not in BOREALIS_ONLY]
        self.assertGreater(len(mirrored), 40)
        for name in mirrored:
            theirs_name = "haproxy_" + name[len("borealis_"):]
            self.assertEqual(theirs[0].get(theirs_name), ours[0][name], name)


if __name__ == "__main__":
    unittest.main()
