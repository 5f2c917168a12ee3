# The loopback DNS test bed of the domain checks, for scripts that source it (the daemon's
# domain probe test; check_domain_test.sh has the same servers inline and can move to this):
#   NSD "parent" (fake TLD test.)         @TB_BASE.1:TB_PORT
#   NSD "child"  (the shops' own zones)   @TB_BASE.2:TB_PORT
#   NSD "dnsbl"  (the block-list zones)   @TB_BASE.3:TB_PORT      (tb_dnsbl)
#   blackhole (never answers)             @TB_BASE.4:TB_PORT
#   RDAP fixture HTTP server              @TB_BASE.80:TB_RDAP_PORT (tb_rdap)
# TB_BASE is 127.x.y from the sourcing shell's pid, so parallel runs do not collide. Zone
# files are copied to $TB_DIR/zones with @BASE@ filled in; tb_parent_zone edits the
# parent's copy and restarts its NSD (a held or restored delegation). Needs TMP (a temp dir
# the caller removes) set before sourcing; call tb_stop from the caller's cleanup.
TB_FIX=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures/domain" && pwd)
TB_TESTBED="python3 $TB_FIX/testbed.py"
TB_BASE="127.$(( 60 + $$ % 150 )).$(( ($$ / 150) % 250 + 1 ))"
TB_PORT=15353
TB_RDAP_PORT=18080
TB_DIR="$TMP/testbed"
declare -A TB_PID=()

# tb_require: exit 77 (skip) when nsd or python3 is missing (tools/setup.sh installs them).
tb_require() {
  for bin in nsd python3; do
    if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then
      echo "SKIP: $bin is not installed (tools/setup.sh installs it)"; exit 77
    fi
  done
  TB_NSD=$(command -v nsd || echo /usr/sbin/nsd)
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
    pendingshop.test brokenshop.test
  $TB_TESTBED blackhole "$TB_BASE.4" "$TB_PORT" "$TB_DIR/blackhole.pid" >"$TB_DIR/blackhole.log" 2>&1 &
  TB_PID[blackhole]=$!
  $TB_TESTBED wait-dns "$TB_BASE.1" "$TB_PORT" test || return 1
  $TB_TESTBED wait-dns "$TB_BASE.2" "$TB_PORT" goodshop.test || return 1
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

# tb_parent_zone remove NAME | restore: takes NAME's delegation (NS and glue) out of the
# parent zone (a hold, as the registry does it), or puts the fixture back; restarts the
# parent's NSD and waits until it answers again.
tb_parent_zone() {
  local zone="$TB_DIR/zones/test.zone"
  case $1 in
    remove) sed -i "/^$2 \|^ns1\.$2 /d" "$zone" ;;
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
