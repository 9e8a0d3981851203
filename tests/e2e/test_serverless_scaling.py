"""Serverless database: capacity follows load between MIN and MAX.

capacity 0.5 2 with acu memory 128m connections 40: one ACU step (0.5) is
a 64 MiB buffer pool chunk and 20 connections.  Sustained CPU-heavy load
from 12 clients raises capacity (seen from a client through
@@innodb_buffer_pool_size and @@max_connections, and in the log) without a
single failed query and never above MAX; once the load stops it comes back
down to MIN after scale-down-delay.
"""

import re
import threading
import time

import harness

MIB = 1 << 20
CHUNK = 64 * MIB          # memory 128m / 2
CONNECTIONS_PER_ACU = 40
MIN_ACU, MAX_ACU = 0.5, 2
CLIENTS = 12
LOAD_SECONDS = 15


def limits(acu):
    return (int(acu / 0.5) * CHUNK,
            max(10, round(CONNECTIONS_PER_ACU * acu)))


class ServerlessScalingTest(harness.ServerlessTestCase):

    def test_scale_up_under_load_and_back_down(self):
        datadir = self.new_datadir()
        db = self.start_serverless(
            harness.database_section(
                datadir, capacity=f"{MIN_ACU} {MAX_ACU}",
                acu=f"memory 128m cpu 0.5 connections {CONNECTIONS_PER_ACU}",
                auto_pause="off", scale_down_delay="2s"), datadir)
        # capacity minimum above 0: started at once, at MIN.
        db.wait_for_log(r"database app: started in \d+ ms at 0\.5 ACU")
        self.assertEqual(len(db.mariadbd_pids()), 1)

        monitor = db.connect(timeout=30)
        self.addCleanup(harness.close_quietly, monitor)

        def observe():
            with monitor.cursor() as cur:
                cur.execute("SELECT @@innodb_buffer_pool_size, "
                            "@@max_connections")
                bp, mc = cur.fetchone()
            return int(bp), int(mc)

        self.assertEqual(observe(), limits(MIN_ACU))
        allowed = {limits(a) for a in (0.5, 1, 1.5, 2)}

        stop = threading.Event()
        queries = [0] * CLIENTS
        errors = []
        password = db.password()

        def client(i):
            try:
                conn = harness.connect(harness.LOCAL, db.listen,
                                       password=password, timeout=120)
            except Exception as exc:  # noqa: BLE001
                errors.append((i, "connect", repr(exc)))
                return
            try:
                with conn.cursor() as cur:
                    while not stop.is_set():
                        cur.execute("SELECT BENCHMARK(30000, MD5(%s))",
                                    (str(i),))
                        if cur.fetchone()[0] != 0:
                            errors.append((i, "query", "bad result"))
                        queries[i] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append((i, "query", repr(exc)))
            finally:
                harness.close_quietly(conn)

        offset = db.log_offset()
        threads = [threading.Thread(target=client, args=(i,), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        seen = []
        try:
            deadline = time.monotonic() + LOAD_SECONDS
            while time.monotonic() < deadline:
                seen.append(observe())
                if seen[-1] == limits(MAX_ACU) and \
                        time.monotonic() > deadline - LOAD_SECONDS / 3:
                    break
                time.sleep(0.25)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads),
                         "load clients still running 120 s after stop")
        log = db.log()[offset:]
        self.assertEqual(errors, [], f"failed queries under load\n{log}")
        self.assertTrue(all(queries), f"a client ran no query: {queries}")

        self.assertIn(r"scaling 0.5 -> 1 ACU", log)
        self.assertGreater(max(bp for bp, _ in seen), CHUNK,
                           f"capacity never rose: {sorted(set(seen))}")
        # The buffer pool and max_connections are set one after the other,
        # so a client may see one already changed: check each on its own.
        self.assertTrue({bp for bp, _ in seen} <= {bp for bp, _ in allowed},
                        f"unexpected buffer pool sizes in {sorted(set(seen))}")
        self.assertTrue({mc for _, mc in seen} <= {mc for _, mc in allowed},
                        f"unexpected max_connections in {sorted(set(seen))}")
        # The load reaches MAX and capacity stops there.
        self.assertIn(limits(MAX_ACU), seen,
                      f"capacity never reached MAX: {sorted(set(seen))}")
        ups = re.findall(r"scaling ([\d.]+) -> ([\d.]+) ACU", log)
        self.assertIn(f"{MAX_ACU:g}", [new for _, new in ups], log)
        for old, new in ups:
            self.assertLessEqual(float(new), MAX_ACU)
            self.assertGreaterEqual(float(new), MIN_ACU)

        # Load gone: back down to MIN, at most halving per scale-down-delay.
        harness.wait_until(lambda: observe() == limits(MIN_ACU), 60, 0.25,
                           "capacity back to MIN after the load stopped")
        db.wait_for_log(r"scaling [\d.]+ -> 0\.5 ACU \(load needs 0\.5 ACU for 2s\)",
                        start=offset)
        # And the database keeps working at MIN.
        self.assertEqual(db.query("SELECT 6 * 7"), ((42,),))
        self.assertEqual(len(db.mariadbd_pids()), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
