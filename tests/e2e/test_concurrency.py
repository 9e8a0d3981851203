"""200 concurrent clients, each running 20 checked queries."""

import threading
import unittest

import harness

CLIENTS = 200
QUERIES = 20


class ConcurrencyTest(harness.E2ETestCase):

    def test_200_concurrent_clients(self):
        db = self.start_mariadb(host=harness.host(2), name="A",
                                max_connections=400)
        listen = harness.free_port()
        config = harness.base_config(global_lines=["maxconn 2000"]) + f"""\
frontend fe
    bind {harness.LOCAL}:{listen}
    maxconn 1000
    default_backend be

backend be
    server db {db.host}:{db.port} maxconn 1000
"""
        self.start_proxy(config, wait=(harness.LOCAL, listen))

        start = threading.Barrier(CLIENTS, timeout=120)
        errors = []
        done = []
        lock = threading.Lock()

        def client(n):
            try:
                conn = harness.connect(harness.LOCAL, listen, timeout=60)
                try:
                    start.wait()  # all connected at the same time
                    with conn.cursor() as cur:
                        for q in range(QUERIES):
                            cur.execute("SELECT %s * 1000 + %s, CONNECTION_ID()",
                                        (n, q))
                            value, _ = cur.fetchone()
                            if value != n * 1000 + q:
                                raise AssertionError(f"client {n}: {value}")
                finally:
                    conn.close()
                with lock:
                    done.append(n)
            except Exception as exc:  # noqa: BLE001 - collected
                with lock:
                    errors.append((n, repr(exc)))
                start.abort()

        threads = [threading.Thread(target=client, args=(n,), daemon=True)
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        self.assertFalse(any(t.is_alive() for t in threads),
                         "clients still running after 180 s")
        self.assertEqual(errors, [])
        self.assertEqual(sorted(done), list(range(CLIENTS)))
        # All 200 were really concurrent at the server.
        self.assertGreaterEqual(db.status("Max_used_connections"), CLIENTS)


if __name__ == "__main__":
    unittest.main()
