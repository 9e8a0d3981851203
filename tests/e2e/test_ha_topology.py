"""The post's whole topology: a load balancer (HAProxy 2.6 from Debian,
`send-proxy-v2`, the post's classic load balancer) in front of two borealis
edges, each with its allowlists (`tcp-request connection` admits only the
balancer, `tcp-request session` only the clients), both routing to one
serverless database that a third borealis runs.

- Killing one edge under load: new connections keep succeeding through the
  other; errors happen only until the balancer's checks (`inter 500ms fall
  2`) take the dead edge out.  The number of errors is printed.
- The database pauses only when neither edge has a session.

The balancer checks each edge on a separate port (a frontend without
backend), not on the data port: a check through an edge would open a
connection to the database and keep it awake (examples/ha/README.md).
"""

import signal
import threading
import time
import unittest

import harness
import netprobe

HAPROXY = "/usr/sbin/haproxy"
CHECK_INTER = 0.5
CHECK_FALL = 2


class Topology:
    """Addresses: clients bind CLIENT, the balancer's connections to the
    edges come from LB_SOURCE."""

    CLIENT = harness.host(3)
    OTHER_CLIENT = harness.host(4)
    LB_SOURCE = harness.host(5)
    DB_HOST = harness.host(2)


def edge_config(port, health_port, db_port):
    return harness.base_config(timeout_client="60s", timeout_server="60s") + f"""\
frontend edge
    bind {harness.LOCAL}:{port} accept-proxy
    tcp-request connection reject unless {{ src {Topology.LB_SOURCE} }}
    tcp-request session reject unless {{ src {Topology.CLIENT} }}
    default_backend database

frontend health
    bind {harness.LOCAL}:{health_port}

backend database
    server db {Topology.DB_HOST}:{db_port}
"""


def database_gateway_config(port, datadir):
    # The edges connect from 127.0.0.1 (the loopback route's source).
    return harness.base_config(timeout_client="60s", timeout_server="60s") + \
        harness.database_section(datadir=datadir, auto_pause="2s") + f"""\
frontend db
    bind {Topology.DB_HOST}:{port}
    tcp-request connection reject unless {{ src 127.0.0.1 }}
    default_backend be

backend be
    server app database@app
"""


def balancer_config(port, edges):
    servers = "".join(
        f"    server {name} {harness.LOCAL}:{edge_port} send-proxy-v2 "
        f"source {Topology.LB_SOURCE} check port {health} "
        f"inter {int(CHECK_INTER * 1000)} fall {CHECK_FALL} rise 2\n"
        for name, edge_port, health in edges)
    return f"""\
global
    log stderr format raw local0 info
defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 60s
    timeout server 60s
listen lb
    bind {harness.LOCAL}:{port}
    balance roundrobin
{servers}"""


