"""Serverless database (engine mariadb, capacity minimum 0): pause/resume.

A fresh, empty data directory: borealis starts paused, the first connection
initialises the data directory and starts mariadbd while the connection is
held; after `auto-pause` without client sessions mariadbd is stopped; the
next connection resumes it and every committed row is there.  Two cycles.
"""

import os
import re

import harness

ROWS_PER_CYCLE = 200
TRANSACTIONS_PER_CYCLE = 20


class ServerlessPauseResumeTest(harness.ServerlessTestCase):

    def test_fresh_datadir_pause_resume_cycles(self):
        datadir = self.new_datadir(template=False)
        self.assertFalse(os.path.exists(datadir))
        db = self.start_serverless(
            harness.database_section(datadir, auto_pause="3s"), datadir)

        # Paused from the start: no mariadbd, credentials announced.
        password_file = os.path.join(datadir, "borealis-app.password")
        db.wait_for_log(
            r"database app: paused until the first connection "
            rf"\(user 'app', password in {re.escape(password_file)}\)")
        self.assertTrue(os.path.isfile(password_file))
        self.assertEqual(db.mariadbd_pids(), [])
        self.assertFalse(os.path.exists(os.path.join(datadir, "mysql")),
                         "data directory initialised before any connection")

        # First connection: initialise + start, connection held meanwhile.
        offset = db.log_offset()
        conn = db.connect(timeout=90, database="app")
        try:
            db.wait_for_log(r"database app: initialising data directory",
                            start=offset)
            db.wait_for_log(r"database app: resumed in \d+ ms for \d+ "
                            r"waiting connections at 0\.5 ACU", start=offset)
            self.assertEqual(len(db.mariadbd_pids()), 1)
            with conn.cursor() as cur:
                cur.execute("SELECT CURRENT_USER(), DATABASE()")
                user, schema = cur.fetchone()
                self.assertEqual(user, "app@%")
                self.assertEqual(schema, "app")
                cur.execute("CREATE TABLE t (id INT PRIMARY KEY, "
                            "cycle INT NOT NULL, payload VARCHAR(200) "
                            "NOT NULL) ENGINE=InnoDB")
        finally:
            harness.close_quietly(conn)

        expected = None
        for cycle in range(2):
            # Writes in many small transactions, right before going idle.
            expected = self._write_rows(db, cycle)
            offset = db.log_offset()
            db.wait_paused(start=offset, timeout=30)
            db.wait_no_mariadbd(timeout=10)

            offset = db.log_offset()
            conn = db.connect(timeout=40, database="app")
            try:
                db.wait_for_log(r"database app: resumed in \d+ ms for \d+ "
                                r"waiting connections at 0\.5 ACU",
                                start=offset)
                self.assertEqual(self._summary(conn), expected,
                                 f"data changed across pause {cycle + 1}")
            finally:
                harness.close_quietly(conn)
            self.assertNotIn("initialising data directory",
                             db.log()[offset:])
        self.assertEqual(expected[0], 2 * ROWS_PER_CYCLE)
        # Every session, also the ones that waited for a resume, got through
        # at the first attempt, and its bytes are in its log line.
        harness.wait_until(lambda: len(harness.tcplog_lines(db.log(), "fe")) >= 5,
                           10, 0.1, "a tcplog line per session")
        harness.assert_clean_sessions(self, db.log())

    def _write_rows(self, db, cycle):
        conn = db.connect(database="app", autocommit=False)
        try:
            per_txn = ROWS_PER_CYCLE // TRANSACTIONS_PER_CYCLE
            with conn.cursor() as cur:
                for txn in range(TRANSACTIONS_PER_CYCLE):
                    for i in range(per_txn):
                        row = (cycle * ROWS_PER_CYCLE + txn * per_txn + i)
                        cur.execute(
                            "INSERT INTO t VALUES (%s, %s, %s)",
                            (row, cycle, f"row {row} " + "x" * (row % 150)))
                    conn.commit()
            return self._summary(conn)
        finally:
            harness.close_quietly(conn)

    @staticmethod
    def _summary(conn):
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*), "
                        "SUM(CRC32(CONCAT_WS('|', id, cycle, payload))) "
                        "FROM t")
            count, crc = cur.fetchone()
            cur.execute("CHECKSUM TABLE t")
            checksum = cur.fetchone()[1]
        return (int(count), int(crc), int(checksum))


if __name__ == "__main__":
    import unittest
    unittest.main()
