"""`global` `user` / `group` / `pidfile` / `maxconn`: privileges are dropped
after the listening sockets are bound, the pid file names the process, and
connections over `maxconn` wait in the kernel's queue instead of failing."""

import threading
import unittest

import harness


def process_ids(pid):
    """(uid, gid) of a running process, from /proc."""
    uid = gid = None
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
            if line.startswith("Gid:"):
                gid = int(line.split()[1])
    return uid, gid


class PrivilegesTest(harness.E2ETestCase):

    def test_user_group_and_pidfile(self):
        db = self.start_mariadb(host="127.0.0.2", name="A")
        listen = harness.free_port()
        pidfile = self.tmp.join("proxy.pid")
        config = harness.base_config(global_lines=(
            "user nobody", "group nogroup", f"pidfile {pidfile}")) + f"""\
frontend fe
    bind 127.0.0.1:{listen}
    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        proxy = self.start_proxy(config, wait=("127.0.0.1", listen))
        self.assertEqual(harness.marker("127.0.0.1", listen), "A")
        self.assertEqual(process_ids(proxy.pid), (65534, 65534))
        with open(pidfile) as f:
            self.assertEqual(int(f.read().strip()), proxy.pid)

    def test_maxconn_holds_excess_connections(self):
        db = self.start_mariadb(host="127.0.0.2", name="A")
        listen = harness.free_port()
        config = harness.base_config() + f"""\
frontend fe
    bind 127.0.0.1:{listen}
    maxconn 2
    default_backend be

backend be
    server db {db.host}:{db.port}
"""
        self.start_proxy(config, wait=None)
        harness.wait_port("127.0.0.1", listen)
        # Two sessions fill the frontend; a third must wait, not fail, and
        # get through once one of the first two ends.
        first = harness.connect("127.0.0.1", listen)
        second = harness.connect("127.0.0.1", listen)
        result = {}

        def third_client():
            try:
                result["marker"] = harness.marker("127.0.0.1", listen, timeout=30)
            except Exception as error:  # noqa: BLE001 - reported below
                result["error"] = error

        waiter = threading.Thread(target=third_client)
        waiter.start()
        waiter.join(2)
        self.assertTrue(waiter.is_alive(), "third client was not held at maxconn")
        harness.close_quietly(first)
        waiter.join(30)
        self.assertFalse(waiter.is_alive())
        self.assertEqual(result.get("marker"), "A", result.get("error"))
        self.assertEqual(harness.session_marker(second), "A")
        harness.close_quietly(second)


if __name__ == "__main__":
    unittest.main()
