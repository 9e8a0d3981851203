#!/usr/bin/env bash
# Installs what is missing, builds borealis, starts a local MariaDB in
# run/mariadb (created on first start, with an application user whose
# generated password is kept in run/app-password) and runs borealis in front
# of it with examples/quickstart.cfg. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash scripts/install-deps.sh
bash scripts/build.sh

export BOREALIS_PORT=${BOREALIS_PORT:-3306}
export MARIADB_PORT=${MARIADB_PORT:-13306}
run="$top/run"
datadir="$run/mariadb"
mkdir -p "$run"

as_user=()
[ "$(id -u)" -eq 0 ] && as_user=(--user=root)

if [ ! -d "$datadir/mysql" ]; then
  echo "quickstart: creating a MariaDB data directory in $datadir"
  mariadb-install-db --no-defaults --datadir="$datadir" "${as_user[@]}" \
    --auth-root-authentication-method=socket --skip-test-db >"$run/install-db.log" 2>&1
fi

mariadbd --no-defaults --datadir="$datadir" "${as_user[@]}" --bind-address=127.0.0.1 \
  --port="$MARIADB_PORT" --socket="$run/mariadb.sock" --pid-file="$run/mariadb.pid" \
  --skip-name-resolve --innodb-buffer-pool-size=128M >"$run/mariadb.log" 2>&1 &
mariadb_pid=$!
trap 'kill "$mariadb_pid" 2>/dev/null; wait "$mariadb_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  mariadb --socket="$run/mariadb.sock" -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$mariadb_pid" 2>/dev/null || { cat "$run/mariadb.log"; exit 1; }
  sleep 0.1
done

if [ ! -f "$run/app-password" ]; then
  (umask 077; openssl rand -hex 16 >"$run/app-password")
fi
password=$(cat "$run/app-password")
mariadb --socket="$run/mariadb.sock" <<SQL
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY '$password';
ALTER USER 'app'@'%' IDENTIFIED BY '$password';
CREATE DATABASE IF NOT EXISTS app;
GRANT ALL ON app.* TO 'app'@'%';
CREATE USER IF NOT EXISTS 'borealis_check'@'127.0.0.1';
SQL

cat <<MSG

borealis is starting on 127.0.0.1:$BOREALIS_PORT in front of MariaDB on 127.0.0.1:$MARIADB_PORT.
Connect with:

    mariadb -h 127.0.0.1 -P $BOREALIS_PORT -u app -p\$(cat $run/app-password) app

MSG
build/borealis -f examples/quickstart.cfg
