"""Serverless database: 50 clients connecting at once to a paused database
are all held while it resumes, then all get through and run a query."""

import threading

import harness

CLIENTS = 50


class ServerlessBurstTest(harness.ServerlessTestCase):

    def test_burst_of_clients_on_paused_database(self):
        datadir = self.new_datadir()
        db = self.start_serverless(
            harness.database_section(
                datadir, auto_pause="2s",
                acu="memory 128m cpu 0.5 connections 200"), datadir)
        # Wake it once and let it pause, so that the burst meets a database
        # that has run and paused (not only the initial pause).
        self.assertEqual(db.query("SELECT 1"), ((1,),))
        offset = db.log_offset()
        db.wait_paused(start=offset)
        db.wait_no_mariadbd()

        password = db.password()
        barrier = threading.Barrier(CLIENTS)
        results = [None] * CLIENTS

        def client(i):
            conn = None
            try:
                barrier.wait(timeout=30)
                conn = harness.connect("127.0.0.1", db.listen,
                                       password=password, timeout=40)
                with conn.cursor() as cur:
                    cur.execute("SELECT %s + 1, CONNECTION_ID()", (i,))
                    value, _ = cur.fetchone()
                results[i] = ("ok", value)
            except Exception as exc:  # noqa: BLE001 - reported below
                results[i] = ("error", repr(exc))
            finally:
                if conn is not None:
                    harness.close_quietly(conn)

        offset = db.log_offset()
        threads = [threading.Thread(target=client, args=(i,), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        self.assertFalse(any(t.is_alive() for t in threads),
                         "some clients still running after 90 s")
        failures = [(i, r) for i, r in enumerate(results)
                    if r != ("ok", i + 1)]
        self.assertEqual(failures, [], f"{len(failures)} of {CLIENTS} "
                         f"clients failed\n{db.log()[offset:][-3000:]}")
        match = db.wait_for_log(r"database app: resumed in \d+ ms for "
                                r"(\d+) waiting connections", start=offset)
        # Exactly one resume for the whole burst.
        self.assertEqual(db.log()[offset:].count(
            "database app: resumed in"), 2)  # plain line + [NOTICE] copy
        self.assertGreaterEqual(int(match.group(1)), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
