#!/usr/bin/env bash
# Installs everything borealis needs to build, test and benchmark on Debian 12.
# Used by the README's first command and by .ci/run, so both stay in step.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev clang-format pkg-config
  # the .deb: CPack finds its dependencies with dpkg-shlibdeps, ELF files with file
  dpkg-dev file
  # libraries
  libasio-dev libc-ares-dev libssl-dev libcli11-dev libfmt-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev libhttp-parser-dev nlohmann-json3-dev
  # real programs the tests and benchmarks start
  mariadb-server mariadb-client mariadb-test dnsmasq-base haproxy sysbench
  python3 python3-pymysql python3-mysqldb procps iproute2 openssl socat
  # the metrics test scrapes borealis with a real Prometheus (and lints with promtool);
  # the dashboard test drives a headless Chromium
  prometheus chromium chromium-driver python3-selenium
  # client stacks the mode mysql tests drive (PHP, Perl, Node.js, Java)
  php-cli php-mysql libdbd-mariadb-perl libdbd-mysql-perl libmariadb-java default-jre-headless
)
# Node.js and npm (for the mysql2 client test): the machine's own when it
# has them (a NodeSource nodejs ships npm and conflicts with Debian's), else
# Debian's.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
