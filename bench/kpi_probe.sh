#!/bin/bash
# bench/kpi_probe.sh — what one KPI sample costs (issue 16: ≤ 1 % of one core at one sample a
# second with 20 services, nothing allocated per sample after warm-up), printed as a ratio
# against reading /proc/net/snmp alone, measured in the same run (bench/kpi_probe_bench.cpp).
# A benchmark: it prints numbers, asserts nothing.
#
# Usage: bench/kpi_probe.sh [SAMPLES=3000] [SERVICES=20]   (runs with and without ports)
# Env: BENCH (default build/release/bench/bench_kpi; built with the release preset when
#      missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$ROOT/build/release/bench/bench_kpi}
if [ ! -x "$BENCH" ]; then
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build --preset release --target bench_kpi)
fi
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
$pin "$BENCH" "${1:-3000}" "${2:-20}" 1
$pin "$BENCH" "${1:-3000}" "${2:-20}" 0
