#!/usr/bin/env bash
# Builds the .deb from the release build (build/), installs it with dpkg on
# this machine, starts it as its systemd unit says (the test plays the
# service manager: there is no systemd in a container), logs in through
# its default configuration, scrapes its metrics, stops it and removes it.
# Run by scripts/test.sh after the release build; needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

for port in 3307 8405; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    echo "check-package: port $port is taken; the packaged configuration listens there" >&2
    exit 1
  fi
done

(cd build && cpack --config CPackConfig.cmake >/dev/null)
deb=$(ls build/borealis_*_amd64.deb)
echo "check-package: built $deb"
contents=$(dpkg-deb -c "$deb")
for path in ./usr/sbin/borealis ./usr/lib/systemd/system/borealis.service \
            ./etc/borealis/borealis.cfg ./usr/share/doc/borealis/operations.md; do
  grep -q " $path\$" <<<"$contents" || { echo "check-package: $path missing" >&2; exit 1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for library in libc-ares2 libssl3 libhttp-parser2.9 libfmt9 libjemalloc2; do
  grep -q "$library" <<<"$depends" || { echo "check-package: no $library in Depends: $depends" >&2; exit 1; }
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/borealis/borealis.cfg ]

cleanup() {
  dpkg -P borealis >/dev/null 2>&1 || true
  rm -rf /var/lib/borealis /run/borealis
}
trap cleanup EXIT
dpkg -i "$deb" >/dev/null
# What RuntimeDirectory= and StateDirectory= would make.
mkdir -p /run/borealis /var/lib/borealis

python3 - <<'PYEOF'
import os, shlex, signal, socket, subprocess, tempfile, time, urllib.request

unit = {}
with open("/usr/lib/systemd/system/borealis.service") as f:
    for line in f:
        line = line.strip()
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            unit.setdefault(key, value)
config = unit["Environment"].split("=", 1)[1]
command = lambda key: shlex.split(unit[key].replace("${CONFIG}", config))

subprocess.run(command("ExecStartPre"), check=True)
directory = tempfile.mkdtemp()
manager = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
manager.bind(os.path.join(directory, "notify"))
manager.settimeout(60)
log = open(os.path.join(directory, "borealis.log"), "wb")
service = subprocess.Popen(command("ExecStart"), stdout=log, stderr=subprocess.STDOUT,
                           env={**os.environ, "NOTIFY_SOCKET": os.path.join(directory, "notify")})
try:
    ready = manager.recv(4096).decode()
    assert ready.startswith("READY=1"), ready
    password = None
    deadline = time.monotonic() + 120
    # The first connection starts the database (and initialises its data).
    while time.monotonic() < deadline:
        try:
            with open("/var/lib/borealis/app/borealis-app.password") as f:
                password = f.read().strip()
        except FileNotFoundError:
            pass
        done = subprocess.run(["mariadb", "-h127.0.0.1", "-P3307", "-uapp",
                               f"-p{password or ''}", "-N", "-e", "SELECT 40 + 2"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            assert done.stdout.strip() == "42", done.stdout
            break
        time.sleep(1)
    else:
        raise AssertionError("no login through the packaged configuration: " + done.stderr)
    with urllib.request.urlopen("http://127.0.0.1:8405/metrics", timeout=10) as response:
        page = response.read().decode()
    assert 'borealis_database_state{database="app",state="running"} 1' in page
    assert 'borealis_frontend_sessions_total{proxy="mysql"}' in page
    # `systemctl reload`: the unit's ExecReload; the new worker takes the
    # running mariadbd over (the same process serves on).
    def engine_pid():
        with open("/var/lib/borealis/app/borealis-mariadbd.pid") as f:
            return int(f.read().split()[0])
    before = engine_pid()
    reload = shlex.split(unit["ExecReload"].replace("$MAINPID", str(service.pid)))
    subprocess.run(reload, check=True, timeout=10)
    assert manager.recv(4096) == b"RELOADING=1"
    reloaded = manager.recv(4096).decode()
    assert reloaded.startswith("READY=1") and "reload failed" not in reloaded, reloaded
    done = subprocess.run(["mariadb", "-h127.0.0.1", "-P3307", "-uapp", f"-p{password}", "-N",
                           "-e", "SELECT 40 + 3"], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "43", done.stdout + done.stderr
    assert engine_pid() == before and os.path.exists(f"/proc/{before}"), "mariadbd restarted"
    service.send_signal(getattr(signal, unit["KillSignal"]))
    assert manager.recv(4096) == b"STOPPING=1"
    assert service.wait(int(unit["TimeoutStopSec"])) == 0, "exit status"
    print("check-package: installed, started (READY=1), logged in, scraped, reloaded (same mariadbd), stopped")
except BaseException:
    service.kill()
    log.flush()
    print(open(os.path.join(directory, "borealis.log")).read()[-4000:])
    raise
PYEOF
