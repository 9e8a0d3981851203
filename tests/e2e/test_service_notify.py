"""The systemd unit (examples/systemd/borealis.service), its reload and its notify
protocol (`Type=notify`), with the test as the service manager (there is
no systemd in the test machine): the unit's ExecStartPre and ExecStart run
as systemd would run them, borealis says READY=1 once it listens and
STOPPING=1 when the unit's KillSignal arrives, stops within
TimeoutStopSec, and the mariadbd it runs (which speaks the same protocol)
never sees the manager's socket."""

import os
import shlex
import signal
import socket
import subprocess
import unittest

import harness


UNIT = os.path.join(os.environ.get("BOREALIS_SOURCE_DIR", "../.."),
                    "examples", "systemd", "borealis.service")


def service_unit():
    """The [Service] settings of examples/systemd/borealis.service."""
    settings, section = {}, None
    with open(UNIT, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                settings[key] = value
    return settings


def unit_command(line, config):
    """A unit's command line with the binary under test and `config`."""
    words = shlex.split(line.replace("${CONFIG}", config))
    assert words[0] == "/usr/sbin/borealis", words
    return [harness.proxy_binary()] + words[1:]


def unit_command_line(line, main_pid):
    """A unit command that is not borealis (ExecReload), with $MAINPID."""
    return shlex.split(line.replace("$MAINPID", str(main_pid)))


class ServiceNotifyTest(harness.ServerlessTestCase):

    def test_ready_then_stopping_and_no_child_speaks_for_borealis(self):
        """Defect: READY before the listener is up (systemd would route
        clients to nothing) or never; no STOPPING; mariadbd inheriting
        NOTIFY_SOCKET and telling systemd it is ready in borealis's name."""
        manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(manager.close)
        path = self.tmp.join("notify.sock")
        manager.bind(path)
        manager.settimeout(30)
        datadir = self.new_datadir()
        listen = harness.free_port()
        config = self.tmp.write("proxy.cfg", harness.serverless_config(
            listen, harness.database_section(datadir, auto_pause="1h"),
            global_lines=(f"stats socket {self.tmp.join('admin.sock')} mode 600 level admin",)))
        # The unit's own commands, as systemd would run them.
        unit = service_unit()
        self.assertEqual(unit["Type"], "notify")
        check = subprocess.run(unit_command(unit["ExecStartPre"], config),
                               capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        process = harness.Process(unit_command(unit["ExecStart"], config),
                                  self.tmp.join("proxy.log"),
                                  env={**os.environ, "NOTIFY_SOCKET": path})
        process.start()
        self.addCleanup(process.stop)
        ready = manager.recv(4096).decode()
        self.assertEqual(ready.split("\n")[0], "READY=1", ready)
        self.assertTrue(harness.tcp_listening(harness.LOCAL, listen), "listening when READY")

        db = harness.Serverless(None, listen, datadir)
        self.assertEqual(db.query("SELECT 1")[0][0], 1)
        pids = db.mariadbd_pids()
        self.assertEqual(len(pids), 1)
        with open(f"/proc/{pids[0]}/environ", "rb") as f:
            environment = f.read().split(b"\0")
        self.assertFalse([v for v in environment if v.startswith(b"NOTIFY_SOCKET=")])
        manager.settimeout(1)
        with self.assertRaises(socket.timeout):
            extra = manager.recv(4096)
            self.fail(f"a second notification: {extra!r}")

        # `systemctl reload`: the unit's ExecReload with $MAINPID. The new
        # worker takes the running mariadbd over from the old one.
        reload = unit_command_line(unit["ExecReload"], process.pid)
        subprocess.run(reload, check=True, timeout=10)
        manager.settimeout(30)
        self.assertEqual(manager.recv(4096), b"RELOADING=1")
        ready = manager.recv(4096).decode()
        self.assertEqual(ready.split("\n")[0], "READY=1", ready)
        self.assertNotIn("reload failed", ready)
        self.assertEqual(db.mariadbd_pids(), pids)
        self.assertEqual(db.query("SELECT 1")[0][0], 1)

        process.signal(getattr(signal, unit["KillSignal"]))
        self.assertEqual(manager.recv(4096), b"STOPPING=1")
        self.assertEqual(process.wait(int(unit["TimeoutStopSec"])), 0)
        with open(self.tmp.join("proxy.log"), encoding="utf-8", errors="replace") as log:
            harness.check_no_sanitizer_report(log.read())


if __name__ == "__main__":
    unittest.main()