class HaTopologyTest(harness.ServerlessTestCase):

    def setUp(self):
        super().setUp()
        if harness.is_haproxy():
            self.skipTest("the database gateway is a borealis serverless "
                          "database")
        self.datadir = self.new_datadir()
        self.db_port = harness.free_port((Topology.DB_HOST,))
        self.gateway = self.start_proxy(
            database_gateway_config(self.db_port, self.datadir), name="dbgw")
        harness.wait_until(lambda: self.gateway.running() and
                           harness.tcp_listening(Topology.DB_HOST, self.db_port),
                           20, 0.05, "database gateway listening")
        self.database = harness.Serverless(self.gateway, self.db_port,
                                           self.datadir)
        self.edges = {}
        for name in ("a", "b"):
            port, health = harness.free_port(), harness.free_port()
            proxy = self.start_proxy(edge_config(port, health, self.db_port),
                                     name=f"edge-{name}")
            harness.wait_until(lambda p=proxy, h=health: p.running() and
                               harness.tcp_listening(harness.LOCAL, h),
                               20, 0.05, f"edge {name} listening")
            self.edges[name] = (proxy, port, health)
        self.lb_port = harness.free_port()
        path = self.tmp.write("lb.cfg", balancer_config(
            self.lb_port, [(n, p, h) for n, (_, p, h) in self.edges.items()]))
        self.lb = harness.Process([HAPROXY, "-db", "-f", path],
                                  self.tmp.join("lb.log"))
        self.lb.start()
        self.addCleanup(self.lb.stop)
        harness.wait_until(lambda: harness.tcp_listening(harness.LOCAL,
                                                         self.lb_port),
                           20, 0.05, "balancer listening")
        # Both edges up at the balancer before the test begins.
        harness.wait_until(lambda: self.query_once() == 1, 60, 0.2,
                           "a first query through the whole chain")

    def connect(self, source=None, timeout=30):
        return harness.connect(harness.LOCAL, self.lb_port,
                               password=self.database.password(),
                               timeout=timeout,
                               bind_address=source or Topology.CLIENT)

    def query_once(self, timeout=30):
        conn = self.connect(timeout=timeout)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                return cur.fetchone()[0]
        finally:
            harness.close_quietly(conn)

    def test_losing_one_edge_under_load(self):
        """Four clients open a new connection and query in a loop; edge a
        is killed (SIGKILL) after 1.5 s.  Every failure falls between the
        kill and the moment the balancer's checks can have noticed it
        (fall x inter, plus one interval and a margin for a loaded
        machine); afterwards every connection succeeds, through edge b."""
        results = []
        lock = threading.Lock()
        stop = threading.Event()

        def client():
            while not stop.is_set():
                started = time.monotonic()
                try:
                    ok = self.query_once(timeout=10) == 1
                except Exception:  # noqa: BLE001 - counted as an error
                    ok = False
                with lock:
                    results.append((started, time.monotonic(), ok))

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        proxy_a = self.edges["a"][0]
        proxy_a.expect_exit = None  # killed on purpose
        killed_at = time.monotonic()
        proxy_a.signal(signal.SIGKILL)
        time.sleep(CHECK_FALL * CHECK_INTER + 3.0)
        stop.set()
        for t in threads:
            t.join(30)
        before = [r for r in results if r[1] < killed_at]
        errors = [r for r in results if not r[2]]
        window = killed_at + (CHECK_FALL + 1) * CHECK_INTER + 1.5
        late = [r for r in errors if r[0] > window]
        after = [r for r in results if r[0] > window]
        print(f"\n  {len(results)} connections, {len(errors)} failed, all "
              f"within {max((r[1] - killed_at for r in errors), default=0):.2f}"
              f" s of the kill; {len(after)} after the checks' window")
        self.assertTrue(before and all(r[2] for r in before),
                        "failures before any edge was lost")
        self.assertEqual(late, [], "failures after the balancer's checks "
                         "must have taken the dead edge out")
        self.assertGreater(len(after), 5, "too few connections after the "
                           "failover to judge")
        self.assertTrue(all(r[2] for r in after))

    def test_database_pauses_only_when_neither_edge_has_a_session(self):
        """One session through each edge (roundrobin): closing one leaves
        the database running past `auto-pause`; closing the other lets it
        pause."""
        first, second = self.connect(), self.connect()
        try:
            harness.wait_until(
                lambda: all(netprobe.established_to(port, harness.LOCAL) >= 1
                            for _, port, _ in self.edges.values()),
                10, 0.05, "one session through each edge")
            offset = self.database.log_offset()
            first.close()
            time.sleep(2.0 + 2.0)  # auto-pause 2s, and a margin
            self.assertNotIn("paused after", self.database.log()[offset:],
                             "paused while an edge still had a session")
            with second.cursor() as cur:
                cur.execute("SELECT 1")
        finally:
            harness.close_quietly(first)
            harness.close_quietly(second)
        self.database.wait_paused(start=offset, timeout=20)


if __name__ == "__main__":
    unittest.main()
