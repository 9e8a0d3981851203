#!/usr/bin/env bash
# Installs what is missing, builds borealis and runs it with
# examples/quickstart.cfg: a serverless MariaDB whose data lives in
# run/app (created on first start, with an application user whose generated
# password is kept there) behind 127.0.0.1:$BOREALIS_PORT. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

bash scripts/install-deps.sh
bash scripts/build.sh

export BOREALIS_PORT=${BOREALIS_PORT:-3306}
export BOREALIS_DATA=${BOREALIS_DATA:-$top/run/app}
mkdir -p "$(dirname "$BOREALIS_DATA")"

cat <<MSG

borealis is starting on 127.0.0.1:$BOREALIS_PORT with a serverless MariaDB in $BOREALIS_DATA.
The database starts on the first connection (the very first one also creates
the data directory, a few seconds) and pauses after 5 idle minutes. Connect with:

    mariadb -h 127.0.0.1 -P $BOREALIS_PORT -u app -p\$(cat $BOREALIS_DATA/borealis-app.password) app

and watch it (state, capacity, ACU-seconds) through the runtime API:

    echo "show databases" | socat stdio unix-connect:$BOREALIS_DATA-admin.sock

MSG
exec build/borealis -f examples/quickstart.cfg
