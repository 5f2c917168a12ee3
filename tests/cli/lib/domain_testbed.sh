# The loopback DNS test bed of the domain checks, for scripts that source it
# (daemon_domain_probe_test.sh, check_domain_test.sh, check_whois_test.sh):
#   NSD "parent" (fake TLD test.)         @TB_BASE.1:TB_PORT
#   NSD "child"  (the shops' own zones, also shop.co.test under a second-level label and the
#                 IDNs 例え.test, 日本語.co.test as A-labels)   @TB_BASE.2:TB_PORT
#   NSD "dnsbl"  (the block-list zones)   @TB_BASE.3:TB_PORT      (tb_dnsbl)
#   blackhole (never answers)             @TB_BASE.4:TB_PORT      (more ports: tb_blackhole)
#   unbound "a" (plain resolver)          @TB_BASE.53:TB_PORT     (tb_resolvers / tb_unbound)
#   unbound "b" (filtering resolver: flaggedshop.test is NXDOMAIN without SOA)
#                                         @TB_BASE.54:TB_PORT     (tb_resolvers / tb_unbound)
#   RDAP fixture HTTP server              @TB_BASE.80:TB_RDAP_PORT (tb_rdap, tb_wait_rdap)
#   WHOIS fixture server                  @TB_BASE.43:TB_WHOIS_PORT (tb_whois)
# TB_BASE is 127.x.y from the sourcing shell's pid, so parallel runs do not collide. Zone
# files are copied to $TB_DIR/zones with @BASE@ filled in; tb_parent_zone edits the
# parent's copy and restarts its NSD (a held or restored delegation). Needs TMP (a temp dir
# the caller removes) set before sourcing; call tb_stop from the caller's cleanup (it stops
# every server started here: TB_PID holds the pids by name). TB_PORT, TB_RDAP_PORT and
# TB_WHOIS_PORT may be set before sourcing to use other ports; tb_logs prints the tails of
# the servers' logs (for a failure message).
TB_FIX=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/domain" && pwd)
TB_TESTBED="python3 $TB_FIX/testbed.py"
TB_BASE="127.$(( 60 + $$ % 150 )).$(( ($$ / 150) % 250 + 1 ))"
TB_PORT=${TB_PORT:-15353}
TB_RDAP_PORT=${TB_RDAP_PORT:-18080}
TB_WHOIS_PORT=${TB_WHOIS_PORT:-18043}
TB_DIR="$TMP/testbed"
declare -A TB_PID=()

# tb_require [BIN...]: exit 77 (skip) when nsd, python3 or one of BIN (e.g. unbound) is
# missing (tools/setup.sh installs them). Sets TB_NSD, and TB_UNBOUND when unbound is asked.
tb_require() {
  for bin in nsd python3 "$@"; do
    if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
      echo "SKIP: $bin is not installed (tools/setup.sh installs it)"; exit 77
    fi
  done
  TB_NSD=$(command -v nsd || echo /usr/sbin/nsd)
  case " $* " in *" unbound "*) TB_UNBOUND=$(command -v unbound || echo /usr/sbin/unbound) ;; esac
}

