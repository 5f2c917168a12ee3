#!/bin/sh
# bannin set-up: installs every Debian package that the build, the tests and the
# benchmarks need. Idempotent: runs `apt-get update` only when something is missing,
# and does nothing at all when everything is already installed.
#
# Called by `make run`, `make test`, `make build`. Nothing is ever downloaded at build time;
# this list is the project's whole dependency story. Add a package here the moment the
# code, a test or a benchmark starts to use it.
# (The overload guard's tests and bench, tests/cli/guard_*_test.sh and bench/guard_bench.sh,
# use unbound, nftables, iproute2 and cc from build-essential: all below already.)
set -eu

PACKAGES="
  build-essential cmake ninja-build g++ pkg-config
  clang libclang-rt-14-dev clang-format clang-tidy
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsimdjson-dev libcli11-dev libmaxminddb-dev libyaml-cpp-dev tor-geoipdb libre2-dev
  python3 python3-yaml python3-jsonschema
  libsqlite3-dev sqlite3 zlib1g-dev
  fail2ban time
  libnftables-dev nftables iproute2 curl
  libc-ares-dev libcurl4-openssl-dev libidn2-dev nsd unbound dnsperf
  libcpp-httplib-dev libmicrohttpd-dev libssl-dev
  crowdsec-firewall-bouncer prometheus wrk
  nginx apache2
  python3-aiosmtpd openssl gdb
  libyara-dev yara
  chromium fonts-ipafont-gothic
  postfix
"
# The dashboard (web/) is built with Node.js at build time: Debian's nodejs and npm, only
# when no `node` is installed (a machine that has another Node.js build keeps it; Debian's
# npm would conflict with it). chromium is the browser of tests/browser/dashboard_test.sh
# (Playwright drives /usr/bin/chromium; it cannot download a browser of its own here), and
# fonts-ipafont-gothic lets it draw the Japanese pages in the screenshots.
if ! command -v node >/dev/null 2>&1; then
  PACKAGES="$PACKAGES nodejs npm"
elif ! command -v npm >/dev/null 2>&1; then
  PACKAGES="$PACKAGES npm"  # Debian's nodejs without its npm
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

# The dashboard's npm packages (web/package.json, exact versions locked in
# web/package-lock.json): `npm ci` when web/node_modules is missing or was installed from
# another lock file (a stamp holds the lock file's hash). CMake then builds web/ offline.
# --ignore-scripts: no package needs its install script (esbuild's binary comes in its
# platform package), and none should run.
npm_ci() {
  web="$(cd "$(dirname "$0")/.." && pwd)/web"
  stamp="$web/node_modules/.bannin-lock.sha256"
  want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "setup: npm ci in web/ (the dashboard's packages)"
  (cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
}

if [ -z "$missing" ]; then
  npm_ci
  exit 0
fi

echo "setup: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# nginx and apache2 are the real servers of tests/cli/webserver_containment_test.sh and
# bench/webserver_reload_bench.sh (started by hand with their own configuration in a temp dir;
# policy-rc.d below keeps their services from starting at install).
# libyara-dev is the file probe's signature engine (probe/file/yara_rules.cpp); yara, the
# command-line tool on the same library, is only the reference of bench/yara_scan_bench.sh.
# dnsperf is only the reference of bench/domain_check_bench.sh (it sends DNS queries to the
# loopback test bed that script starts).
# fail2ban is a benchmark peer and the reference of `bannin import fail2ban`'s test (its
# /etc/fail2ban, test logs and fail2ban-regex, which reads files and touches no firewall); keep its service from starting where an init system exists.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# postfix is the real MTA of tests/cli/mail_postfix_burst_test.sh (outbound mail per account,
# issue 17): the test runs its own instance from a temporary config_directory, loopback and
# local delivery only; debconf is answered so the install asks nothing ("Local only").
if echo "$missing" | grep -q postfix; then
  printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
    "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections
fi
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
npm_ci