tb_zones() {
  mkdir -p "$TB_DIR/zones"
  for z in "$TB_FIX"/zones/*.zone; do
    sed "s/@BASE@/$TB_BASE/g" "$z" > "$TB_DIR/zones/$(basename "$z")"
  done
}

# tb_nsd NAME ADDR ZONE...: writes the NSD configuration and starts it in the foreground.
tb_nsd() {
  local name=$1 addr=$2; shift 2
  {
    echo "server:"
    echo "  ip-address: $addr"
    echo "  port: $TB_PORT"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  zonesdir: \"$TB_DIR/zones\""
    echo "  database: \"\""
    echo "  pidfile: \"$TB_DIR/nsd-$name.pid\""
    echo "  xfrdfile: \"$TB_DIR/nsd-$name-xfrd.state\""
    echo "  zonelistfile: \"$TB_DIR/nsd-$name-zone.list\""
    echo "  logfile: \"$TB_DIR/nsd-$name.log\""
    echo "  server-count: 1"
    echo "  verbosity: 1"
    echo "remote-control:"
    echo "  control-enable: no"
    for z in "$@"; do
      echo "zone:"
      echo "  name: \"$z.\""
      echo "  zonefile: \"$z.zone\""
    done
  } > "$TB_DIR/nsd-$name.conf"
  tb_nsd_start "$name"
}

tb_nsd_start() {
  "$TB_NSD" -d -c "$TB_DIR/nsd-$1.conf" >>"$TB_DIR/nsd-$1.out.log" 2>&1 &
  TB_PID[$1]=$!
}

tb_nsd_stop() {
  local pid=${TB_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  wait "$pid" 2>/dev/null
  TB_PID[$1]=""
}

# tb_start_dns: parent, child and blackhole, waited for.
tb_start_dns() {
  tb_zones
  tb_nsd parent "$TB_BASE.1" test
  tb_nsd child "$TB_BASE.2" goodshop.test heldshop.test flaggedshop.test listedshop.test \
    pendingshop.test brokenshop.test shop.co.test xn--r8jz45g.test xn--wgv71a119e.co.test
  tb_blackhole
  $TB_TESTBED wait-dns "$TB_BASE.1" "$TB_PORT" test || return 1
  $TB_TESTBED wait-dns "$TB_BASE.2" "$TB_PORT" goodshop.test || return 1
}

# tb_blackhole [PORT]: a UDP+TCP listener at TB_BASE.4:PORT (default TB_PORT) that never
# answers (timeouts). The one at TB_PORT is named "blackhole" (tb_start_dns starts it), any
# other "blackhole-PORT".
tb_blackhole() {
  local port=${1:-$TB_PORT} name=blackhole
  [ "$port" = "$TB_PORT" ] || name=blackhole-$port
  $TB_TESTBED blackhole "$TB_BASE.4" "$port" "$TB_DIR/$name.pid" >"$TB_DIR/$name.log" 2>&1 &
  TB_PID[$name]=$!
}

# tb_dnsbl: the block-list zones on their own NSD.
tb_dnsbl() {
  tb_nsd dnsbl "$TB_BASE.3" zen.spamhaus.org dbl.spamhaus.org multi.surbl.org multi.uribl.com
  $TB_TESTBED wait-dns "$TB_BASE.3" "$TB_PORT" zen.spamhaus.org
}

# tb_rdap: the RDAP fixture server, and $TB_DIR/dns.json (a bootstrap pointing at it).
tb_rdap() {
  $TB_TESTBED rdap "$TB_BASE.80" "$TB_RDAP_PORT" "$TB_FIX/rdap" "$TB_DIR/rdap.pid" >"$TB_DIR/rdap.log" 2>&1 &
  TB_PID[rdap]=$!
  printf '{"version":"1.0","publication":"2026-11-24T00:00:00Z","services":[[["test"],["http://%s:%s/rdap/"]]]}\n' \
    "$TB_BASE.80" "$TB_RDAP_PORT" >"$TB_DIR/dns.json"
}

# tb_wait_rdap: until the RDAP fixture server answers (up to 5 s; returns 1 if it never does).
tb_wait_rdap() {
  for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://$TB_BASE.80:$TB_RDAP_PORT/rdap/domain/goodshop.test', timeout=1)" \
      2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# tb_unbound NAME ADDR [SERVER_LINES]: an unbound resolver at ADDR:TB_PORT (needs
# `tb_require unbound`), iterating from the parent; SERVER_LINES are added to its server:
# section (e.g. a local-zone that filters). Not waited for.
tb_unbound() {
  local name=$1 addr=$2 extra=${3:-}
  {
    cat <<CONF
server:
  interface: $addr
  port: $TB_PORT
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "$TB_DIR"
  pidfile: "$TB_DIR/unbound-$name.pid"
  logfile: "$TB_DIR/unbound-$name.log"
  use-syslog: no
  verbosity: 0
  num-threads: 1
  so-reuseport: no
  module-config: "iterator"
  qname-minimisation: no
  local-zone: "test." nodefault
$extra
stub-zone:
  name: "test."
  stub-addr: $TB_BASE.1@$TB_PORT
CONF
    # Referrals cannot carry a port, so the delegated shops are reached through stub zones
    # at the child server's high port. heldshop.test has none: it is resolved through the
    # parent.
    for z in goodshop flaggedshop listedshop lameshop shop.co xn--r8jz45g xn--wgv71a119e.co; do
      printf 'stub-zone:\n  name: "%s.test."\n  stub-addr: %s@%s\n' "$z" "$TB_BASE.2" "$TB_PORT"
    done
    printf 'remote-control:\n  control-enable: no\n'
  } > "$TB_DIR/unbound-$name.conf"
  "$TB_UNBOUND" -d -c "$TB_DIR/unbound-$name.conf" >"$TB_DIR/unbound-$name.out.log" 2>&1 &
  TB_PID[unbound-$name]=$!
}

# tb_resolvers: resolver "a" (plain) at TB_BASE.53 and resolver "b" (filtering: blocks
# flaggedshop.test with NXDOMAIN, no SOA) at TB_BASE.54, both waited for. Needs the parent
# and child (tb_start_dns) to resolve anything, and `tb_require unbound`.
tb_resolvers() {
  tb_unbound a "$TB_BASE.53"
  tb_unbound b "$TB_BASE.54" '  local-zone: "flaggedshop.test." always_nxdomain'
  $TB_TESTBED wait-dns "$TB_BASE.53" "$TB_PORT" test || return 1
  $TB_TESTBED wait-dns "$TB_BASE.54" "$TB_PORT" test || return 1
}

# tb_whois [QUERYLOG]: the WHOIS fixture server (tests/fixtures/domain/whois/) at
# TB_BASE.43:TB_WHOIS_PORT, each query line appended to QUERYLOG; waits until it accepts
# connections (up to 5 s; returns 1 if it never does).
tb_whois() {
  $TB_TESTBED whois "$TB_BASE.43" "$TB_WHOIS_PORT" "$TB_FIX/whois" "$TB_DIR/whois.pid" ${1:+"$1"} \
    >"$TB_DIR/whois.log" 2>&1 &
  TB_PID[whois]=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('$TB_BASE.43', $TB_WHOIS_PORT), 0.2).close()" 2>/dev/null \
      && return 0
    sleep 0.1
  done
  return 1
}

# tb_parent_zone remove NAME | repoint NAME | restore: takes NAME's delegation (NS and
# glue) out of the parent zone (a hold, as the registry does it), repoints it to
# ns2.NAME.test (same address: an NS change at the registrar), or puts the fixture back;
# restarts the parent's NSD and waits until it answers again.
tb_parent_zone() {
  local zone="$TB_DIR/zones/test.zone"
  case $1 in
    remove) sed -i "/^$2 \|^ns1\.$2 /d" "$zone" ;;
    repoint) sed -i "s/^\($2 .* NS \)ns1\.$2\.test\./\1ns2.$2.test./; s/^ns1\.$2 /ns2.$2 /" "$zone" ;;
    restore) sed "s/@BASE@/$TB_BASE/g" "$TB_FIX/zones/test.zone" >"$zone" ;;
  esac
  tb_nsd_stop parent
  tb_nsd_start parent
  $TB_TESTBED wait-dns "$TB_BASE.1" "$TB_PORT" test
}

tb_stop() {
  for name in "${!TB_PID[@]}"; do
    local pid=${TB_PID[$name]}
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
}

# tb_logs: the last lines of every non-empty server log, for a failure message.
tb_logs() {
  for l in "$TB_DIR"/*.log; do [ -s "$l" ] && { echo "--- $l"; tail -20 "$l"; }; done
  return 0
}
